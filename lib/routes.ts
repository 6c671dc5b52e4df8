/**
 * THE route table. The CDK stack builds API Gateway routes, functions and grants from it; the
 * offline stack's local gateway routes requests from it. Nothing else lists routes.
 *
 * `handler` is a file under lambdas/handlers/ (without extension) exporting `handler`.
 * `grants` are the only permissions its function gets (lib/constructs/grants.ts turns them into
 * IAM statements), and they are proved: test/e2e/least-privilege.test.ts records every AWS call
 * each handler makes and fails when a call is not granted or a grant is not used, naming the entry
 * to add or remove here.
 */
import type { IndexName } from '../lambdas/store/table.js';
import { LEADING_KEYS as K } from '../lambdas/store/keys.js';
import { REMINDER_MAX_WORKERS, REMINDER_WORKER_TIMEOUT_S } from '../lambdas/app/reminder-limits.js';

/** DynamoDB item actions (a transaction's Put/Update/Delete are authorised as PutItem/UpdateItem/DeleteItem). */
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem' | 'ConditionCheckItem';
export type SnsAction = 'CreatePlatformEndpoint' | 'GetEndpointAttributes' | 'SetEndpointAttributes' | 'DeleteEndpoint' | 'Publish';

/**
 * One grant:
 * - `{ table, keys }`: these item actions on the table, only on items whose partition key matches
 *   one of `keys` (LEADING_KEYS in lambdas/store/keys.ts; a dynamodb:LeadingKeys condition);
 * - `{ query }`: Query on that one index;
 * - `{ sns }`: these SNS actions, on the configured platform applications (CreatePlatformEndpoint)
 *   or their endpoints (the others);
 * - `'ses:send'`: SendEmail from the EmailFrom address only;
 * - `{ ws }`: @connections calls with these methods on this WebSocket API's stage.
 */
export type Grant =
  | { table: readonly ItemAction[]; keys: readonly string[] }
  | { query: IndexName }
  | { sns: readonly SnsAction[] }
  | 'ses:send'
  | { ws: readonly ('POST' | 'GET' | 'DELETE')[] }
  | CoarseGrant;

/**
 * The grant names before issue 11, still accepted so older entries synthesize. They grant broadly
 * (every read or write action, every index): the least-privilege test reports each one as unused
 * and prints the fine grants the handler's recorded calls need instead.
 * @deprecated write fine grants.
 */
export type CoarseGrant = 'table:read' | 'table:write' | 'sns:endpoints' | 'sns:publish' | 'ws:manage';

/**
 * What a first request of an agent writes (store/agents.ts ensureAgent): the profile and its
 * recipient lists. Its Put/Update on AGENT#… also cover what register-device writes (device items
 * live under the agent) and its Put on the lists what put-settings adds there.
 */
const ENSURE_AGENT: readonly Grant[] = [
  { table: ['GetItem', 'PutItem', 'UpdateItem'], keys: [K.agent] },
  { table: ['PutItem'], keys: [K.recipients] },
];

/**
 * Who may call a route from a web page (SPEC §10.1). `any-origin`: the chat widget, on any site
 * (with an agent token, these routes still answer the console's origin only); `console`: the agent
 * console's origin only. An entry without `cors` is `console`. lambdas/platform/cors.ts applies it.
 */
export type CorsPolicy = 'any-origin' | 'console';

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';
  path: string;
  handler: string;
  grants: Grant[];
  cors?: CorsPolicy;
}

export interface WsRoute {
  routeKey: string;
  handler: string;
  grants: Grant[];
  /** Whether the handler's return value is sent back on the socket (a two-way route). */
  returnsResponse: boolean;
}

