/**
 * The one stack: table, HTTP + WebSocket APIs with a function per route (from lib/routes.ts), the
 * stream fan-out, the 5-minute reminder, agent sign-in, the console on CloudFront, alarms, outputs.
 */
import type { DeployedEnv } from '../lambdas/platform/env-names.js';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { acknowledge } from './constructs/nag.js';
import type { Construct } from 'constructs';
import { TABLE } from '../lambdas/store/table.js';
import { PUSH_REFUSED_FOR_GOOD } from '../lambdas/channels/sns-errors.js';
import { BACKGROUND, HTTP_ROUTES, WS_AUTHORIZER, WS_ROUTES, QUEUES, consumerGrantsOf, withQueueGrants, type Grant, type WorkQueue } from './routes.js';
import { AgentSignIn } from './constructs/agent-sign-in.js';
import { Alarms } from './constructs/alarms.js';
import { HandlerFunction } from './constructs/handler-function.js';
import type { GrantTargets } from './constructs/grants.js';
import { HttpEndpoint, VISITOR_ROUTE_THROTTLE } from './constructs/http-api.js';
import { ifElse, StackParameters } from './constructs/parameters.js';
import { REMINDER_WORKER_TIMEOUT_S } from '../lambdas/app/reminder-limits.js';
import { NotificationPipeline } from './constructs/pipeline.js';
import { ConnectionExpirySweep } from './constructs/connection-expiry.js';
import { WebConsole } from './constructs/web-console.js';
import { WebSocketEndpoint } from './constructs/websocket-api.js';
import { EmailEvents } from './constructs/email-events.js';
import { WorkQueueResources } from './constructs/work-queue.js';
import { NotificationsDashboard } from './constructs/dashboard.js';

export interface AgentChatStackProps extends StackProps {
  /** The built console (web/build.ts output). */
  consoleAssetsDir: string;
  /** Keep the table and the user pool when the stack is deleted (default true). */
  retainData?: boolean;
  /** The work queues (default lib/routes.ts QUEUES); the template tests pass their own. */
  queues?: readonly WorkQueue[];
}

