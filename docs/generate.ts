/**
 * `npm run docs`: writes docs/openapi.json (OpenAPI 3.1, the HTTP API) and docs/asyncapi.json
 * (AsyncAPI 3.0, the WebSocket API) from the code itself:
 * - the routes and actions: lib/routes.ts, the table the stack and the offline stack run;
 * - the requests: the zod schemas each handler validates with (`httpHandler` / `wsHandler` keep
 *   them on the handler they return), so a schema change changes the document;
 * - the answers and server frames: lambdas/edge/answers.ts.
 * `npm run docs -- --check` writes nothing and fails when a committed document differs;
 * test/unit/api-docs.test.ts does the same in the test suite.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import type * as zm from 'zod/mini';
import { HTTP_ROUTES, WS_ROUTES, type HttpRoute } from '../lib/routes.js';
import { HTTP_ANSWERS, PUSHED_FRAMES, SERVER_FRAMES, WS_REPLIES, errorAnswer, gatewayAnswer, type Answer } from '../lambdas/edge/answers.js';
import type { Spec } from '../lambdas/edge/http.js';

const here = dirname(fileURLToPath(import.meta.url));
export const OPENAPI_PATH = join(here, 'openapi.json');
export const ASYNCAPI_PATH = join(here, 'asyncapi.json');

type Json = Record<string, unknown>;

/** A zod (or zod/mini) schema as JSON Schema; refinements (code-point counts, time zones) cannot be expressed and are left out. */
export function jsonSchema(schema: zm.ZodMiniType, io: 'input' | 'output', target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12'): Json {
  const s = z.toJSONSchema(schema as unknown as z.ZodType, { io, target, unrepresentable: 'any' }) as Json;
  delete s.$schema;
  return s;
}

/** lib/routes.ts's `{proxy+}` (API Gateway's greedy parameter) as an OpenAPI path parameter. */
export const openApiPath = (path: string) => path.replace('{proxy+}', '{proxy}');

async function handlerModule(handler: string): Promise<{ handler: { spec?: Spec<unknown, unknown>; schema?: zm.ZodMiniType } }> {
  return (await import(`../lambdas/handlers/${handler}.js`)) as never;
}

const camel = (handler: string) => handler.replace(/^[a-z]+\//, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function security(spec: Spec<unknown, unknown> | undefined): Json[] | undefined {
  if (!spec || spec.auth === 'none') return [];
  if (spec.auth === 'agent') return [{ agentToken: [] }];
  return [{ agentToken: [] }, { visitorToken: [] }];
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
// A 413 may also come from API Gateway itself (over its 10 MB payload quota), in its own shape.
const TOO_LARGE_SCHEMA = { anyOf: [ERROR_REF, { $ref: '#/components/schemas/GatewayError' }] };

function okResponse(a: Answer): Json {
  return {
    description: a.description,
    ...(a.headers ? { headers: Object.fromEntries(Object.entries(a.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
    ...(a.body ? { content: { [a.contentType ?? 'application/json']: { schema: jsonSchema(a.body, 'output') } } } : {}),
  };
}

/** The error answers a route gives: those its spec implies, plus those HTTP_ANSWERS lists. */
function errorResponses(route: HttpRoute, spec: Spec<unknown, unknown> | undefined): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const add = (status: number, d: string) => out.set(status, [...(out.get(status) ?? []), d]);
  if (spec?.body || spec?.query) add(400, '`bad_request` (malformed JSON, a bad cursor) or `validation_error` (a missing, unknown or wrong field)');
  if (spec && spec.auth !== 'none') add(401, '`unauthorized`: no token, an invalid or expired one, or a removed agent');
  if (spec?.idParams?.length) add(404, '`not_found`: no such id, or not yours');
  if (spec) add(413, '`payload_too_large`: a request over 64 KB, or a message body over 10000 code points; over 10 MB API Gateway answers `{"message"}` itself');
  for (const e of HTTP_ANSWERS[`${route.method} ${route.path}`]?.errors ?? []) add(e.status, e.description);
  return out;
}

function operation(route: HttpRoute, spec: Spec<unknown, unknown> | undefined): Json {
  const key = `${route.method} ${route.path}`;
  const answers = HTTP_ANSWERS[key];
  const params: Json[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1]!.replace(/\+$/, ''),
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(m[1]!.endsWith('+') ? { description: 'any path' } : {}),
  }));
  if (spec?.query) {
    const q = jsonSchema(spec.query as zm.ZodMiniType, 'input');
    const props = (q.properties ?? {}) as Record<string, Json>;
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(props)) params.push({ name, in: 'query', required: required.has(name), schema });
  }
  const responses: Json = {};
  for (const a of answers?.ok ?? []) responses[String(a.status)] = okResponse(a);
  if (!answers) responses.default = { description: 'not yet described: add this route to HTTP_ANSWERS in lambdas/edge/answers.ts' };
  for (const [status, ds] of [...errorResponses(route, spec)].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: ds.join('; '),
      ...(status === 429 ? { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } } } } : {}),
      content: { 'application/json': { schema: status === 413 ? TOO_LARGE_SCHEMA : ERROR_REF } },
    };
  }
  const sec = security(spec);
  return {
    operationId: camel(route.handler),
    ...(route.cors === 'any-origin' ? { description: 'Callable from any web page (the chat widget): CORS allows any origin, unless the workspace lists its allowed origins.' } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(spec?.body
      ? {
          requestBody: {
            required: !(spec.body as zm.ZodMiniType).safeParse(undefined).success,
            content: { 'application/json': { schema: jsonSchema(spec.body as zm.ZodMiniType, 'input') } },
          },
        }
      : {}),
    responses,
    ...(sec ? { security: sec } : {}),
  };
}

