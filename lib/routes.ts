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
 * - `'ses:send'`: SendRawEmail from the EmailFrom address only;
 * - `{ ws }`: @connections calls with these methods on this WebSocket API's stage;
 * - `'sqs:send'`: sqs:SendMessage (SendMessageBatch is authorised as it) on the work queues whose
 *   `producers` list the handler (QUEUES below). The stack adds it to every producer itself.
 */
export type Grant =
  { table: readonly ItemAction[]; keys: readonly string[] } | { query: IndexName } | { sns: readonly SnsAction[] } | 'ses:send' | { ws: readonly ('POST' | 'GET' | 'DELETE')[] } | 'sqs:send';

/**
 * What every agent request does with the profile first (app/agent-access.ts admitAgent): reads it,
 * and now and then moves lastSeenAt (profile and list items), records email_verified, clears a
 * failing email, or restores a removed agent who signed in again (profile Update, lists Put back).
 */
const ADMIT_AGENT: readonly Grant[] = [
  { table: ['GetItem', 'UpdateItem'], keys: [K.agent] },
  { table: ['PutItem', 'UpdateItem'], keys: [K.recipients] },
  // A legacy agent's targets copied once (app/targets-backfill.ts): its CONN#/DEV# items queried.
  { table: ['Query'], keys: [K.agent] },
];

/**
 * ADMIT_AGENT plus what a first request of an agent writes (store/agents.ts ensureAgent): the
 * profile, its recipient lists and the workspace item (WS#{ws}/META, Update). Its Put/Update on
 * AGENT#… also cover what register-device writes (device items live under the agent) and its Put
 * on the lists what put-settings adds there.
 */
const ENSURE_AGENT: readonly Grant[] = [
  { table: ['GetItem', 'PutItem', 'UpdateItem'], keys: [K.agent] },
  { table: ['PutItem', 'UpdateItem'], keys: [K.recipients] },
  { table: ['UpdateItem'], keys: [K.workspace] },
  // A legacy agent's targets copied once (app/targets-backfill.ts): its CONN#/DEV# items queried.
  { table: ['Query'], keys: [K.agent] },
];

/**
 * Who may call a route from a web page (SPEC §10.1). `any-origin`: the chat widget, on any site
 * (with an agent token, these routes still answer the console's origin only); `console`: the agent
 * console's origin only. An entry without `cors` is `console`. lambdas/edge/cors.ts applies it.
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

/**
 * Forgetting a connection (store/connections.ts deleteConnection) also updates its copies on the
 * agent's profile and recipient-list items (store/targets.ts): the profile read for its version.
 */
const TARGET_COPIES: readonly Grant[] = [
  { table: ['GetItem', 'UpdateItem'], keys: [K.agent] },
  { table: ['UpdateItem'], keys: [K.recipients] },
];

/** SPEC §11.7 (handlers/http/unsubscribe.ts): the profile read, the settings saved on it and on its list items. */
const UNSUBSCRIBE: readonly Grant[] = [
  { table: ['GetItem', 'UpdateItem'], keys: [K.agent] },
  { table: ['UpdateItem'], keys: [K.recipients] },
];
/**
 * `conversation.updated` (app/conversation-updates.ts): the conversation read again (its own
 * GetItem on CONV#, granted beside), the workspace's member list queried, one post per connection.
 * The WebSocket routes that send it have @connections POST already and add only the Query.
 */
const CONVERSATION_UPDATED: readonly Grant[] = [{ table: ['Query'], keys: [K.recipients] }, { ws: ['POST'] }];

