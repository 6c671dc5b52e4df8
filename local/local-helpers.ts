/**
 * The `/_local/` helpers of SPEC §9 and the console's `/config.json`. Local only: nothing here is
 * part of the deployed stack, and the local issuer they sign with is trusted only because the
 * offline stack points OIDC_* at it.
 */
import * as z from 'zod/mini';
import type { LocalIssuer } from './issuer.js';
import { jsonResponse, type LocalRequest, type LocalResponse, type RequestHook } from './http-gateway.js';
import { id } from '../lambdas/edge/schemas.js';
import { parseWith } from '../lambdas/edge/http.js';
import { AppError, badRequest, errorBody } from '../lambdas/edge/errors.js';
import type { Identity } from '../lambdas/store/agents.js';

export interface LocalHelperDeps {
  issuer: LocalIssuer;
  /** What the console reads from `/config.json`. */
  apiUrl: string;
  wsUrl: string;
  pushes(): unknown[] | Promise<unknown[]>;
  disablePush(token: string, mode?: 'disabled' | 'deleted' | 'application'): unknown;
  emails(): Promise<unknown[]>;
  runReminder(): Promise<unknown>;
  ensureAgent(identity: Identity): Promise<unknown>;
  /** The local SQS's work queues: depth, in flight, dead-lettered (GET /_local/queues). */
  queues?(): unknown[];
  log?: (line: string) => void;
}

const tokenRequest = z.strictObject({
  workspaceId: id,
  agentId: id,
  email: z.optional(z.string().check(z.maxLength(254))),
  name: z.optional(z.string().check(z.maxLength(200))),
  role: z.optional(z.literal('admin')),
  // SPEC §9: default 12 h; short lifetimes let tests see a connection end with its token.
  expiresInSeconds: z.optional(z.int().check(z.minimum(1), z.maximum(7 * 24 * 3600))),
});

// `mode` (default `disabled`): `deleted` deletes the token's endpoint, `application` disables its
// platform application (publishes answer PlatformApplicationDisabled), as local/sns-server.ts says.
const disableRequest = z.strictObject({
  token: z.string().check(z.minLength(1)),
  mode: z.optional(z.enum(['disabled', 'deleted', 'application'])),
});

/** The body, validated as the API's handlers validate theirs (same errors, same shape). */
function parseBody<T>(req: LocalRequest, schema: z.ZodMiniType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8') || 'null');
  } catch {
    throw badRequest('malformed JSON');
  }
  return parseWith(schema, value);
}

export function localHelpers(deps: LocalHelperDeps): RequestHook {
  const log = deps.log ?? (() => undefined);
  const routes: Record<string, (req: LocalRequest) => Promise<LocalResponse>> = {
    'GET /_local/health': async () => jsonResponse(200, { status: 'ok' }),

    'POST /_local/token': async (req) => {
      const b = parseBody(req, tokenRequest);
      const identity: Identity = { workspaceId: b.workspaceId, agentId: b.agentId, email: b.email ?? '', name: b.name ?? b.agentId };
      await deps.ensureAgent(identity);
      const token = await deps.issuer.sign({ ...identity, ...(b.role ? { role: b.role } : {}) }, b.expiresInSeconds ? { expiresIn: Math.floor(Date.now() / 1000) + b.expiresInSeconds } : {});
      return jsonResponse(200, { token });
    },

    'POST /_local/reminders/run': async () => jsonResponse(200, await deps.runReminder()),

    'GET /_local/push': async () => jsonResponse(200, { pushes: await deps.pushes() }),

    'POST /_local/push/disable': async (req) => {
      const { token, mode } = parseBody(req, disableRequest);
      // `disabled: false` says no endpoint has that token (nothing registered it yet).
      const found = await deps.disablePush(token, mode);
      return jsonResponse(200, { token, disabled: found !== false });
    },

    'GET /_local/emails': async () => jsonResponse(200, { emails: await deps.emails() }),

    'GET /_local/queues': async () => jsonResponse(200, { queues: deps.queues?.() ?? [] }),

    'GET /_local/jwks.json': async () => jsonResponse(200, deps.issuer.jwks),

    // Enough OIDC discovery for a client that looks the issuer up rather than being told the JWKS URL.
    'GET /_local/issuer/.well-known/openid-configuration': async () =>
      jsonResponse(200, {
        issuer: deps.issuer.issuer,
        jwks_uri: `${deps.apiUrl}/_local/jwks.json`,
        id_token_signing_alg_values_supported: ['RS256'],
      }),

    // A console opened at localhost talks to localhost: the API stays same-origin for it (agent
    // routes allow only CONSOLE_URL's origin cross-origin) and the WebSocket lock accepts both names.
    'GET /config.json': async (req) => {
      const name = req.headers.host?.toLowerCase().startsWith('localhost:') ? 'localhost' : '127.0.0.1';
      const at = (url: string) => url.replace('//127.0.0.1:', `//${name}:`);
      return jsonResponse(200, { apiUrl: at(deps.apiUrl), wsUrl: at(deps.wsUrl), auth: { mode: 'local' } });
    },
  };

  return async (req) => {
    if (!req.path.startsWith('/_local/') && req.path !== '/config.json') return undefined;
    const route = routes[`${req.method} ${req.path}`];
    if (!route) return jsonResponse(404, errorBody('not_found', `no local helper ${req.method} ${req.path}`));
    try {
      return await route(req);
    } catch (e) {
      if (e instanceof AppError) return jsonResponse(e.status, errorBody(e.code, e.message));
      log(`${req.method} ${req.path} failed: ${(e as Error)?.stack ?? String(e)}`);
      return jsonResponse(500, errorBody('internal_error', (e as Error)?.message ?? 'internal error'));
    }
  };
}