/** 'http/post-message' → 'HttpPostMessage': stable construct ids from the route table. */
export function functionId(handler: string): string {
  return handler
    .split(/[/-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** The one route anyone may call without a token: new conversations. */
export const VISITOR_ROUTE = 'POST /v1/workspaces/{workspaceId}/conversations';

export class AgentChatStack extends Stack {
  readonly table: dynamodb.Table;
  readonly http: HttpEndpoint;
  readonly webSocket: WebSocketEndpoint;
  readonly pipeline: NotificationPipeline;
  readonly functions = new Map<string, HandlerFunction>();
  readonly workQueues = new Map<string, WorkQueueResources>();

  constructor(scope: Construct, id: string, props: AgentChatStackProps) {
    super(scope, id, props);
    const retain = props.retainData ?? true;
    const params = new StackParameters(this, 'Parameters');

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const ix of Object.values(TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: ix.name,
        partitionKey: { name: ix.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: ix.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    const web = new WebConsole(this, 'Console', { assetsDir: props.consoleAssetsDir });
    const consoleUrl = ifElse(params.consoleOriginGiven, params.consoleOrigin.valueAsString, web.url);
    const signIn = new AgentSignIn(this, 'SignIn', { params, consoleUrl, retain });
    this.webSocket = new WebSocketEndpoint(this, 'WebSocket');
    this.http = new HttpEndpoint(this, 'Http');

    const emailEvents = new EmailEvents(this, 'EmailEvents');
    // SPEC §11.7: the key the reminder email's one-click unsubscribe links are signed with. Generated
    // by Secrets Manager at deploy (nobody types or sees it) and resolved by CloudFormation into the
    // functions' environment (a dynamic reference, encrypted at rest with Lambda's key): no runtime
    // call, so no grant and no cold-start cost. Anyone who may read a function's configuration can
    // read it, as they could every other setting there.
    const unsubscribeSecret = new secretsmanager.Secret(this, 'UnsubscribeSecret', {
      description: 'Signs the one-click unsubscribe links of reminder emails (SPEC §11.7)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(unsubscribeSecret, 'SMG4', 'An HMAC key for unsubscribe links: rotating it would break the links in emails already sent, and it can only turn reminders off.');
    const platformApp = (p: string) => params.platformApps.find((a) => a.platform === p)?.arn ?? '';
    // Every name lambdas/platform/config.ts reads; an empty value reads as unset there.
    const environment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      WS_CALLBACK_URL: this.webSocket.callbackUrl,
      OIDC_ISSUER: signIn.issuer,
      OIDC_AUDIENCE: signIn.audience,
      OIDC_JWKS_URL: params.oidcJwksUrl.valueAsString,
      WORKSPACE_CLAIM: signIn.workspaceClaim,
      ROLE_CLAIM: signIn.roleClaim,
      PLATFORM_APP_ARN_APNS: platformApp('APNS'),
      PLATFORM_APP_ARN_APNS_SANDBOX: platformApp('APNS_SANDBOX'),
      PLATFORM_APP_ARN_GCM: platformApp('GCM'),
      EMAIL_FROM: params.emailFrom.valueAsString,
      CONSOLE_URL: consoleUrl,
      AGENT_INACTIVE_DAYS: params.agentInactiveDays.valueAsString,
      REMINDER_MIN_AGE_S: params.reminderMinAgeSeconds.valueAsString,
      SES_MAX_SEND_RATE: params.sesMaxSendRate.valueAsString,
      SES_CONFIGURATION_SET: emailEvents.configurationSet.configurationSetName,
      // SPEC §11.7: the link in List-Unsubscribe points at this API ($default stage).
      API_URL: this.http.api.apiEndpoint,
      UNSUBSCRIBE_SECRET: unsubscribeSecret.secretValue.unsafeUnwrap(),
    } satisfies Record<DeployedEnv, string>;
    const targets: GrantTargets = {
      table: this.table,
      platformApps: params.platformApps,
      emailFrom: params.emailFrom.valueAsString,
      emailConfigurationSet: emailEvents.configurationSet.configurationSetName,
      webSocket: { apiId: this.webSocket.api.apiId, stageName: this.webSocket.stage.stageName },
    };
    // The work queues first: every function gets their URLs, producers get SendMessage on theirs.
    const queues = props.queues ?? QUEUES;
    for (const q of queues) {
      const wq = new WorkQueueResources(this, `WorkQueue${functionId(q.id)}`, q);
      this.workQueues.set(q.id, wq);
      environment[q.urlEnv] = wq.queue.queueUrl;
    }
    const fn = (handler: string, grants: readonly Grant[], opts: { memorySize?: number; timeout?: Duration; reservedConcurrentExecutions?: number } = {}) => {
      const existing = this.functions.get(handler);
      if (existing) return existing;
      const sendQueues = queues.filter((q) => q.producers.includes(handler)).map((q) => this.workQueues.get(q.id)!.queue);
      const f = new HandlerFunction(this, functionId(handler), {
        handler,
        grants: withQueueGrants(handler, grants, queues),
        targets: { ...targets, sendQueues },
        environment,
        ...opts,
      });
      this.functions.set(handler, f);
      return f;
    };

    // The anonymous route: its own reserved concurrency (VisitorConcurrency) and route throttle, so
    // a flood of new conversations cannot starve the agent routes of Lambda or gateway capacity.
    const visitorOpts = (r: (typeof HTTP_ROUTES)[number]) => (`${r.method} ${r.path}` === VISITOR_ROUTE ? { reservedConcurrentExecutions: params.visitorConcurrency.valueAsNumber } : {});
    for (const route of HTTP_ROUTES) this.http.addRoute(route, fn(route.handler, route.grants, visitorOpts(route)).fn);
    this.http.throttleRoute(VISITOR_ROUTE, VISITOR_ROUTE_THROTTLE);

    const authorizer = fn(WS_AUTHORIZER.handler, WS_AUTHORIZER.grants, { timeout: Duration.seconds(5) });
    for (const route of WS_ROUTES) {
      const withAuthorizer = route.routeKey === '$connect' ? { fn: authorizer.fn, identitySource: WS_AUTHORIZER.identitySource } : undefined;
      this.webSocket.addRoute(route, fn(route.handler, route.grants).fn, withAuthorizer);
    }

    const fanout = fn(BACKGROUND.fanout.handler, BACKGROUND.fanout.grants, { memorySize: 512, timeout: Duration.minutes(1) });
    const reminder = fn(BACKGROUND.reminder.handler, BACKGROUND.reminder.grants, { memorySize: 512, timeout: Duration.minutes(2) });
    // The reminder's shard workers (QUEUES `reminder-work` feeds them; each stops taking agents before this timeout).
    fn(BACKGROUND.reminderWorker.handler, BACKGROUND.reminderWorker.grants, { memorySize: 512, timeout: Duration.seconds(REMINDER_WORKER_TIMEOUT_S) });
    const sesEvents = fn(BACKGROUND.sesEvents.handler, BACKGROUND.sesEvents.grants);
    emailEvents.subscribe(sesEvents.fn);
    this.pipeline = new NotificationPipeline(this, 'Pipeline', { table: this.table, fanout, reminder });
    const connectionExpiry = fn(BACKGROUND.connectionExpiry.handler, BACKGROUND.connectionExpiry.grants, { timeout: Duration.seconds(50) });
    new ConnectionExpirySweep(this, 'ConnectionExpirySweep', { sweep: connectionExpiry });

    const consumers = queues.map((q) => {
      const consumer = fn(q.consumer, consumerGrantsOf(q), { timeout: Duration.seconds(q.consumerTimeoutS) });
      this.workQueues.get(q.id)!.attachConsumer(consumer.fn);
      return { q, consumer };
    });

    const alarms = new Alarms(this, 'Alarms', params);
    for (const { q, consumer } of consumers) {
      alarms.queueNotEmpty(`${functionId(q.id)}DlqDepth`, this.workQueues.get(q.id)!.dlq, `Work queue ${q.id}`);
      alarms.errorsAndThrottles(`${functionId(q.id)}Consumer`, [consumer.fn], `Work queue ${q.id} consumer`);
    }
    alarms.queueNotEmpty('FanoutDlqDepth', this.pipeline.fanoutDlq, 'Fan-out');
    alarms.queueNotEmpty('ReminderDlqDepth', this.pipeline.reminderDlq, 'Reminder');
    alarms.errorsAndThrottles('Fanout', [fanout.fn], 'Fan-out');
    alarms.errorsAndThrottles('Reminder', [reminder.fn], 'Reminder');
    alarms.errorsAndThrottles('ConnectionExpiry', [connectionExpiry.fn], 'Connection expiry sweep');
    alarms.errorsAndThrottles('SesEvents', [sesEvents.fn], 'SES bounce and complaint events');
    alarms.errorsAndThrottles(
      'HttpRoutes',
      HTTP_ROUTES.map((r) => fn(r.handler, r.grants).fn),
      'HTTP API routes',
    );
    alarms.errorsAndThrottles('WebSocketRoutes', [authorizer.fn, ...WS_ROUTES.map((r) => fn(r.handler, r.grants).fn)], 'WebSocket routes');
    alarms.iteratorAge('FanoutIteratorAge', fanout.fn, Duration.minutes(1));
    // SPEC §8: pushes refused for good (a disabled platform application, a missing permission, an invalid payload) are not retried, so they alarm.
    alarms.logMessage('FanoutPushRefused', fanout.logGroup, PUSH_REFUSED_FOR_GOOD, 'Fan-out: mobile pushes refused for good (disabled platform application, missing permission, invalid payload)');

    // SPEC §12: notifications by channel and outcome, the fan-out's delay, DLQ depths, iterator age.
    new NotificationsDashboard(this, 'Dashboard', {
      fanout: fanout.fn,
      deadLetterQueues: [
        { label: 'fan-out stream', queue: this.pipeline.fanoutDlq },
        { label: 'reminder schedule', queue: this.pipeline.reminderDlq },
        ...queues.map((q) => ({ label: q.id, queue: this.workQueues.get(q.id)!.dlq })),
      ],
    });

    web.allowConnections({ apiUrl: this.http.api.apiEndpoint, wsUrl: this.webSocket.url, issuer: signIn.issuer, tokenEndpoint: signIn.tokenEndpoint });
    web.deploy({
      apiUrl: this.http.api.apiEndpoint,
      wsUrl: this.webSocket.url,
      auth: {
        mode: 'oidc',
        issuer: signIn.issuer,
        clientId: signIn.audience,
        // The authorize and token endpoints come from the issuer's discovery document (Cognito
        // lists its hosted domain there); the logout URL is Cognito's own and not discoverable.
        logoutUrl: signIn.logoutEndpoint,
        scope: 'openid email profile',
      },
    });

    new CfnOutput(this, 'HttpApiUrl', { value: this.http.api.apiEndpoint, description: 'HTTP API base URL (SPEC §6)' });
    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocket.url, description: 'WebSocket URL; agents add ?token=<JWT> (SPEC §7)' });
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl, description: 'Agent console (/) and visitor demo (/demo)' });
    new CfnOutput(this, 'FanoutDlqUrl', { value: this.pipeline.fanoutDlq.queueUrl, description: 'Stream batches the fan-out gave up on' });
    new CfnOutput(this, 'ReminderDlqUrl', { value: this.pipeline.reminderDlq.queueUrl, description: 'Reminder runs EventBridge could not deliver' });
    for (const q of queues) {
      new CfnOutput(this, `${functionId(q.id)}DlqUrl`, { value: this.workQueues.get(q.id)!.dlq.queueUrl, description: `Work queue ${q.id}: messages its consumer gave up on` });
    }
    new CfnOutput(this, 'UserPoolId', { value: signIn.userPool.userPoolId, description: 'Cognito pool for agents (used when OidcIssuer is empty)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn, description: 'Where the alarms go' });
  }
}
