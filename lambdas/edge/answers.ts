/**
 * What the API answers, as zod schemas: the HTTP answers of each route (keyed `METHOD path`, as in
 * lib/routes.ts) and the WebSocket frames the server sends. Nothing at run time validates answers
 * with them (handlers build them from typed values); they are the contract's answer half:
 * docs/generate.ts writes them into docs/openapi.json and docs/asyncapi.json, and the tests hold
 * the code to them (test/unit/api-docs.test.ts checks the builders' output and the TypeScript
 * types; the contract test checks every answer the end-to-end suites receive).
 *
 * Requests are not here: their schemas are the ones the handlers validate with (`httpHandler`
 * and `wsHandler` carry them; lambdas/edge/schemas.ts).
 *
 * Routes the SPEC names that a branch may not have yet (devices list, agents, do-not-disturb, the
 * delivery log) have their answers here too; the generator documents only routes in lib/routes.ts.
 */
import * as z from 'zod/mini';
import { settingsSchema } from './schemas.js';
import { PLATFORMS } from '../domain/push.js';

/** Every `error.code` the API answers (lambdas/edge/errors.ts ErrorCode, and the WebSocket's own). */
export const ERROR_CODES = [
  'bad_request',
  'validation_error',
  'unauthorized',
  'not_found',
  'payload_too_large',
  'method_not_allowed',
  'forbidden',
  'origin_not_allowed',
  'rate_limited',
  'internal_error',
] as const;

/** Codes only WebSocket `error` frames carry. */
export const WS_ONLY_ERROR_CODES = ['unknown_action', 'too_many_connections'] as const;

const str = z.string();
const int = z.number().check(z.int(), z.gte(0));
const instant = z.string().check(z.describe('an ISO-8601 instant (UTC)'));

export const errorAnswer = z.strictObject({
  error: z.strictObject({ code: z.enum(ERROR_CODES), message: str }),
});

/** API Gateway's own answer to a request it refuses before any function (a payload over 10 MB: 413). */
export const gatewayAnswer = z.strictObject({ message: str });

export const visitor = z.strictObject({ name: z.optional(str), email: z.optional(str) });

const from = z.strictObject({ type: z.enum(['visitor', 'agent']), id: str });

export const lastMessage = z.strictObject({
  messageId: str,
  seq: int,
  from,
  body: str.check(z.describe('the body, cut to 500 code points')),
  createdAt: instant,
});

export const conversationListItem = z.strictObject({
  conversationId: str,
  visitor,
  assigneeId: z.nullable(str),
  lastMessage: z.nullable(lastMessage),
  unread: z.boolean().check(z.describe('unread by the caller')),
  status: z.enum(['read', 'unread']).check(z.describe('the shared status: some recipient read the newest visitor message')),
});

export const message = z.strictObject({ messageId: str, seq: int, from, body: str, createdAt: instant });

/** The settings as answered: every field present (a PUT may leave the newer ones out). */
export const settingsAnswer = z.required(settingsSchema);

const cursor = z.optional(str.check(z.describe('pass as `cursor` for the next page; absent on the last page')));

export const widgetAnswer = z.strictObject({ allowedOrigins: z.array(str), conversationsPerMinute: int });

const delivery = z.strictObject({
  channel: z.enum(['desktop', 'mobile', 'email']),
  target: z.optional(str.check(z.describe('the connectionId (desktop) or deviceId (mobile)'))),
  outcome: z.enum(['sent', 'suppressed', 'failed', 'due']),
  detail: z.optional(
    z.enum([
      'desktop_off',
      'mobile_off',
      'email_off',
      'no_connection',
      'no_device',
      'do_not_disturb',
      'quiet_hours',
      'active_on_desktop',
      'endpoint_disabled',
      'endpoint_deleted',
      'connection_gone',
      'provider_error',
    ]),
  ),
});

/** SPEC §12: the four kinds of entry of the delivery log. */
const logEntry = z.union([
  z.strictObject({
    kind: z.literal('message'),
    at: instant,
    conversationId: str,
    messageId: str,
    reason: z.enum(['assigned', 'scope_all', 'unassigned']),
    deliveries: z.array(delivery),
  }),
  z.strictObject({ kind: z.literal('digest'), at: instant, conversationIds: z.array(str), outcome: z.enum(['sent', 'failed']), detail: z.optional(str) }),
  z.strictObject({ kind: z.literal('clear'), at: instant, conversationId: str, deliveries: z.array(delivery) }),
  z.strictObject({ kind: z.literal('test'), at: instant, deliveries: z.array(delivery) }),
]);

/** One answer: a status and its body schema (none: an empty body). */
export interface Answer {
  status: number;
  description: string;
  body?: z.ZodMiniType;
  headers?: Record<string, string>;
  /** Default `application/json`; `text/html` for a page a person opens (the body is then a string). */
  contentType?: string;
}