export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'POST', path: '/v1/workspaces/{workspaceId}/conversations', handler: 'http/create-conversation', grants: [{ table: ['PutItem'], keys: [K.conversation] }], cors: 'any-origin' },
  { method: 'POST', path: '/v1/conversations/{id}/messages', handler: 'http/post-message', grants: [{ table: ['GetItem', 'PutItem', 'UpdateItem'], keys: [K.conversation] }], cors: 'any-origin' },
  { method: 'GET', path: '/v1/conversations', handler: 'http/list-conversations', grants: [{ query: 'gsi1' }, { query: 'gsi2' }, { table: ['BatchGetItem'], keys: [K.conversation] }] },
  { method: 'GET', path: '/v1/conversations/{id}/messages', handler: 'http/list-messages', grants: [{ table: ['GetItem', 'Query'], keys: [K.conversation] }], cors: 'any-origin' },
  { method: 'POST', path: '/v1/conversations/{id}/read', handler: 'http/mark-read', grants: [{ table: ['GetItem', 'UpdateItem'], keys: [K.conversation] }] },
  { method: 'PUT', path: '/v1/conversations/{id}/assignee', handler: 'http/assign', grants: [{ table: ['GetItem'], keys: [K.agent] }, { table: ['GetItem', 'UpdateItem'], keys: [K.conversation] }] },
  { method: 'GET', path: '/v1/me', handler: 'http/get-me', grants: [...ENSURE_AGENT] },
  { method: 'PUT', path: '/v1/me/notification-settings', handler: 'http/put-settings', grants: [...ENSURE_AGENT, { table: ['DeleteItem'], keys: [K.recipients] }] },
  { method: 'POST', path: '/v1/me/devices', handler: 'http/register-device', grants: [...ENSURE_AGENT, { sns: ['CreatePlatformEndpoint', 'GetEndpointAttributes', 'SetEndpointAttributes'] }] },
  { method: 'DELETE', path: '/v1/me/devices/{deviceId}', handler: 'http/delete-device', grants: [{ table: ['GetItem', 'DeleteItem'], keys: [K.agent] }, { sns: ['DeleteEndpoint'] }] },
  { method: 'GET', path: '/v1/workspace/widget', handler: 'http/get-widget', grants: ['table:read', 'table:write'] },
  { method: 'PUT', path: '/v1/workspace/widget', handler: 'http/put-widget', grants: ['table:read', 'table:write'] },
  { method: 'DELETE', path: '/v1/workspace/agents/{agentId}', handler: 'http/remove-agent', grants: ['table:read', 'table:write', 'sns:endpoints', 'ws:manage', { ws: ['DELETE'] }] },
  // CORS preflights for every route above (no CORS on the API itself: it would answer them all alike).
  { method: 'OPTIONS', path: '/{proxy+}', handler: 'http/preflight', grants: [] },
];

/** The `$connect` authorizer: its identity source is the `token` query parameter. */
export const WS_AUTHORIZER = { handler: 'ws/authorizer', identitySource: 'route.request.querystring.token', grants: [] as Grant[] };

export const WS_ROUTE_SELECTION = '$request.body.action';

export const WS_ROUTES: readonly WsRoute[] = [
  { routeKey: '$connect', handler: 'ws/connect', grants: [...ENSURE_AGENT, { table: ['PutItem', 'GetItem', 'Query'], keys: [K.connection, K.agent] }, { table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['POST', 'DELETE'] }], returnsResponse: false },
  { routeKey: '$disconnect', handler: 'ws/disconnect', grants: [{ table: ['GetItem', 'DeleteItem'], keys: [K.connection] }, { table: ['DeleteItem'], keys: [K.agent] }], returnsResponse: false },
  { routeKey: 'ping', handler: 'ws/ping', grants: [{ table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['POST', 'DELETE'] }], returnsResponse: true },
  { routeKey: 'markRead', handler: 'ws/mark-read', grants: [{ table: ['GetItem', 'UpdateItem'], keys: [K.conversation] }, { table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['POST', 'DELETE'] }], returnsResponse: true },
  { routeKey: 'sendMessage', handler: 'ws/send-message', grants: [{ table: ['GetItem', 'PutItem', 'UpdateItem'], keys: [K.conversation] }, { table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['POST', 'DELETE'] }], returnsResponse: true },
  { routeKey: '$default', handler: 'ws/default', grants: [], returnsResponse: true },
];

