/**
 * The synthesized template, asserted against the route table and the table definition (never
 * against hand-written counts). One synthesis, with real esbuild bundling, shared by every case.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentChatStack } from '../../lib/stack.js';
import { ALL_HANDLERS, BACKGROUND, HTTP_ROUTES, WS_AUTHORIZER, WS_ROUTE_SELECTION, WS_ROUTES } from '../../lib/routes.js';
import { FANOUT_FILTER, TABLE } from '../../lambdas/store/table.js';
import { FANOUT_DELAY_METRIC, METRICS_NAMESPACE, NOTIFICATION_SERIES, NOTIFICATIONS_METRIC, SERVICE_NAME } from '../../lambdas/platform/metric-names.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; Metadata?: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

let workDir: string;
let app: App;
let stack: AgentChatStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  // A stand-in for the web build: the stack only needs a directory to upload.
  const site = join(workDir, 'site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>console</title>');
  app = new App({ outdir: join(workDir, 'out'), context: { 'aws:cdk:enable-asset-metadata': true } });
  stack = new AgentChatStack(app, 'Test', { consoleAssetsDir: site });
  // As bin/app.ts does: an unacknowledged cdk-nag error makes this synthesis throw its report.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 300_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The logical id of the function built for a route-table handler name. */
function functionFor(handler: string): string {
  const f = stack.functions.get(handler);
  if (!f) throw new Error(`no function for ${handler}`);
  return stack.getLogicalId(f.fn.node.defaultChild as any);
}

/** Every statement of the inline policy attached to a function's role. */
function statementsOf(handler: string): Statement[] {
  const f = stack.functions.get(handler)!;
  const roleId = stack.getLogicalId(f.role.node.defaultChild as any);
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function actionsOf(handler: string): string[] {
  return statementsOf(handler).flatMap((s) => [s.Action].flat());
}

function integrationTarget(integrationRef: unknown): string {
  // Route Target is "integrations/<IntegrationId>"; the integration's URI names the function.
  const id = JSON.stringify(integrationRef).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1];
  const integration = id ? resources[id] : undefined;
  const fn = JSON.stringify(integration?.Properties.IntegrationUri ?? '').match(/"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/)?.[1];
  if (!fn) throw new Error(`cannot resolve the function behind ${JSON.stringify(integrationRef)}`);
  return fn;
}

const allHandlers = new Set(ALL_HANDLERS);

describe('table', () => {
  test('one table from the shared definition: keys, indexes, TTL, NEW_IMAGE stream, PITR, on-demand, retained', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [, t] = tables[0]!;
    expect(t.Properties.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(t.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.ttlAttribute, Enabled: true });
    expect(t.DeletionPolicy).toBe('Retain');
    const gsis = t.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(
      Object.values(TABLE.indexes)
        .map((i) => i.name)
        .sort(),
    );
    for (const ix of Object.values(TABLE.indexes)) {
      expect(gsis.find((g) => g.IndexName === ix.name)?.KeySchema).toEqual([
        { AttributeName: ix.partitionKey, KeyType: 'HASH' },
        { AttributeName: ix.sortKey, KeyType: 'RANGE' },
      ]);
    }
  });
});

describe('HTTP API', () => {
  test('one route per HTTP_ROUTES entry, each to the function of its own handler, no gateway authorizer', () => {
    const [httpApiId] = ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'HTTP')!;
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === httpApiId);
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of HTTP_ROUTES) {
      const [, r] = routes.find(([, x]) => x.Properties.RouteKey === `${route.method} ${route.path}`)!;
      expect(r.Properties.AuthorizationType).toBe('NONE');
      expect(integrationTarget(r.Properties.Target)).toBe(functionFor(route.handler));
    }
  });

  test("no API-wide CORS (it would answer every preflight with one origin list and drop the functions' CORS headers); OPTIONS /{proxy+} goes to the preflight function", () => {
    const [httpApiId, api] = ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'HTTP')!;
    expect(api.Properties.CorsConfiguration).toBeUndefined();
    const [, preflight] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.ApiId.Ref === httpApiId && r.Properties.RouteKey === 'OPTIONS /{proxy+}')!;
    expect(preflight.Properties.AuthorizationType).toBe('NONE');
    expect(integrationTarget(preflight.Properties.Target)).toBe(functionFor('http/preflight'));
    // The functions learn the console's origin from CONSOLE_URL, the ConsoleOrigin parameter (or the CloudFront URL).
    const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id === functionFor('http/get-me'))!;
    expect(JSON.stringify(fn.Properties.Environment.Variables.CONSOLE_URL)).toContain('ConsoleOrigin');
  });
});