/** Error statuses a route answers beyond those its request spec implies (400, 401, 404 for id params, 413). */
export interface RouteAnswers {
  ok: Answer[];
  errors?: { status: number; description: string }[];
}

const posted = z.strictObject({ messageId: str, seq: int, createdAt: instant });
const refusedOrigin = { status: 403, description: '`origin_not_allowed`: the workspace lists allowed origins and this Origin is not one' };
const limited = { status: 429, description: '`rate_limited`, with `Retry-After` in seconds' };
const notAdmin = { status: 403, description: '`forbidden`: the caller lacks the admin role' };

export const HTTP_ANSWERS: Record<string, RouteAnswers> = {
  'POST /v1/workspaces/{workspaceId}/conversations': {
    ok: [{ status: 201, description: 'the conversation and the visitor token that opens it', body: z.strictObject({ conversationId: str, visitorToken: str }) }],
    errors: [refusedOrigin, { status: 404, description: '`not_found`: no such workspace' }, limited],
  },
  'POST /v1/conversations/{id}/messages': {
    ok: [
      { status: 201, description: 'stored; its recipients are notified', body: posted },
      { status: 200, description: 'a repeated `clientMessageId`: the first message, nothing stored or notified', body: posted },
    ],
    errors: [refusedOrigin, limited],
  },
  'GET /v1/conversations': {
    ok: [{ status: 200, description: 'newest activity first', body: z.strictObject({ conversations: z.array(conversationListItem), nextCursor: cursor }) }],
  },
  'GET /v1/conversations/{id}/messages': {
    ok: [{ status: 200, description: 'oldest first', body: z.strictObject({ messages: z.array(message), nextCursor: cursor }) }],
    errors: [refusedOrigin, limited],
  },
  'POST /v1/conversations/{id}/read': {
    ok: [{ status: 200, description: "the caller's read position now", body: z.strictObject({ readSeq: int }) }],
  },
  'GET /v1/conversations/{id}': {
    ok: [{ status: 200, description: 'the conversation, as a list item (the console opening it by link)', body: conversationListItem }],
  },
  // SPEC §11.7: the reminder email's List-Unsubscribe link; no sign-in, the signed token `t` is the authority.
  'GET /v1/unsubscribe': {
    ok: [{ status: 200, description: 'a page asking to confirm, whose button POSTs the one-click body (a link preview must not unsubscribe)', contentType: 'text/html', body: z.string() }],
    errors: [
      { status: 400, description: '`validation_error`: no token in the link' },
      { status: 403, description: '`forbidden`: the token is not signed by this deployment' },
    ],
  },
  'POST /v1/unsubscribe': {
    ok: [{ status: 200, description: 'RFC 8058 one-click (`List-Unsubscribe=One-Click`): both email toggles are off; a page says so', contentType: 'text/html', body: z.string() }],
    errors: [
      { status: 400, description: '`validation_error`: no token in the link, or the body is not `List-Unsubscribe=One-Click`' },
      { status: 403, description: '`forbidden`: the token is not signed by this deployment' },
    ],
  },
  'PUT /v1/conversations/{id}/assignee': {
    ok: [{ status: 200, description: 'the conversation, as a list item', body: conversationListItem }],
  },
  'GET /v1/me': {
    ok: [
      {
        status: 200,
        description: 'the caller (recorded on first sight, with default settings)',
        body: z.strictObject({
          agentId: str,
          workspaceId: str,
          email: str,
          name: str,
          settings: settingsAnswer,
          emailStatus: z.enum(['ok', 'failing']).check(z.describe('`failing`: email to this address bounced or was refused; reminders wait')),
          doNotDisturbUntil: z.optional(z.nullable(instant)),
          unreadConversations: z.optional(int),
        }),
      },
    ],
  },
  'PUT /v1/me/notification-settings': {
    ok: [{ status: 200, description: 'the settings as stored, every field present', body: settingsAnswer }],
  },
  'POST /v1/me/devices': {
    ok: [
      { status: 201, description: 'registered', body: z.strictObject({ deviceId: str, endpointArn: str }) },
      { status: 200, description: 'this token again: the same ids (a disabled endpoint is enabled again)', body: z.strictObject({ deviceId: str, endpointArn: str }) },
    ],
  },
  'GET /v1/me/devices': {
    ok: [
      {
        status: 200,
        description: "the caller's devices (never their tokens)",
        body: z.strictObject({ devices: z.array(z.object({ deviceId: str, platform: z.enum(PLATFORMS), endpointArn: str, enabled: z.boolean(), registeredAt: instant })) }),
      },
    ],
  },
  'DELETE /v1/me/devices/{deviceId}': { ok: [{ status: 204, description: 'forgotten, and its SNS endpoint deleted' }] },
  'GET /v1/agents': {
    ok: [{ status: 200, description: "the agents of the caller's workspace", body: z.strictObject({ agents: z.array(z.object({ agentId: str, name: str })), nextCursor: cursor }) }],
  },
  'PUT /v1/me/do-not-disturb': {
    ok: [{ status: 200, description: 'notifications snoozed until then (null: not snoozed)', body: z.strictObject({ until: z.nullable(instant) }) }],
  },
  'GET /v1/me/notifications': {
    ok: [
      {
        status: 200,
        description: 'the delivery log, newest first (30 days)',
        body: z.strictObject({ notifications: z.array(logEntry), nextCursor: cursor }),
      },
    ],
  },
  'POST /v1/me/notifications/test': {
    ok: [{ status: 200, description: 'a test notification went to every channel; the outcome of each', body: z.object({ deliveries: z.array(delivery) }) }],
    errors: [limited],
  },
  'GET /v1/workspace/widget': {
    ok: [{ status: 200, description: "the workspace's widget settings (defaults: no origin list, 60 per minute)", body: widgetAnswer }],
    errors: [notAdmin],
  },
  'PUT /v1/workspace/widget': {
    ok: [{ status: 200, description: 'the settings as stored (origins normalised)', body: widgetAnswer }],
    errors: [notAdmin],
  },
  'DELETE /v1/workspace/agents/{agentId}': {
    ok: [{ status: 204, description: 'removed (again: whatever an earlier attempt left is finished)' }],
    errors: [{ status: 403, description: '`forbidden`: not an admin, or removing yourself' }],
  },
  'OPTIONS /{proxy+}': {
    ok: [{ status: 204, description: 'CORS preflight: the allowed origin, methods and headers of that route', headers: { 'access-control-allow-origin': 'the allowed origin' } }],
    errors: [{ status: 404, description: '`not_found`: no such route' }],
  },
};