function version(): string {
  return (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function buildOpenApi(): Promise<Json> {
  const paths: Record<string, Json> = {};
  for (const route of HTTP_ROUTES) {
    const spec = (await handlerModule(route.handler)).handler.spec;
    const p = (paths[openApiPath(route.path)] ??= {});
    p[route.method.toLowerCase()] = operation(route, spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agent chat notifications: HTTP API',
      version: version(),
      description:
        'Visitors start conversations and write; agents list, read, answer and assign them, and choose how they are notified. ' +
        'Errors are always `{"error": {"code", "message"}}` with a 4xx status. Generated by `npm run docs` from the schemas the handlers validate with; see docs/CONTRACT.md.',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'the offline stack (`npm start`)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'a deployed stack (its `HttpApiUrl` output)',
        variables: { apiId: { default: 'abc123' }, region: { default: 'us-east-1' } },
      },
    ],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorAnswer, 'output'), GatewayError: jsonSchema(gatewayAnswer, 'output') },
      securitySchemes: {
        agentToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "an agent's ID token from the workspace's identity provider (offline: `POST /_local/token`)" },
        visitorToken: { type: 'http', scheme: 'bearer', description: 'the `visitorToken` the conversation was created with (`vt1.…`): opens that one conversation' },
      },
    },
  };
}

const actionName = (routeKey: string) => (routeKey === '$default' ? 'otherAction' : routeKey);

export async function buildAsyncApi(): Promise<Json> {
  const messages: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const channelMessages: Record<string, Json> = {};
  const ref = (name: string) => ({ $ref: `#/channels/agent/messages/${name}` });
  for (const [type, schema] of Object.entries(SERVER_FRAMES)) {
    const name = `frame.${type}`;
    messages[name] = { name, title: `${type} frame`, payload: jsonSchema(schema, 'output', 'draft-7') };
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
  }
  for (const route of WS_ROUTES) {
    if (route.routeKey === '$connect' || route.routeKey === '$disconnect') continue;
    const name = actionName(route.routeKey);
    const schema = (await handlerModule(route.handler)).handler.schema;
    const payload =
      route.routeKey === '$default'
        ? { type: 'object', description: 'a frame with any other `action`, or none, or not JSON: answered with an `error` frame (`unknown_action`, `bad_request`)' }
        : schema
          ? jsonSchema(schema, 'input', 'draft-7')
          : { type: 'object', properties: { action: { const: route.routeKey } }, required: ['action'], additionalProperties: false };
    messages[name] = { name, title: `${name} action`, payload };
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
    const replies = WS_REPLIES[route.routeKey] ?? ['error'];
    operations[`receive_${name}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/agent' },
      summary: route.routeKey === '$default' ? 'any other frame' : `the client sends {"action": "${route.routeKey}"}`,
      messages: [ref(name)],
      ...(route.returnsResponse ? { reply: { channel: { $ref: '#/channels/agent' }, messages: replies.map((r) => ref(`frame.${r}`)) } } : {}),
    };
  }
  for (const [type, when] of Object.entries(PUSHED_FRAMES)) {
    operations[`send_${type.replace(/\./g, '_')}`] = { action: 'send', channel: { $ref: '#/channels/agent' }, summary: when, messages: [ref(`frame.${type}`)] };
  }
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Agent chat notifications: WebSocket API',
      version: version(),
      description:
        "An agent console's live connection: the server pushes `chat.message` frames (and the others below); the client sends frames with an `action`. " +
        'A bad frame is answered with an `error` frame and the connection stays open; a frame over 32 KB closes it (1009). Generated by `npm run docs`; see docs/CONTRACT.md.',
    },
    servers: {
      offline: { host: '127.0.0.1:3001', protocol: 'ws', description: 'the offline stack (`npm start`)' },
      aws: {
        host: '{apiId}.execute-api.{region}.amazonaws.com',
        pathname: '/{stage}',
        protocol: 'wss',
        description: 'a deployed stack (its `WebSocketUrl` output)',
        variables: { apiId: { default: 'abc123' }, region: { default: 'us-east-1' }, stage: { default: 'prod' } },
      },
    },
    defaultContentType: 'application/json',
    channels: {
      agent: {
        address: '/',
        title: "an agent's connection",
        description:
          'Connect with `?token=<agent JWT>` (browsers cannot set headers on a WebSocket); a missing, invalid or expired token is refused at the upgrade. At most 20 live connections per agent.',
        messages: channelMessages,
        bindings: { ws: { query: { type: 'object', properties: { token: { type: 'string', description: "the agent's ID token" } }, required: ['token'] }, bindingVersion: '0.1.0' } },
      },
    },
    operations,
    components: { messages },
  };
}

export async function renderDocs(): Promise<{ path: string; text: string }[]> {
  return [
    { path: OPENAPI_PATH, text: `${JSON.stringify(await buildOpenApi(), null, 2)}\n` },
    { path: ASYNCAPI_PATH, text: `${JSON.stringify(await buildAsyncApi(), null, 2)}\n` },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const d of await renderDocs()) {
    let old = '';
    try {
      old = readFileSync(d.path, 'utf8');
    } catch {
      /* not written yet */
    }
    if (old === d.text) continue;
    if (check) {
      stale++;
      console.error(`${d.path} is stale: run npm run docs`);
    } else {
      writeFileSync(d.path, d.text);
      console.log(`wrote ${d.path}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