describe('WebSocket API', () => {
  test('route selection and one route per WS_ROUTES entry, each to its own function', () => {
    const [wsApiId, ws] = ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'WEBSOCKET')!;
    expect(ws.Properties.RouteSelectionExpression).toBe(WS_ROUTE_SELECTION);
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === wsApiId);
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(WS_ROUTES.map((r) => r.routeKey).sort());
    for (const route of WS_ROUTES) {
      const [, r] = routes.find(([, x]) => x.Properties.RouteKey === route.routeKey)!;
      expect(integrationTarget(r.Properties.Target)).toBe(functionFor(route.handler));
    }
  });

  test('$connect has the Lambda authorizer on the token query parameter; no other route has one', () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, a] = authorizers[0]!;
    expect(a.Properties.AuthorizerType).toBe('REQUEST');
    expect(a.Properties.IdentitySource).toEqual([WS_AUTHORIZER.identitySource]);
    expect(JSON.stringify(a.Properties.AuthorizerUri)).toContain(functionFor(WS_AUTHORIZER.handler));
    for (const [, r] of ofType('AWS::ApiGatewayV2::Route')) {
      if (r.Properties.RouteKey === '$connect') {
        expect(r.Properties.AuthorizationType).toBe('CUSTOM');
        expect(r.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      } else {
        expect(r.Properties.AuthorizerId).toBeUndefined();
      }
    }
  });

  test('two-way routes (returnsResponse) and only those send the handler result back', () => {
    const twoWay = new Set(WS_ROUTES.filter((r) => r.returnsResponse).map((r) => r.routeKey));
    const routesWithResponse = ofType('AWS::ApiGatewayV2::RouteResponse').map(([, rr]) => {
      const routeId = rr.Properties.RouteId.Ref as string;
      return resources[routeId]!.Properties.RouteKey as string;
    });
    expect(new Set(routesWithResponse)).toEqual(twoWay);
    for (const [, r] of ofType('AWS::ApiGatewayV2::Route')) {
      if (twoWay.has(r.Properties.RouteKey)) expect(r.Properties.RouteResponseSelectionExpression).toBe('$default');
    }
  });
});

describe('functions', () => {
  test('one function per handler of the route table, each nodejs24.x on arm64 with ESM code, source maps and its own log group', () => {
    expect(new Set(stack.functions.keys())).toEqual(allHandlers);
    for (const handler of allHandlers) {
      const fn = resources[functionFor(handler)]!;
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      // NodejsFunction names an ESM bundle index.mjs, so the handler resolves to it.
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const logGroupId = JSON.stringify(fn.Properties.LoggingConfig.LogGroup).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1];
      expect(resources[logGroupId!]?.Properties.RetentionInDays).toBe(30);
      // SPEC §12: X-Ray active tracing on every function, and its role may upload the traces.
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(actionsOf(handler)).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
    }
  });

  test('every bundle is an ESM file with the require shim and the AWS SDK inside it', () => {
    for (const handler of allHandlers) {
      const assetPath = resources[functionFor(handler)]!.Metadata?.['aws:asset:path'] as string;
      const code = readFileSync(join(app.outdir, assetPath, 'index.mjs'), 'utf8');
      expect(code.startsWith('import { createRequire')).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
      // Bundled, not left to the runtime's copy: no import of an @aws-sdk package remains.
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(readFileSync(join(app.outdir, assetPath, 'index.mjs.map'), 'utf8')).toContain('"mappings"');
    }
  });

  test('every function gets every variable lambdas/platform/config.ts reads', () => {
    const names = [
      'TABLE_NAME',
      'WS_CALLBACK_URL',
      'OIDC_ISSUER',
      'OIDC_AUDIENCE',
      'OIDC_JWKS_URL',
      'WORKSPACE_CLAIM',
      'ROLE_CLAIM',
      'PLATFORM_APP_ARN_APNS',
      'PLATFORM_APP_ARN_APNS_SANDBOX',
      'PLATFORM_APP_ARN_GCM',
      'EMAIL_FROM',
      'CONSOLE_URL',
    ];
    for (const handler of allHandlers) {
      const vars = resources[functionFor(handler)]!.Properties.Environment.Variables as Record<string, unknown>;
      expect(Object.keys(vars)).toEqual(expect.arrayContaining(names));
      // The offline stack's overrides never reach AWS.
      expect(Object.keys(vars).filter((k) => k.endsWith('_ENDPOINT'))).toEqual([]);
    }
    const ws = ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'WEBSOCKET')![0];
    const callback = JSON.stringify(resources[functionFor(BACKGROUND.fanout.handler)]!.Properties.Environment.Variables.WS_CALLBACK_URL);
    expect(callback).toContain('"https://"');
    expect(callback).toContain(`{"Ref":"${ws}"}`);
    expect(callback).toContain('/live');
  });

  test('no role uses an AWS managed policy or may Scan the table', () => {
    const ours = new Set([...allHandlers].map((h) => stack.getLogicalId(stack.functions.get(h)!.role.node.defaultChild as any)));
    for (const id of ours) expect(resources[id]!.Properties.ManagedPolicyArns).toBeUndefined();
    for (const handler of allHandlers) {
      const actions = actionsOf(handler);
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions.filter((a) => a.endsWith('*'))).toEqual([]);
    }
  });
});