// ---- WebSocket frames the server sends (SPEC §7) ----

export const unreadConversations = int.check(z.describe("the agent's unread count: conversations with a visitor message newer than their read position"));

export const SERVER_FRAMES = {
  'chat.message': z.strictObject({
    type: z.literal('chat.message'),
    workspaceId: str,
    conversationId: str,
    messageId: str,
    seq: int,
    from: z.strictObject({ type: z.literal('visitor'), id: str, name: str }),
    preview: str.check(z.describe('the body without control or bidi characters, cut to 500 code points')),
    assigneeId: z.nullable(str),
    createdAt: instant,
    notify: z.optional(z.boolean().check(z.describe('false during do-not-disturb or quiet hours: update the page, no notification or sound'))),
    unreadConversations: z.optional(unreadConversations),
  }),
  pong: z.strictObject({ type: z.literal('pong') }),
  read: z.strictObject({ type: z.literal('read'), conversationId: str, readSeq: int }),
  ack: z.strictObject({ type: z.literal('ack'), clientMessageId: z.nullable(str), messageId: str, seq: int }),
  error: z.strictObject({ type: z.literal('error'), code: z.enum([...ERROR_CODES, ...WS_ONLY_ERROR_CODES]), message: str }),
  'conversation.updated': z.object({
    type: z.literal('conversation.updated'),
    conversationId: str,
    assigneeId: z.nullable(str),
    status: z.enum(['read', 'unread']),
    lastMessage: z.nullable(lastMessage),
    readBy: z.optional(str),
  }),
  'conversation.read': z.strictObject({ type: z.literal('conversation.read'), conversationId: str, readSeq: int, unreadConversations }),
  test: z.strictObject({ type: z.literal('test'), at: instant }),
} as const;

/** What each client action is answered with on its socket (the WebSocket routes of lib/routes.ts). */
export const WS_REPLIES: Record<string, (keyof typeof SERVER_FRAMES)[]> = {
  ping: ['pong', 'error'],
  active: ['pong', 'error'],
  markRead: ['read', 'error'],
  sendMessage: ['ack', 'error'],
  $default: ['error'],
};

/** Frames the server sends on its own (not as a reply), and when. */
export const PUSHED_FRAMES: Partial<Record<keyof typeof SERVER_FRAMES, string>> = {
  'chat.message': 'a visitor wrote in a conversation of which this agent is a recipient',
  error: '`too_many_connections` to the oldest of more than 20 connections before it is closed; `unauthorized` on a frame after the token expired',
  'conversation.updated': 'a conversation the agent may see was assigned, unassigned, answered by an agent or read',
  'conversation.read': 'the agent read a conversation (in any tab): close its notification, update the badge',
  test: 'the agent asked for a test notification',
};
