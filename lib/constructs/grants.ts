/**
 * The route table's grant names turned into IAM statements: the only permissions a function gets.
 * Table access lists its actions instead of using grantReadData/grantWriteData, because those
 * also allow reading the whole table in one sweep, which the product never does: such a call
 * slipping into code fails at the IAM check on AWS instead of quietly costing a full read.
 */
import { Aws, Fn, Stack, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Grant, SnsAction } from '../routes.js';
import { acknowledgeWildcards } from './nag.js';
import { ifElse, type PlatformApp } from './parameters.js';

const SNS_ON_APPS: readonly SnsAction[] = ['CreatePlatformEndpoint'];

/** What the grants point at. */
export interface GrantTargets {
  table: dynamodb.ITable;
  platformApps: readonly PlatformApp[];
  emailFrom: string;
  /** The reminders' SES configuration set: sending with one is authorised on it too. */
  emailConfigurationSet?: string;
  webSocket: { apiId: string; stageName: string };
  /** The work queues this function produces to (lib/routes.ts QUEUES `producers`): what `'sqs:send'` covers. */
  sendQueues?: readonly sqs.IQueue[];
}

/** The platform application ARN, or an ARN that matches nothing when the platform is not configured. */
function appArn(app: PlatformApp): string {
  return ifElse(app.configured, app.arn, notConfigured('app', app.platform));
}

/** arn:…:app/PLATFORM/NAME → arn:…:endpoint/PLATFORM/NAME/* (endpoints of that application only). */
function endpointArns(app: PlatformApp): string {
  // The appended ':app/none' keeps both Split elements present even for an empty parameter, so the
  // expression is valid whichever way the condition goes.
  const parts = Fn.split(':app/', Fn.join('', [app.arn, ':app/none']));
  const pattern = Fn.join('', [Fn.select(0, parts), ':endpoint/', Fn.select(1, parts), '/*']);
  return ifElse(app.configured, pattern, notConfigured('endpoint', app.platform));
}

function notConfigured(kind: 'app' | 'endpoint', platform: string): string {
  return `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind}/${platform}/not-configured`;
}

export function connectionsArn(scope: Stack, ws: GrantTargets['webSocket'], method = 'POST'): string {
  return scope.formatArn({
    service: 'execute-api',
    resource: ws.apiId,
    resourceName: `${ws.stageName}/${method}/@connections/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** A grant's identity, so the same grant listed twice (ENSURE_AGENT plus its own) is one statement. */
function grantKey(g: Grant): string {
  return typeof g === 'string' ? g : JSON.stringify(g);
}

export function applyGrants(role: iam.Role, grants: readonly Grant[], t: GrantTargets): void {
  const stack = Stack.of(role);
  const add = (actions: readonly string[], resources: string[], conditions?: Record<string, unknown>) =>
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources, conditions }));
  const indexArn = (name: string) => `${t.table.tableArn}/index/${name}`;
  const tableItems = (actions: readonly string[], keys?: readonly string[]) =>
    // dynamodb:LeadingKeys holds the partition key of every item the request touches; ForAllValues
    // requires each to match a pattern. Statements are on the table ARN only: how LeadingKeys
    // applies to an index Query is not documented, so index grants are narrowed by index ARN.
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    add(
      actions.map((a) => `dynamodb:${a}`),
      [t.table.tableArn],
      keys ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } } : undefined,
    );
  const sns = (actions: readonly SnsAction[]) => {
    const onApps = actions.filter((a) => SNS_ON_APPS.includes(a));
    const onEndpoints = actions.filter((a) => !SNS_ON_APPS.includes(a));
    if (onApps.length)
      add(
        onApps.map((a) => `sns:${a}`),
        t.platformApps.map(appArn),
      );
    if (onEndpoints.length) {
      const endpoints = t.platformApps.map(endpointArns);
      add(
        onEndpoints.map((a) => `sns:${a}`),
        endpoints,
      );
      acknowledgeWildcards(role, endpoints, 'Device endpoints are created at run time; the grant covers only endpoints of the configured platform applications.');
    }
  };
  const ws = (methods: readonly string[]) => {
    const arns = methods.map((m) => connectionsArn(stack, t.webSocket, m));
    add(['execute-api:ManageConnections'], arns);
    acknowledgeWildcards(role, arns, 'Connection ids are known only at run time; the grant is these @connections methods of this WebSocket API stage only.');
  };

  const seen = new Set<string>();
  for (const grant of grants) {
    if (seen.has(grantKey(grant))) continue;
    seen.add(grantKey(grant));
    if (typeof grant !== 'string') {
      if ('table' in grant) tableItems(grant.table, grant.keys);
      else if ('query' in grant) add(['dynamodb:Query'], [indexArn(grant.query)]);
      else if ('sns' in grant) sns(grant.sns);
      else ws(grant.ws);
      continue;
    }
    switch (grant) {
      case 'sqs:send': {
        // SendMessageBatch is authorised as SendMessage; the queues use SQS-managed encryption, so no KMS grant.
        const queues = t.sendQueues ?? [];
        if (queues.length === 0) throw new Error("'sqs:send' granted to a function that is no queue's producer (lib/routes.ts QUEUES producers)");
        add(
          ['sqs:SendMessage'],
          queues.map((q) => q.queueArn),
        );
        break;
      }
      case 'ses:send': {
        const identities = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`;
        // In the SES sandbox the recipients' identities are authorised too, so the resource is
        // every identity and the from-address is pinned by the condition instead. SendRawEmail
        // is not granted: the reminder sends with SendRawEmail only (List-Unsubscribe headers, SPEC §11.7). With a configuration set, SES
        // authorises the send on the set too.
        const configurationSets = t.emailConfigurationSet ? [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${t.emailConfigurationSet}`] : [];
        add(['ses:SendRawEmail'], [identities, ...configurationSets], { StringEquals: { 'ses:FromAddress': t.emailFrom } });
        acknowledgeWildcards(role, [identities], 'SES authorises sender and (in the sandbox) recipient identities; the ses:FromAddress condition pins the sender to the EmailFrom parameter.');
        break;
      }
      default: {
        const never: never = grant;
        throw new Error(`unknown grant ${String(never)}`);
      }
    }
  }
}
