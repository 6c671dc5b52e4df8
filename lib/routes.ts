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
  | 'ws:manage'; // execute-api:ManageConnections on the WebSocket API

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: string;
  grants: Grant[];
}

export interface WsRoute {
  routeKey: string;
  handler: string;
  grants: Grant[];
  /** Whether the handler's return value is sent back on the socket (a two-way route). */
  returnsResponse: boolean;
}

export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'POST', path: '/v1/workspaces/{workspaceId}/conversations', handler: 'http/create-conversation', grants: ['table:write'] },
  { method: 'POST', path: '/v1/conversations/{id}/messages', handler: 'http/post-message', grants: ['table:read', 'table:write'] },
  // table:write for the agent marks every agent request may refresh (lastSeenAt about daily, email_verified; SPEC §10.3–10.4).
  { method: 'GET', path: '/v1/conversations', handler: 'http/list-conversations', grants: ['table:read', 'table:write'] },
  { method: 'GET', path: '/v1/conversations/{id}/messages', handler: 'http/list-messages', grants: ['table:read', 'table:write'] },
  { method: 'POST', path: '/v1/conversations/{id}/read', handler: 'http/mark-read', grants: ['table:read', 'table:write'] },
  { method: 'PUT', path: '/v1/conversations/{id}/assignee', handler: 'http/assign', grants: ['table:read', 'table:write'] },
  { method: 'GET', path: '/v1/me', handler: 'http/get-me', grants: ['table:read', 'table:write'] },
  { method: 'PUT', path: '/v1/me/notification-settings', handler: 'http/put-settings', grants: ['table:read', 'table:write'] },
  { method: 'POST', path: '/v1/me/devices', handler: 'http/register-device', grants: ['table:read', 'table:write', 'sns:endpoints'] },
  { method: 'DELETE', path: '/v1/me/devices/{deviceId}', handler: 'http/delete-device', grants: ['table:read', 'table:write', 'sns:endpoints'] },
  { method: 'DELETE', path: '/v1/workspace/agents/{agentId}', handler: 'http/remove-agent', grants: ['table:read', 'table:write', 'sns:endpoints', 'ws:manage'] },
];

/** The `$connect` authorizer: its identity source is the `token` query parameter. */
export const WS_AUTHORIZER = { handler: 'ws/authorizer', identitySource: 'route.request.querystring.token', grants: [] as Grant[] };

export const WS_ROUTE_SELECTION = '$request.body.action';

export const WS_ROUTES: readonly WsRoute[] = [
  { routeKey: '$connect', handler: 'ws/connect', grants: ['table:read', 'table:write'], returnsResponse: false },
  { routeKey: '$disconnect', handler: 'ws/disconnect', grants: ['table:read', 'table:write'], returnsResponse: false },
  { routeKey: 'ping', handler: 'ws/ping', grants: [], returnsResponse: true },
  { routeKey: 'markRead', handler: 'ws/mark-read', grants: ['table:read', 'table:write'], returnsResponse: true },
  { routeKey: 'sendMessage', handler: 'ws/send-message', grants: ['table:read', 'table:write'], returnsResponse: true },
  { routeKey: '$default', handler: 'ws/default', grants: [], returnsResponse: true },
];

/** Functions not behind a route: the stream fan-out and the 5-minute reminder. */
export const BACKGROUND = {
  fanout: { handler: 'fanout', grants: ['table:read', 'table:write', 'sns:publish', 'ws:manage'] as Grant[] },
  reminder: { handler: 'reminder', grants: ['table:read', 'table:write', 'ses:send'] as Grant[] },
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
    BACKGROUND.sesEvents.handler,
  ]),
];