describe('grants follow the route table', () => {
  const wsApiRef = () => ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'WEBSOCKET')![0];

  test('fan-out: ManageConnections on this WebSocket API stage only, and sns:Publish', () => {
    const st = statementsOf(BACKGROUND.fanout.handler);
    const manage = st.filter((s) => [s.Action].flat().includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    const resource = JSON.stringify(manage[0]!.Resource);
    expect(resource).toContain(`{"Ref":"${wsApiRef()}"}`);
    expect(resource).toContain('/live/POST/@connections/*');
    expect(actionsOf(BACKGROUND.fanout.handler)).toContain('sns:Publish');
    expect(actionsOf(BACKGROUND.fanout.handler)).not.toContain('ses:SendRawEmail');
  });

  test('reminder: ses:SendRawEmail pinned to the EmailFrom parameter, SNS Publish only (the catch-up, SPEC §11.4), nothing of @connections', () => {
    const send = statementsOf(BACKGROUND.reminder.handler).filter((s) => [s.Action].flat().includes('ses:SendRawEmail'));
    expect(send).toHaveLength(1);
    expect(send[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': { Ref: 'EmailFrom' } } });
    const actions = actionsOf(BACKGROUND.reminder.handler);
    expect(actions.some((a) => (a.startsWith('sns:') && a !== 'sns:Publish') || a.startsWith('execute-api:'))).toBe(false);
  });

  test('register-device may create, read/set and delete endpoints (the 11th device evicts the oldest); delete-device may delete but not create', () => {
    const create = statementsOf('http/register-device').find((st) => [st.Action].flat().includes('sns:CreatePlatformEndpoint'))!;
    const refs = JSON.stringify(create.Resource);
    for (const p of ['PlatformAppArnApns', 'PlatformAppArnApnsSandbox', 'PlatformAppArnGcm']) expect(refs).toContain(`{"Ref":"${p}"}`);
    const register = actionsOf('http/register-device').filter((a) => a.startsWith('sns:'));
    expect(register.sort()).toEqual(['sns:CreatePlatformEndpoint', 'sns:DeleteEndpoint', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes']);
    expect(actionsOf('http/delete-device').filter((a) => a.startsWith('sns:'))).toEqual(['sns:DeleteEndpoint']);
  });

  test('no function holds an action nobody calls (SendEmail, ConditionCheckItem, DescribeTable) or a wildcard index', () => {
    for (const handler of allHandlers) {
      for (const a of ['ses:SendEmail', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable']) expect(actionsOf(handler)).not.toContain(a);
      expect(JSON.stringify(statementsOf(handler))).not.toContain('/index/*');
    }
  });

  test('BatchWriteItem only for the delivery log (SPEC §12), only on LOG# keys, and only where entries are written', () => {
    const writers = new Set<string>();
    for (const handler of allHandlers) {
      for (const st of statementsOf(handler).filter((x) => [x.Action].flat().includes('dynamodb:BatchWriteItem'))) {
        writers.add(handler);
        expect([st.Action].flat()).toEqual(['dynamodb:BatchWriteItem']);
        expect(JSON.stringify(st.Condition)).toContain('"LOG#*"');
        expect(JSON.stringify(st.Condition)).not.toMatch(/"(AGENT|CONV|CONN|NOTIF|WS|RATE|TOKEN)#/);
      }
    }
    expect([...writers].sort()).toEqual(['fanout', 'fanout-worker', 'http/mark-read', 'http/test-notification', 'reminder', 'reminder-worker', 'ws/mark-read']);
  });

  test('only the reminder, the agent removal and the expiry sweep may query the cross-tenant due index; list-conversations queries gsi1 and gsi2 only', () => {
    const indexesOf = (handler: string) =>
      statementsOf(handler)
        .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r).match(/\/index\/([A-Za-z0-9]+)/)?.[1]))
        .filter((x): x is string => Boolean(x))
        .sort();
    for (const handler of allHandlers) {
      const due = [BACKGROUND.reminder.handler, BACKGROUND.reminderWorker.handler, BACKGROUND.connectionExpiry.handler, 'http/remove-agent'];
      const expected = due.includes(handler) ? ['due'] : handler === 'http/list-conversations' ? ['gsi1', 'gsi2'] : [];
      expect({ handler, indexes: indexesOf(handler) }).toEqual({ handler, indexes: expected });
    }
  });

  test('every item statement carries a dynamodb:LeadingKeys condition; the anonymous route may read the workspace item, count rate limits and write conversation items only', () => {
    for (const handler of allHandlers) {
      for (const st of statementsOf(handler).filter((x) => [x.Action].flat().some((a) => /^dynamodb:(Get|Put|Update|Delete|BatchGet)Item$/.test(a)))) {
        expect(st.Condition?.['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': expect.any(Array) });
      }
    }
    const visitor = statementsOf('http/create-conversation').filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    const granted = visitor.map((st) => ({ actions: [st.Action].flat().sort(), keys: (st.Condition as any)?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] }));
    expect(granted).toEqual([
      { actions: ['dynamodb:GetItem'], keys: ['WS#*'] },
      { actions: ['dynamodb:UpdateItem'], keys: ['RATE#*'] },
      { actions: ['dynamodb:PutItem'], keys: ['CONV#*'] },
    ]);
    // Nothing that could write an agent's items.
    expect(JSON.stringify(visitor)).not.toContain('AGENT#');
  });
});

describe('abuse limits and parameters', () => {
  test("the anonymous route has its own throttle below the stage's, and its function a reserved concurrency from VisitorConcurrency", () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage').find(([, st]) => st.Properties.StageName === '$default')!;
    const stageLimits = stage.Properties.DefaultRouteSettings;
    const route = stage.Properties.RouteSettings['POST /v1/workspaces/{workspaceId}/conversations'];
    expect(route.ThrottlingRateLimit).toBeLessThan(stageLimits.ThrottlingRateLimit);
    expect(route.ThrottlingBurstLimit).toBeLessThan(stageLimits.ThrottlingBurstLimit);
    expect(Object.keys(stage.Properties.RouteSettings)).toEqual(['POST /v1/workspaces/{workspaceId}/conversations']);
    expect(resources[functionFor('http/create-conversation')]!.Properties.ReservedConcurrentExecutions).toEqual({ Ref: 'VisitorConcurrency' });
    const params = template.toJSON().Parameters;
    expect(params.VisitorConcurrency).toMatchObject({ Type: 'Number', Default: 20, MinValue: 1 });
    for (const h of allHandlers) if (h !== 'http/create-conversation') expect(resources[functionFor(h)]!.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test("the admin role can be given on AWS: the Cognito pool's role attribute reaches the ID token but the agent cannot write it; RoleClaim names another issuer's claim", () => {
    const [, pool] = ofType('AWS::Cognito::UserPool')[0]!;
    expect(pool.Properties.Schema).toEqual(expect.arrayContaining([expect.objectContaining({ Name: 'role', AttributeDataType: 'String', Mutable: true })]));
    const [, client] = ofType('AWS::Cognito::UserPoolClient')[0]!;
    expect(client.Properties.ReadAttributes).toEqual(expect.arrayContaining(['custom:role', 'custom:workspace_id']));
    expect(client.Properties.WriteAttributes).not.toContain('custom:role');
    expect(client.Properties.WriteAttributes).not.toContain('custom:workspace_id');
    expect((template.toJSON().Parameters as Record<string, any>).RoleClaim).toMatchObject({ Type: 'String', Default: '' });
    for (const h of allHandlers)
      expect(resources[functionFor(h)]!.Properties.Environment.Variables.ROLE_CLAIM).toEqual({ 'Fn::If': [expect.stringContaining('RoleClaimGiven'), { Ref: 'RoleClaim' }, 'custom:role'] });
  });

  test('ConsoleOrigin must be https (http only for localhost and 127.0.0.1)', () => {
    const re = new RegExp(template.toJSON().Parameters.ConsoleOrigin.AllowedPattern);
    for (const ok of ['', 'https://console.example.com', 'https://a.b:8443', 'http://localhost:5173', 'http://127.0.0.1:3000', 'http://localhost'])
      expect({ ok, match: re.test(ok) }).toEqual({ ok, match: true });
    for (const bad of ['http://console.example.com', 'http://localhost.evil.com', 'https://console.example.com/', 'https://x/path', 'ftp://x', 'http://127.0.0.1.nip.io'])
      expect({ bad, match: re.test(bad) }).toEqual({ bad, match: false });
  });

  test('a PlatformAppArn of another region fails the deployment on a resource named for the parameter', () => {
    const t = template.toJSON();
    for (const p of ['PlatformAppArnApns', 'PlatformAppArnApnsSandbox', 'PlatformAppArnGcm']) {
      const refuse = t.Resources[`${p}MustBeInTheStackRegion`];
      expect(refuse.Type).toBe('AWS::CloudFormation::WaitCondition');
      const text = JSON.stringify(t.Conditions[refuse.Condition]);
      expect(text).toContain(`{"Ref":"${p}"}`);
      expect(text).toContain('{"Ref":"AWS::Region"}');
      expect(text).toContain('"Fn::Not"');
    }
  });
});

describe('console headers', () => {
  test('CloudFront sends a CSP whose connect-src is self, this HTTP API, this WebSocket API and sign-in only, with frame-ancestors none and HSTS', () => {
    const [policyId, policy] = ofType('AWS::CloudFront::ResponseHeadersPolicy')[0]!;
    const [, cdn] = ofType('AWS::CloudFront::Distribution')[0]!;
    expect(cdn.Properties.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const sec = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(sec.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true });
    const csp = JSON.stringify(sec.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("frame-ancestors 'none'");
    const connect = csp.slice(csp.indexOf('connect-src'));
    const wsApi = ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'WEBSOCKET')![0];
    expect(connect).toContain(`{"Ref":"${wsApi}"}`);
    // The HTTP API by its own endpoint, no execute-api wildcard (no cycle since CORS left the API).
    const httpApi = ofType('AWS::ApiGatewayV2::Api').find(([, a]) => a.Properties.ProtocolType === 'HTTP')![0];
    expect(connect).toContain(`{"Fn::GetAtt":["${httpApi}","ApiEndpoint"]}`);
    expect(connect).not.toContain('*');
    // Sign-in: the issuer (discovery document) and the Cognito hosted domain's token endpoint.
    expect(connect).toContain('"ProviderURL"');
    expect(connect).toContain('.amazoncognito.com/oauth2/token');
  });
});

describe('notification pipeline', () => {
  test('the stream mapping: LATEST, batches of 100, partial-batch responses, bisect, bounded retries, DLQ, visitor-message filter', () => {
    // The stream's mapping (the work queues' SQS mappings are test/cdk/work-queue.test.ts's).
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, x]) => JSON.stringify(x.Properties.EventSourceArn).includes('StreamArn'));
    expect(mappings).toHaveLength(1);
    const [, m] = mappings[0]!;
    expect(m.Properties.FunctionName).toEqual({ Ref: functionFor(BACKGROUND.fanout.handler) });
    expect(JSON.stringify(m.Properties.EventSourceArn)).toContain('StreamArn');
    expect(m.Properties.StartingPosition).toBe('LATEST');
    expect(m.Properties.BatchSize).toBe(100);
    expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.Properties.BisectBatchOnFunctionError).toBe(true);
    expect(m.Properties.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(m.Properties.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(m.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
    const dlq = m.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0] as string;
    expect(resources[dlq]!.Type).toBe('AWS::SQS::Queue');
    expect(m.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([FANOUT_FILTER]);
  });

  test('dead-letter queues are encrypted, refuse plain HTTP, and raise an alarm on the first message', () => {
    // Work queues (lib/routes.ts QUEUES) hold work, not failures: their DLQs are the ones that alarm.
    for (const [id, q] of ofType('AWS::SQS::Queue').filter(([, r]) => r.Metadata?.['AgentChat::WorkQueue']?.role !== 'queue')) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = ofType('AWS::SQS::QueuePolicy').find(([, p]) => JSON.stringify(p.Properties.Queues).includes(`"${id}"`));
      expect(JSON.stringify(policy?.[1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(`"${id}"`));
      expect(alarm?.[1].Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  const ruleFor = (handler: string) => ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.Targets).includes(`"${functionFor(handler)}"`));

  test('two schedules only: the reminder and the connection-expiry sweep', () => {
    expect(ofType('AWS::Events::Rule')).toHaveLength(2);
    expect(ruleFor(BACKGROUND.reminder.handler)).toHaveLength(1);
    expect(ruleFor(BACKGROUND.connectionExpiry.handler)).toHaveLength(1);
  });

  test('the connection-expiry sweep runs on rate(1 minute) and may close connections (DELETE @connections) but not post to them', () => {
    const [, rule] = ruleFor(BACKGROUND.connectionExpiry.handler)[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.Properties.State).toBe('ENABLED');
    const [target] = rule.Properties.Targets as Record<string, any>[];
    expect(target!.Arn).toEqual({ 'Fn::GetAtt': [functionFor(BACKGROUND.connectionExpiry.handler), 'Arn'] });
    const manage = statementsOf(BACKGROUND.connectionExpiry.handler).filter((st) => [st.Action].flat().includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0]!.Resource)).toContain('/live/DELETE/@connections/*');
    expect(JSON.stringify(manage[0]!.Resource)).not.toContain('/POST/');
  });

  test('$connect may close connections (the cap of 20 per agent closes the oldest)', () => {
    const connect = WS_ROUTES.find((r) => r.routeKey === '$connect')!;
    expect(JSON.stringify(statementsOf(connect.handler))).toContain('/live/DELETE/@connections/*');
  });

  test('the reminder runs on rate(5 minutes) with bounded retries and a dead-letter queue', () => {
    const rules = ruleFor(BACKGROUND.reminder.handler);
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const [target] = rule.Properties.Targets as Record<string, any>[];
    expect(target!.Arn).toEqual({ 'Fn::GetAtt': [functionFor(BACKGROUND.reminder.handler), 'Arn'] });
    expect(target!.RetryPolicy.MaximumRetryAttempts).toBeLessThanOrEqual(2);
    expect(resources[target!.DeadLetterConfig.Arn['Fn::GetAtt'][0]]!.Type).toBe('AWS::SQS::Queue');
  });

  test("the fan-out's pushes refused for good are counted from its own log group and alarmed (SPEC §8)", () => {
    const fanout = stack.functions.get(BACKGROUND.fanout.handler)!;
    const groupId = stack.getLogicalId(fanout.logGroup.node.defaultChild as any);
    const filters = ofType('AWS::Logs::MetricFilter').filter(([, f]) => JSON.stringify(f.Properties.LogGroupName) === JSON.stringify({ Ref: groupId }));
    expect(filters.map(([, f]) => f.Properties.FilterPattern)).toContain('{ $.message = "push refused for good" }');
    const [, filter] = filters.find(([, f]) => f.Properties.FilterPattern.includes('push refused for good'))!;
    const { MetricNamespace, MetricName } = filter.Properties.MetricTransformations[0];
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === MetricName && a.Properties.Namespace === MetricNamespace);
    expect(alarm?.[1].Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [expect.anything()] });
  });

  test('errors and throttles of every function are watched by an alarm', () => {
    const watched = new Map<string, Set<string>>([
      ['Errors', new Set()],
      ['Throttles', new Set()],
    ]);
    for (const [, a] of ofType('AWS::CloudWatch::Alarm')) {
      for (const m of (a.Properties.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } } }[]) {
        const stat = m.MetricStat;
        if (stat && watched.has(stat.Metric.MetricName)) watched.get(stat.Metric.MetricName)!.add(stat.Metric.Dimensions[0]!.Value.Ref);
      }
    }
    const ours = new Set([...allHandlers].map(functionFor));
    expect(watched.get('Errors')).toEqual(ours);
    expect(watched.get('Throttles')).toEqual(ours);
    for (const [, a] of ofType('AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmActions).toHaveLength(1);
  });
});

describe('console hosting', () => {
  test('private bucket behind CloudFront with origin access control, and the build plus config.json deployed to it', () => {
    const [siteId] = ofType('AWS::S3::Bucket').find(([, b]) => b.Properties.LoggingConfiguration)!;
    const site = resources[siteId]!;
    expect(site.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: siteId },
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      }),
    });
    expect(ofType('AWS::CloudFront::OriginAccessControl')).toHaveLength(1);
    const [, cdn] = ofType('AWS::CloudFront::Distribution')[0]!;
    expect(cdn.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const [, deploy] = ofType('Custom::CDKBucketDeployment')[0]!;
    expect(deploy.Properties.DestinationBucketName).toEqual({ Ref: siteId });
    // The built files and config.json (whose values are deploy-time tokens, hence markers).
    expect(deploy.Properties.SourceObjectKeys).toHaveLength(2);
    expect(Object.keys(deploy.Properties.SourceMarkers[1])).not.toHaveLength(0);
  });

  test('outputs name the HTTP API, the WebSocket URL, the console and the dead-letter queue', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['HttpApiUrl', 'WebSocketUrl', 'ConsoleUrl', 'FanoutDlqUrl']));
    expect(JSON.stringify(outputs.WebSocketUrl!.Value)).toContain('wss://');
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no unacknowledged finding (error or warning) and no CDK error annotation', () => {
    // The synthesis above already ran the pack (errors would have thrown); this lists every finding.
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings.filter((f) => f.startsWith('error'))).toEqual([]);
    expect(findings).toEqual([]);
    expect(Annotations.fromStack(stack as Stack).findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('SES bounces and complaints (SPEC §10.3)', () => {
  test('a configuration set whose event destination sends bounces and complaints to a topic the ses-events function is subscribed to', () => {
    const sets = ofType('AWS::SES::ConfigurationSet');
    expect(sets).toHaveLength(1);
    const [setId] = sets[0]!;
    const destinations = ofType('AWS::SES::ConfigurationSetEventDestination');
    expect(destinations).toHaveLength(1);
    const d = destinations[0]![1].Properties;
    expect(d.ConfigurationSetName).toEqual({ Ref: setId });
    expect(d.EventDestination.Enabled).toBe(true);
    expect([...d.EventDestination.MatchingEventTypes].sort()).toEqual(['bounce', 'complaint']);
    const topicRef = d.EventDestination.SnsDestination.TopicARN;
    const topicId = (topicRef as { Ref: string }).Ref;
    expect(resources[topicId]!.Type).toBe('AWS::SNS::Topic');

    // SES may publish to it, for this configuration set only.
    const policies = ofType('AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: topicId }]));
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    const sesPublish = statements.find((s) => s.Principal?.Service === 'ses.amazonaws.com');
    expect(sesPublish.Action).toBe('sns:Publish');
    expect(JSON.stringify(sesPublish.Condition)).toContain('configuration-set/');

    const subs = ofType('AWS::SNS::Subscription').filter(([, s]) => JSON.stringify(s.Properties.TopicArn) === JSON.stringify({ Ref: topicId }));
    expect(subs).toHaveLength(1);
    expect(subs[0]![1].Properties.Protocol).toBe('lambda');
    const fnId = functionFor(BACKGROUND.sesEvents.handler);
    expect(subs[0]![1].Properties.Endpoint).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(fnId));
    expect(permissions.some(([, p]) => p.Properties.Principal === 'sns.amazonaws.com')).toBe(true);
  });

  test('the functions name the configuration set; the reminder may send with it; ses-events only writes the table', () => {
    const [setId] = ofType('AWS::SES::ConfigurationSet')[0]!;
    const reminder = resources[functionFor(BACKGROUND.reminder.handler)]!;
    expect(reminder.Properties.Environment.Variables.SES_CONFIGURATION_SET).toEqual({ Ref: setId });
    const send = statementsOf(BACKGROUND.reminder.handler).find((s) => [s.Action].flat().includes('ses:SendRawEmail'))!;
    expect(JSON.stringify(send.Resource)).toContain('configuration-set/');
    const actions = statementsOf(BACKGROUND.sesEvents.handler).flatMap((s) => [s.Action].flat());
    expect(actions).toContain('dynamodb:UpdateItem');
    // Besides the table: its logs and its X-Ray traces (every function, SPEC §12).
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([]);
  });

  test('AgentInactiveDays: a number, default 30, handed to the functions as AGENT_INACTIVE_DAYS', () => {
    const p = (template.toJSON().Parameters as Record<string, any>).AgentInactiveDays;
    expect(p).toMatchObject({ Type: 'Number', Default: 30, MinValue: 0 });
    const fanout = resources[functionFor(BACKGROUND.fanout.handler)]!;
    expect(fanout.Properties.Environment.Variables.AGENT_INACTIVE_DAYS).toEqual({ Ref: 'AgentInactiveDays' });
  });
});

/** A dashboard body with its tokens spelled out (`REF(id)`, `ATT(id.attr)`), parsed. */
function dashboardBody(body: unknown): any {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts.map((p: any) => (typeof p === 'string' ? p : p.Ref ? `REF(${p.Ref})` : p['Fn::GetAtt'] ? `ATT(${p['Fn::GetAtt'].join('.')})` : 'TOKEN')).join('');
  return JSON.parse(text);
}

describe('dashboard (SPEC §12)', () => {
  test('one dashboard: notifications by channel and outcome, the fan-out delay, every dead-letter queue depth, the fan-out iterator age', () => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const widgets = dashboardBody(dashboards[0]![1].Properties.DashboardBody).widgets as Array<{ properties: { title: string; metrics: unknown[][] } }>;
    const metricsOf = (title: RegExp) => widgets.find((w) => title.test(w.properties.title))!.properties.metrics.map((m) => m.filter((x) => typeof x === 'string'));
    expect(metricsOf(/channel and outcome/)).toEqual(
      NOTIFICATION_SERIES.map(([channel, outcome]) => [METRICS_NAMESPACE, NOTIFICATIONS_METRIC, 'channel', channel, 'outcome', outcome, 'service', SERVICE_NAME]),
    );
    expect(metricsOf(/delay/).every((m) => m[0] === METRICS_NAMESPACE && m[1] === FANOUT_DELAY_METRIC)).toBe(true);
    expect(metricsOf(/iterator age/i)).toEqual([['AWS/Lambda', 'IteratorAge', 'FunctionName', `REF(${functionFor(BACKGROUND.fanout.handler)})`]]);
    // Every dead-letter queue of the stack: the pipeline's two and each work queue's.
    const dlqs = ofType('AWS::SQS::Queue')
      .filter(([id]) => /Dlq/.test(id))
      .map(([id]) => `ATT(${id}.QueueName)`);
    expect(dlqs.length).toBeGreaterThanOrEqual(4);
    expect(
      metricsOf(/dead-letter/i)
        .map((m) => m[3])
        .sort(),
    ).toEqual(dlqs.sort());
    expect(metricsOf(/dead-letter/i).every((m) => m[0] === 'AWS/SQS' && m[1] === 'ApproximateNumberOfMessagesVisible')).toBe(true);
  });
});