export const HTTP_ROUTES: readonly HttpRoute[] = [
  // Anonymous: reads the workspace item (exists, allowed origins), counts the rate limits, writes the
  // conversation. Nothing on AGENT#.
  {
    method: 'POST',
    path: '/v1/workspaces/{workspaceId}/conversations',
    handler: 'http/create-conversation',
    grants: [
      { table: ['GetItem'], keys: [K.workspace] },
      { table: ['UpdateItem'], keys: [K.rate] },
      { table: ['PutItem'], keys: [K.conversation] },
    ],
    cors: 'any-origin',
  },
  {
    method: 'POST',
    path: '/v1/conversations/{id}/messages',
    handler: 'http/post-message',
    grants: [
      ...ADMIT_AGENT,
      { table: ['GetItem', 'PutItem', 'UpdateItem'], keys: [K.conversation] },
      { table: ['GetItem'], keys: [K.workspace] },
      { table: ['UpdateItem'], keys: [K.rate] },
      ...CONVERSATION_UPDATED,
    ],
    cors: 'any-origin',
  },
  { method: 'GET', path: '/v1/conversations', handler: 'http/list-conversations', grants: [...ADMIT_AGENT, { query: 'gsi1' }, { query: 'gsi2' }, { table: ['BatchGetItem'], keys: [K.conversation] }] },
  // The conversation item and the caller's position (both under CONV#): the console's link case.
  { method: 'GET', path: '/v1/conversations/{id}', handler: 'http/get-conversation', grants: [...ADMIT_AGENT, { table: ['GetItem'], keys: [K.conversation] }] },
  {
    method: 'GET',
    path: '/v1/conversations/{id}/messages',
    handler: 'http/list-messages',
    grants: [...ADMIT_AGENT, { table: ['GetItem', 'Query'], keys: [K.conversation] }, { table: ['GetItem'], keys: [K.workspace] }],
    cors: 'any-origin',
  },
  // SPEC §11.3: the read clears the agent's UNREAD item (AGENT#, UpdateItem), tells their tabs (@connections POST) and the devices alerted for it (Publish).
  // SPEC §7: and the workspace's consoles (conversation.updated).
  {
    method: 'POST',
    path: '/v1/conversations/{id}/read',
    handler: 'http/mark-read',
    // The clear's delivery-log entry (SPEC §12): BatchWriteItem on LOG#.
    grants: [...ADMIT_AGENT, { table: ['GetItem', 'UpdateItem'], keys: [K.conversation] }, ...CONVERSATION_UPDATED, { sns: ['Publish'] }, { table: ['BatchWriteItem'], keys: [K.log] }],
  },
  { method: 'PUT', path: '/v1/conversations/{id}/assignee', handler: 'http/assign', grants: [...ADMIT_AGENT, { table: ['GetItem', 'UpdateItem'], keys: [K.conversation] }, ...CONVERSATION_UPDATED] },
  { method: 'GET', path: '/v1/me', handler: 'http/get-me', grants: [...ENSURE_AGENT] },
  { method: 'PUT', path: '/v1/me/notification-settings', handler: 'http/put-settings', grants: [...ENSURE_AGENT, { table: ['DeleteItem'], keys: [K.recipients] }] },
  // SPEC §11.4: on the profile and its recipient-list copies (store/attention.ts, one transaction).
  { method: 'PUT', path: '/v1/me/do-not-disturb', handler: 'http/put-do-not-disturb', grants: [...ENSURE_AGENT] },
  // The device cap lists the agent's devices (Query) and evicts the oldest; a token held by another
  // agent moves (their device item goes, the token's owner item is replaced).
  {
    method: 'POST',
    path: '/v1/me/devices',
    handler: 'http/register-device',
    grants: [
      ...ENSURE_AGENT,
      { table: ['Query', 'DeleteItem'], keys: [K.agent] },
      { table: ['GetItem', 'PutItem', 'DeleteItem'], keys: [K.token] },
      { sns: ['CreatePlatformEndpoint', 'GetEndpointAttributes', 'SetEndpointAttributes', 'DeleteEndpoint'] },
    ],
  },
  {
    method: 'DELETE',
    path: '/v1/me/devices/{deviceId}',
    handler: 'http/delete-device',
    grants: [...ADMIT_AGENT, { table: ['DeleteItem'], keys: [K.agent] }, { table: ['GetItem', 'DeleteItem'], keys: [K.token] }, { sns: ['DeleteEndpoint'] }],
  },
  // store/devices.ts listDevices: one Query of the agent's DEV# items (ADMIT_AGENT's Query on AGENT# covers it).
  { method: 'GET', path: '/v1/me/devices', handler: 'http/list-devices', grants: [...ADMIT_AGENT] },
  // store/members.ts: one Query of WS#{ws}#RCPT#MEMBERS.
  { method: 'GET', path: '/v1/agents', handler: 'http/list-agents', grants: [...ADMIT_AGENT, { table: ['Query'], keys: [K.recipients] }] },
  { method: 'GET', path: '/v1/workspace/widget', handler: 'http/get-widget', grants: [...ENSURE_AGENT, { table: ['GetItem'], keys: [K.workspace] }] },
  { method: 'PUT', path: '/v1/workspace/widget', handler: 'http/put-widget', grants: [...ADMIT_AGENT, { table: ['UpdateItem'], keys: [K.workspace] }] },
  // app/agent-removal.ts: the profile marked and the lists left, the `due` index's entries of the agent
  // (Query on its `{ws}#{agent}#` prefix) dropped on the conversations, devices (items, token owners,
  // endpoints) and connections (@connections DELETE, both items) removed.
  {
    method: 'DELETE',
    path: '/v1/workspace/agents/{agentId}',
    handler: 'http/remove-agent',
    grants: [
      ...ADMIT_AGENT,
      { table: ['Query'], keys: [K.agent] },
      { table: ['DeleteItem'], keys: [K.agent, K.recipients, K.connection, K.token] },
      { table: ['GetItem'], keys: [K.token] },
      { query: 'due' },
      { table: ['UpdateItem'], keys: [K.conversation] },
      { sns: ['DeleteEndpoint'] },
      { ws: ['DELETE'] },
    ],
  },
  // SPEC §11.7: the reminder email's one-click unsubscribe, no sign-in (a signed token): GET a page
  // with a confirm button, POST (RFC 8058) turns both email toggles off (profile and list copies).
  // One function serves both rows (the stack builds one per handler): both name its grants.
  { method: 'GET', path: '/v1/unsubscribe', handler: 'http/unsubscribe', grants: [...UNSUBSCRIBE] },
  { method: 'POST', path: '/v1/unsubscribe', handler: 'http/unsubscribe', grants: [...UNSUBSCRIBE] },
  // SPEC §12: the caller's delivery log (one Query on their own LOG# partition).
  { method: 'GET', path: '/v1/me/notifications', handler: 'http/list-notifications', grants: [...ADMIT_AGENT, { table: ['Query'], keys: [K.log] }] },
  // SPEC §12 test notification: the 30 s cooldown (RATE#), the profile's targets, a frame per connection
  // (a 410 forgets it), a push per device (a disabled endpoint marks it), the email, the log entry.
  {
    method: 'POST',
    path: '/v1/me/notifications/test',
    handler: 'http/test-notification',
    grants: [
      ...ADMIT_AGENT,
      { table: ['UpdateItem'], keys: [K.rate] },
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      ...TARGET_COPIES,
      { table: ['BatchWriteItem'], keys: [K.log] },
      { ws: ['POST'] },
      { sns: ['Publish'] },
      'ses:send',
    ],
  },
  // CORS preflights for every route above (no CORS on the API itself: it would answer them all alike).
  { method: 'OPTIONS', path: '/{proxy+}', handler: 'http/preflight', grants: [] },
];

