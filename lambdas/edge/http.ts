/**
 * The middy stack every HTTP handler shares: size limit, JSON parsing, zod validation at the
 * edge, token checks in code (so a 401 has the SPEC shape), and errors mapped to
 * `{"error": {"code", "message"}}`. Handlers receive parsed, typed input and return a status and body.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { tracer } from '../platform/tracer.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { AppError, asAppError, badRequest, errorBody, forbidden, invalid, notFound, tooLarge, unauthorized } from './errors.js';
import { dynamo } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { admitAgent, AgentRemovedError } from '../app/agent-access.js';
import { bearer, verifyAgentToken, visitorTokenConversation } from './auth.js';
import { errorInfo, logger } from '../platform/logger.js';
import { withCors } from './cors.js';
import { CursorError } from '../store/keys.js';
import { ID_PATTERN } from '../domain/ids.js';
import type { AgentToken } from './auth.js';

export const MAX_REQUEST_BYTES = 64 * 1024;

export type Caller = { kind: 'agent'; agent: AgentToken } | { kind: 'visitor'; conversationId: string; secret: string } | { kind: 'anonymous' };

export interface HttpInput<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  caller: Caller;
  event: APIGatewayProxyEventV2;
}

export interface HttpResult {
  status: number;
  body?: unknown;
}

type Auth = 'none' | 'agent' | 'agentOrVisitor';

export interface Spec<B, Q> {
  auth: Auth;
  body?: z.ZodMiniType<B>;
  query?: z.ZodMiniType<Q>;
  /** Path parameters that are ids: a malformed one cannot exist, so it is a 404. */
  idParams?: string[];
}

export function json(status: number, body?: unknown): APIGatewayProxyStructuredResultV2 {
  return body === undefined
    ? { statusCode: status, headers: { 'cache-control': 'no-store' } }
    : { statusCode: status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

// Fatal: bytes that are not UTF-8 are malformed JSON (RFC 8259), not text to patch with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function rawBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  const buf = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (buf.length > MAX_REQUEST_BYTES) throw tooLarge(`request over ${MAX_REQUEST_BYTES} bytes`);
  try {
    return utf8.decode(buf);
  } catch {
    throw badRequest('request body is not UTF-8');
  }
}

export function zodMessage(e: { issues: ReadonlyArray<z.core.$ZodIssue> }): string {
  const first = e.issues[0];
  if (!first) return 'invalid input';
  const path = first.path.length ? first.path.map(String).join('.') : 'body';
  if (first.code === 'unrecognized_keys') return `unknown field(s): ${first.keys.join(', ')}`;
  return `${path}: ${first.message}`;
}

/** A zod failure is a 400; a body over the code-point limit is a 413 (SPEC §6). */
export function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  if (r.error.issues.some((i) => i.message === TOO_LONG)) throw tooLarge('message body over 10000 characters');
  throw invalid(zodMessage(r.error));
}

/** The marker a schema uses to say "too long" so parseWith answers 413 rather than 400. */
export const TOO_LONG = 'too_long';

async function identify(auth: Auth, event: APIGatewayProxyEventV2): Promise<Caller> {
  if (auth === 'none') return { kind: 'anonymous' };
  const token = bearer(event.headers);
  if (auth === 'agentOrVisitor' && token) {
    const v = visitorTokenConversation(token);
    if (v) return { kind: 'visitor', ...v };
  }
  const agent = await verifyAgentToken(token);
  await admitted(agent);
  return { kind: 'agent', agent };
}

/** SPEC §10.4: a removed agent's tokens are refused; every use keeps the profile's marks current. */
async function admitted(agent: AgentToken): Promise<void> {
  try {
    await admitAgent({ db: dynamo(), tableName: config().tableName, log: (level, m, f) => logger[level](m, f) }, agent);
  } catch (e) {
    if (e instanceof AgentRemovedError) throw unauthorized('this agent was removed from the workspace');
    throw e;
  }
}

export function httpHandler<B = undefined, Q = Record<string, never>>(spec: Spec<B, Q>, fn: (input: HttpInput<B, Q>) => Promise<HttpResult>) {
  const h = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .handler(async (event) => {
      // API Gateway's request id ties every line of this request together (and to its access log).
      logger.setCorrelationId(event.requestContext?.requestId);
      // Known once the token is checked: an agent's call answers the console's origin only (SPEC §10.1).
      let caller: Caller | undefined;
      try {
        const text = rawBody(event);
        const params = event.pathParameters ?? {};
        for (const p of spec.idParams ?? []) {
          const v = params[p];
          if (!v || !ID_PATTERN.test(v)) throw notFound();
        }
        // Authenticate before reading the body: an unauthenticated caller learns nothing about validation.
        caller = await identify(spec.auth, event);
        let body: unknown = undefined;
        if (spec.body && text !== undefined && text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            throw badRequest('malformed JSON');
          }
        }
        const query = spec.query ? parseWith(spec.query, event.queryStringParameters ?? {}) : ({} as Q);
        const parsed = spec.body ? parseWith(spec.body, body) : (undefined as B);
        const out = await fn({ body: parsed, query, params: params as Record<string, string>, caller, event });
        return withCors(json(out.status, out.body), event, caller.kind === 'agent');
      } catch (e) {
        return withCors(errorResponse(e), event, caller?.kind === 'agent');
      }
    });
  // The spec rides on the handler so docs/generate.ts documents the very schemas it validates with.
  return Object.assign(h, { spec });
}

export function errorResponse(e: unknown): APIGatewayProxyStructuredResultV2 {
  const app = asAppError(e);
  if (app) {
    const r = json(app.status, errorBody(app.code, app.message));
    return { ...r, headers: { ...r.headers, ...app.headers } };
  }
  if (e instanceof CursorError) return json(400, errorBody('bad_request', 'invalid cursor'));
  logger.error('unhandled error', { error: errorInfo(e) });
  return json(500, errorBody('internal_error', 'internal error'));
}

export function agentOf(caller: Caller): AgentToken {
  if (caller.kind !== 'agent') throw new AppError(401, 'unauthorized', 'an agent token is required');
  return caller.agent;
}

/** An agent with the admin role (SPEC §10.1), or a 403. */
export function adminOf(caller: Caller): AgentToken {
  const agent = agentOf(caller);
  if (!agent.admin) throw forbidden();
  return agent;
}