/** Functions not behind a route: the stream fan-out and the 5-minute reminder. */
export const BACKGROUND = {
  fanout: {
    handler: 'fanout',
    grants: [
      { table: ['GetItem', 'UpdateItem'], keys: [K.conversation] },
      { table: ['GetItem', 'Query', 'UpdateItem'], keys: [K.agent] },
      { table: ['Query'], keys: [K.recipients] },
      { table: ['UpdateItem', 'DeleteItem'], keys: [K.notification] },
      // A 410 from @connections: the connection's two items go (store/connections.ts deleteConnection).
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      { sns: ['Publish'] },
      { ws: ['POST'] },
    ] as Grant[],
  },
  reminder: {
    handler: 'reminder',
    // The only function that may read the cross-tenant `due` index.
    grants: [{ query: 'due' }, { table: ['GetItem', 'UpdateItem'], keys: [K.agent] }, { table: ['GetItem', 'Query', 'UpdateItem'], keys: [K.conversation] }, 'ses:send'] as Grant[],
  },
  /**
   * The reminder's workers (QUEUES `reminder-work`): one partition of the `due` index each, the
   * same reads and writes as the reminder, and the continuation of a partition they stop early.
   */
  reminderWorker: {
    handler: 'reminder-worker',
    grants: [{ query: 'due' }, { table: ['GetItem', 'UpdateItem'], keys: [K.agent] }, { table: ['GetItem', 'Query', 'UpdateItem'], keys: [K.conversation] }, 'ses:send'] as Grant[],
  },
  /** Every minute: closes connections whose token expired (SPEC §10.4). */
  connectionExpiry: { handler: 'connection-expiry', grants: ['table:read', 'table:write', { ws: ['DELETE'] }] as Grant[] },
  /** SES bounces and complaints (configuration set → SNS topic) mark the agent's email failing. */
  sesEvents: { handler: 'ses-events', grants: ['table:write'] as Grant[] },
};

/** Every handler named above, once each. */
export const ALL_HANDLERS: readonly string[] = [
  ...new Set([
    ...HTTP_ROUTES.map((r) => r.handler),
    ...WS_ROUTES.map((r) => r.handler),
    WS_AUTHORIZER.handler,
    BACKGROUND.fanout.handler,
    BACKGROUND.reminder.handler,
    BACKGROUND.reminderWorker.handler,
    BACKGROUND.connectionExpiry.handler,
    BACKGROUND.sesEvents.handler,
  ]),
];

/** A work queue (SQS + DLQ) and its consumer; lib/stack.ts and the offline stack build them from QUEUES. */
export interface WorkQueue {
  id: string;
  urlEnv: string;
  /** A handler under lambdas/handlers that receives the queue's batches. */
  consumer: string;
  /** Handlers that send to it. */
  producers: string[];
  batchSize: number;
  visibilityTimeoutS: number;
  maxReceiveCount: number;
  consumerTimeoutS: number;
  consumerConcurrency?: number;
}

export const QUEUES: readonly WorkQueue[] = [
  {
    // The 5-minute reminder's shards (SPEC §4): the rule's function sends one item per partition of
    // the `due` index; a worker that stops early queues the rest of its partition.
    id: 'reminder-work',
    urlEnv: 'REMINDER_WORK_QUEUE_URL',
    consumer: 'reminder-worker',
    producers: ['reminder', 'reminder-worker'],
    // One partition per invocation: each worker's time bound covers one shard.
    batchSize: 1,
    // At least six times the consumer's timeout (AWS: "Using Lambda with Amazon SQS",
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
    visibilityTimeoutS: 6 * REMINDER_WORKER_TIMEOUT_S,
    maxReceiveCount: 5,
    consumerTimeoutS: REMINDER_WORKER_TIMEOUT_S,
    // SES's send rate is split over this many workers (lambdas/app/reminder-limits.ts); the event
    // source mapping's maximum concurrency (minimum 2) keeps more from running.
    consumerConcurrency: REMINDER_MAX_WORKERS,
  },
];