/** The `$connect` authorizer: its identity source is the `token` query parameter. */
export const WS_AUTHORIZER = { handler: 'ws/authorizer', identitySource: 'route.request.querystring.token', grants: [] as Grant[] };

export const WS_ROUTE_SELECTION = '$request.body.action';

export const WS_ROUTES: readonly WsRoute[] = [
  // The connection's two items; past the cap (SPEC §10.3) the oldest are listed, told and closed.
  {
    routeKey: '$connect',
    handler: 'ws/connect',
    grants: [
      ...ENSURE_AGENT,
      { table: ['PutItem'], keys: [K.connection] },
      { table: ['Query'], keys: [K.agent] },
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      { ws: ['POST', 'DELETE'] },
    ],
    returnsResponse: false,
  },
  {
    routeKey: '$disconnect',
    handler: 'ws/disconnect',
    grants: [{ table: ['GetItem', 'DeleteItem'], keys: [K.connection] }, { table: ['DeleteItem'], keys: [K.agent] }, ...TARGET_COPIES],
    returnsResponse: false,
  },
  { routeKey: 'ping', handler: 'ws/ping', grants: [{ table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['POST', 'DELETE'] }, ...TARGET_COPIES], returnsResponse: true },
  // SPEC §11.3 as for HTTP: the UNREAD item and the profile's copies are under AGENT# (TARGET_COPIES' GetItem/UpdateItem).
  {
    routeKey: 'markRead',
    handler: 'ws/mark-read',
    grants: [
      { table: ['Query'], keys: [K.recipients] },
      { table: ['GetItem', 'UpdateItem'], keys: [K.conversation] },
      { table: ['BatchWriteItem'], keys: [K.log] },
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      { ws: ['POST', 'DELETE'] },
      ...TARGET_COPIES,
      { sns: ['Publish'] },
    ],
    returnsResponse: true,
  },
  {
    routeKey: 'sendMessage',
    handler: 'ws/send-message',
    grants: [
      { table: ['Query'], keys: [K.recipients] },
      { table: ['GetItem', 'PutItem', 'UpdateItem'], keys: [K.conversation] },
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      { ws: ['POST', 'DELETE'] },
      ...TARGET_COPIES,
    ],
    returnsResponse: true,
  },
  // SPEC §11.6: the agent's last `active` on the profile and its recipient-list copies (skipped when fresh).
  { routeKey: 'active', handler: 'ws/active', grants: [{ table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['POST', 'DELETE'] }, ...TARGET_COPIES], returnsResponse: true },
  { routeKey: '$default', handler: 'ws/default', grants: [], returnsResponse: true },
];

