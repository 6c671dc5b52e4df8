/**
 * THE route table. The CDK stack builds API Gateway routes, functions and grants from it; the
 * offline stack's local gateway routes requests from it. Nothing else lists routes.
 *
 * `handler` is a file under lambdas/handlers/ (without extension) exporting `handler`.
 * `grants` are the only permissions its function gets.
 */
export type Grant =
  | 'table:read'
  | 'table:write'
  | 'sns:endpoints' // CreatePlatformEndpoint / Get|SetEndpointAttributes / DeleteEndpoint
  | 'sns:publish'
  | 'ses:send'
  | 'ws:manage' // execute-api:ManageConnections on the WebSocket API
  | 'ws:close'; // execute-api:ManageConnections for DELETE @connections (DeleteConnection)

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
  { method: 'POST', path: '/v1/workspaces/{workspaceId}/conversations', handler: 'http/create-conversation', grants: ['table:read', 'table:write'], cors: 'any-origin' },
  { method: 'POST', path: '/v1/conversations/{id}/messages', handler: 'http/post-message', grants: ['table:read', 'table:write'], cors: 'any-origin' },
  // table:write for the agent marks every agent request may refresh (lastSeenAt about daily, email_verified; SPEC §10.3–10.4).
  { method: 'GET', path: '/v1/conversations', handler: 'http/list-conversations', grants: ['table:read', 'table:write'] },
  { method: 'GET', path: '/v1/conversations/{id}/messages', handler: 'http/list-messages', grants: ['table:read', 'table:write'], cors: 'any-origin' },
  { method: 'POST', path: '/v1/conversations/{id}/read', handler: 'http/mark-read', grants: ['table:read', 'table:write'] },
  { method: 'PUT', path: '/v1/conversations/{id}/assignee', handler: 'http/assign', grants: ['table:read', 'table:write'] },
  { method: 'GET', path: '/v1/me', handler: 'http/get-me', grants: ['table:read', 'table:write'] },
  { method: 'PUT', path: '/v1/me/notification-settings', handler: 'http/put-settings', grants: ['table:read', 'table:write'] },
  { method: 'POST', path: '/v1/me/devices', handler: 'http/register-device', grants: ['table:read', 'table:write', 'sns:endpoints'] },
  { method: 'DELETE', path: '/v1/me/devices/{deviceId}', handler: 'http/delete-device', grants: ['table:read', 'table:write', 'sns:endpoints'] },
  { method: 'GET', path: '/v1/workspace/widget', handler: 'http/get-widget', grants: ['table:read', 'table:write'] },
  { method: 'PUT', path: '/v1/workspace/widget', handler: 'http/put-widget', grants: ['table:read', 'table:write'] },
  { method: 'DELETE', path: '/v1/workspace/agents/{agentId}', handler: 'http/remove-agent', grants: ['table:read', 'table:write', 'sns:endpoints', 'ws:manage', 'ws:close'] },
  // CORS preflights for every route above (no CORS on the API itself: it would answer them all alike).
  { method: 'OPTIONS', path: '/{proxy+}', handler: 'http/preflight', grants: [] },
];

/** The `$connect` authorizer: its identity source is the `token` query parameter. */
export const WS_AUTHORIZER = { handler: 'ws/authorizer', identitySource: 'route.request.querystring.token', grants: [] as Grant[] };

export const WS_ROUTE_SELECTION = '$request.body.action';

export const WS_ROUTES: readonly WsRoute[] = [
  { routeKey: '$connect', handler: 'ws/connect', grants: ['table:read', 'table:write', 'ws:manage', 'ws:close'], returnsResponse: false },
  { routeKey: '$disconnect', handler: 'ws/disconnect', grants: ['table:read', 'table:write'], returnsResponse: false },
  { routeKey: 'ping', handler: 'ws/ping', grants: ['table:write', 'ws:manage', 'ws:close'], returnsResponse: true },
  { routeKey: 'markRead', handler: 'ws/mark-read', grants: ['table:read', 'table:write', 'ws:manage', 'ws:close'], returnsResponse: true },
  { routeKey: 'sendMessage', handler: 'ws/send-message', grants: ['table:read', 'table:write', 'ws:manage', 'ws:close'], returnsResponse: true },
  { routeKey: '$default', handler: 'ws/default', grants: [], returnsResponse: true },
];

/** Functions not behind a route: the stream fan-out and the 5-minute reminder. */
export const BACKGROUND = {
  fanout: { handler: 'fanout', grants: ['table:read', 'table:write', 'sns:publish', 'ws:manage'] as Grant[] },
  reminder: { handler: 'reminder', grants: ['table:read', 'table:write', 'ses:send'] as Grant[] },
  /** Every minute: closes connections whose token expired (SPEC §10.4). */
  connectionExpiry: { handler: 'connection-expiry', grants: ['table:read', 'table:write', 'ws:close'] as Grant[] },
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
    BACKGROUND.connectionExpiry.handler,
    BACKGROUND.sesEvents.handler,
  ]),
];