/**
 * SPEC §11.4's catch-up, run by the reminder (app/catch-up.ts): the agent's profile and UNREAD item
 * read (GetItem), the CATCHUP entry taken (DeleteItem) or moved (UpdateItem, granted above), the push.
 */
const CATCH_UP: readonly Grant[] = [{ table: ['GetItem', 'DeleteItem'], keys: [K.agent] }, { sns: ['Publish'] }];

/**
 * What the reminder does to an agent (the dispatcher working inline, or a worker on one partition):
 * the `due` index read, the agent claimed (UpdateItem), the conversations read and their positions
 * written, the email, the catch-up push and the digest's delivery-log entry. One list for both.
 */
const REMINDER_WORK: readonly Grant[] = [
  { query: 'due' },
  { table: ['UpdateItem'], keys: [K.agent] },
  { table: ['GetItem', 'Query', 'UpdateItem'], keys: [K.conversation] },
  'ses:send',
  ...CATCH_UP,
  { table: ['BatchWriteItem'], keys: [K.log] },
];

/** Functions not behind a route: the stream fan-out and the 5-minute reminder. */
export const BACKGROUND = {
  fanout: {
    handler: 'fanout',
    grants: [
      { table: ['GetItem', 'UpdateItem'], keys: [K.conversation] },
      // The assignee's profile (with its targets); a 410 or a disabled endpoint updates the copies.
      { table: ['GetItem', 'UpdateItem'], keys: [K.agent] },
      // A legacy recipient (app/targets-backfill.ts): its CONN#/DEV# items queried, then copied (UpdateItem).
      { table: ['Query'], keys: [K.agent] },
      { table: ['Query', 'UpdateItem'], keys: [K.recipients] },
      // The guard (store/notifications.ts): one Query, one UpdateItem per channel.
      { table: ['Query', 'UpdateItem'], keys: [K.notification] },
      // The delivery log (store/delivery-log.ts): entries in batches of 25.
      { table: ['BatchWriteItem'], keys: [K.log] },
      // A 410 from @connections: the connection's two items go (store/connections.ts deleteConnection).
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      { sns: ['Publish'] },
      { ws: ['POST'] },
    ] as Grant[],
  },
  reminder: {
    handler: 'reminder',
    // The cross-tenant `due` index: the reminder, the agent removal and the expiry sweep only.
    // The agent's profile comes back from the claim's UpdateItem (ALL_NEW): no GetItem on it.
    grants: [...REMINDER_WORK],
  },
  /**
   * The reminder's workers (QUEUES `reminder-work`): one partition of the `due` index each, the
   * same reads and writes as the reminder, and the continuation of a partition they stop early.
   */
  reminderWorker: {
    handler: 'reminder-worker',
    // The agent's profile comes back from the claim's UpdateItem (ALL_NEW): no GetItem on it.
    grants: [...REMINDER_WORK],
  },
  /**
   * Every minute: closes connections whose token expired (SPEC §10.4). Their expiry minutes are
   * partitions (CONNEXP#…) of the `due` index, so it queries that index too.
   */
  connectionExpiry: { handler: 'connection-expiry', grants: [{ query: 'due' }, { table: ['DeleteItem'], keys: [K.agent, K.connection] }, { ws: ['DELETE'] }, ...TARGET_COPIES] as Grant[] },
  /** SES bounces and complaints (configuration set → SNS topic) mark the agent's email failing. */
  sesEvents: { handler: 'ses-events', grants: [{ table: ['UpdateItem'], keys: [K.agent] }] as Grant[] },
};

/**
 * A work queue: an SQS queue with a dead-letter queue, drained by `consumer` through an event
 * source mapping with ReportBatchItemFailures (lib/constructs/work-queue.ts; offline:
 * local/sqs-server.ts and local/sqs-poller.ts read this same list).
 * - `id`: the queue's name offline (`{id}-dlq` its DLQ) and its construct id in the stack;
 * - `urlEnv`: the environment variable every function gets the queue URL in;
 * - `consumer`: a handler under lambdas/handlers/ taking an SQSEvent, answering an SQSBatchResponse;
 *   its grants are `consumerGrants` (or those of its BACKGROUND entry);
 * - `producers`: the handlers that send to it (lambdas/platform/queue.ts sendBatch): they get `'sqs:send'`;
 * - `batchSize`: at most this many messages per invocation (1–10 without a batching window);
 * - `visibilityTimeoutS`: at least 6 × `consumerTimeoutS`, as AWS recommends for Lambda consumers
 *   (the stack refuses less); a failed message is retried after it;
 * - `maxReceiveCount`: receives before a message goes to the DLQ;
 * - `consumerTimeoutS`: the consumer function's timeout;
 * - `consumerConcurrency`: the mapping's maximum concurrency (2–1000 on AWS); unset: Lambda scales.
 */
export interface WorkQueue {
  id: string;
  urlEnv: string;
  consumer: string;
  producers: string[];
  batchSize: number;
  visibilityTimeoutS: number;
  maxReceiveCount: number;
  consumerTimeoutS: number;
  consumerConcurrency?: number;
  consumerGrants?: Grant[];
}

export const QUEUES: readonly WorkQueue[] = [
  // Issue 12 item 3: a message with more than FANOUT_THRESHOLD sends is handed from the stream to
  // workers (lambdas/app/fanout.ts); each item is one agent bucket's sends, at most 100.
  {
    id: 'fanout-work',
    urlEnv: 'FANOUT_WORK_QUEUE_URL',
    consumer: 'fanout-worker',
    producers: ['fanout'],
    batchSize: 5,
    visibilityTimeoutS: 180,
    maxReceiveCount: 5,
    consumerTimeoutS: 30,
    // The same calls as the stream fan-out: guard, targets' copies on a 410 or a disabled endpoint, sends.
    consumerGrants: [
      { table: ['UpdateItem'], keys: [K.conversation] },
      { table: ['GetItem', 'UpdateItem'], keys: [K.agent] },
      { table: ['UpdateItem'], keys: [K.recipients] },
      { table: ['Query', 'UpdateItem'], keys: [K.notification] },
      { table: ['BatchWriteItem'], keys: [K.log] },
      { table: ['DeleteItem'], keys: [K.agent, K.connection] },
      { sns: ['Publish'] },
      { ws: ['POST'] },
    ],
  },
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

/** The grants of a queue's consumer: its own list, or those of the BACKGROUND entry with that handler. */
export function consumerGrantsOf(q: WorkQueue): Grant[] {
  if (q.consumerGrants) return q.consumerGrants;
  return Object.values(BACKGROUND as Record<string, { handler: string; grants: Grant[] }>).find((b) => b.handler === q.consumer)?.grants ?? [];
}

/** `grants` plus `'sqs:send'` when `handler` produces to any of `queues`. */
export function withQueueGrants(handler: string, grants: readonly Grant[], queues: readonly WorkQueue[] = QUEUES): Grant[] {
  const produces = queues.some((q) => q.producers.includes(handler));
  return produces && !grants.includes('sqs:send') ? [...grants, 'sqs:send'] : [...grants];
}

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
    ...QUEUES.map((q) => q.consumer),
  ]),
];
