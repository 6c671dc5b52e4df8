/**
 * The local HTTP API: API Gateway HTTP API (payload format 2.0) in front of the real handlers,
 * routed by lib/routes.ts HTTP_ROUTES and nothing else. What API Gateway does before and after the
 * Lambda (the 10 MB payload cap, the event shape, how a result becomes a response) is done here;
 * everything the SPEC promises (64 KB, 401, 404 ...) is left to the handlers themselves.
 *
 * CORS too is the handlers' (lambdas/edge/cors.ts), as on AWS, where the HTTP API has no CORS
 * configuration: a preflight is routed like any request (to `OPTIONS /{proxy+}`) and a handler's
 * headers pass through untouched; the gateway's own answers (404, 413, 500) carry none.
 *
 * Local only (SPEC §9, local/local-lock.ts): a request whose Host is not this server's is refused,
 * and so is a `/_local/` request from a page of another origin.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpRoute } from '../lib/routes.js';
import { requestId, type LoadedHandler } from './invoke.js';
import { hasForeignOrigin, hasOwnHost, ownHosts, ownOrigins } from './local-lock.js';

/** API Gateway HTTP API's payload quota. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface LocalRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface LocalResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Something that answers some requests the API routes do not (helpers, static files). */
export type RequestHook = (req: LocalRequest) => Promise<LocalResponse | undefined>;

export interface HttpGatewayOptions {
  routes: ReadonlyArray<{ route: HttpRoute; handler: LoadedHandler }>;
  /** Tried before the API routes (the `/_local/` helpers, `/config.json`). */
  before?: RequestHook;
  /** Tried when no API route matches (the web console's static files). */
  after?: RequestHook;
  log?: (line: string) => void;
}

interface CompiledRoute {
  route: HttpRoute;
  handler: LoadedHandler;
  pattern: RegExp;
  params: string[];
  literals: number;
}

function compile(route: HttpRoute, handler: LoadedHandler): CompiledRoute {
  const params: string[] = [];
  let literals = 0;
  const source = route.path
    .split('/')
    .map((seg) => {
      const greedy = /^\{(\w+)\+\}$/.exec(seg);
      if (greedy) {
        params.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(seg);
      if (param) {
        params.push(param[1]!);
        return '([^/]+)';
      }
      literals++;
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, handler, pattern: new RegExp(`^${source}$`), params, literals };
}

function send(res: ServerResponse, r: LocalResponse, cookies: string[] = []): void {
  const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
  if (cookies.length) headers['set-cookie'] = cookies;
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(r.status, headers);
  res.end(body);
}

export function jsonResponse(status: number, value: unknown): LocalResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function notFound(): LocalResponse {
  return jsonResponse(404, { error: { code: 'not_found', message: 'no such route' } });
}

/** SPEC §9's lock, before anything else runs; undefined when the request may go on. */
function locked(req: IncomingMessage, path: string): LocalResponse | undefined {
  const port = req.socket.localPort ?? -1;
  if (!hasOwnHost(req)) {
    return jsonResponse(403, { error: { code: 'forbidden', message: `this local gateway answers only Host ${ownHosts(port).join(' or ')}` } });
  }
  if (path.startsWith('/_local/') && hasForeignOrigin(req, ownOrigins(port))) {
    return jsonResponse(403, { error: { code: 'origin_not_allowed', message: 'the /_local/ helpers answer only pages of this origin' } });
  }
  return undefined;
}

/** The body, or undefined when it passed the cap (read to the end anyway, so the client sees the 413). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8Text(buf: Buffer): boolean {
  try {
    utf8.decode(buf);
    return true;
  } catch {
    return false;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip);
}

/**
 * The request's client address, `requestContext.http.sourceIp`. On AWS it is the address of the
 * TCP connection to API Gateway ($context.identity.sourceIp,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
 * Locally every client is on loopback, so a request from loopback names its client in the first
 * `x-forwarded-for` entry (SPEC §9: tests and the bench act as many visitors); from anywhere else,
 * or with no usable header, it is the socket's address and the header is not believed.
 */
export function sourceIpOf(req: IncomingMessage): string {
  const peer = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  if (!isLoopback(peer)) return peer;
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)
    ?.split(',')[0]
    ?.trim()
    .replace(/^::ffff:/, '');
  return first && isIP(first) ? first : peer;
}

function buildEvent(req: IncomingMessage, r: LocalRequest, c: CompiledRoute, match: RegExpExecArray): APIGatewayProxyEventV2 {
  const now = new Date();
  const routeKey = `${c.route.method} ${c.route.path}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const host = headers.host ?? '127.0.0.1';
  headers['x-forwarded-for'] = sourceIpOf(req);
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = host.split(':')[1] ?? '80';
  const cookies = r.headers.cookie ? r.headers.cookie.split(/;\s*/).filter(Boolean) : undefined;

  const query: Record<string, string> = {};
  for (const key of new Set(r.query.keys())) query[key] = r.query.getAll(key).join(',');
  const pathParameters: Record<string, string> = {};
  c.params.forEach((name, i) => (pathParameters[name] = decode(match[i + 1]!)));

  const text = r.body.length === 0 || isUtf8Text(r.body);
  const rawQueryString = r.query.toString();
  const domainName = host.split(':')[0]!;
  return {
    version: '2.0',
    routeKey,
    rawPath: r.path,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    ...(c.params.length ? { pathParameters } : {}),
    ...(r.body.length ? { body: text ? r.body.toString('utf8') : r.body.toString('base64') } : {}),
    isBase64Encoded: !text,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0]!,
      http: {
        method: r.method,
        path: r.path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: sourceIpOf(req),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: requestId(),
      routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
  };
}

/** How API Gateway turns a payload 2.0 result into a response. */
function fromResult(result: unknown): { response: LocalResponse; cookies: string[] } {
  if (result && typeof result === 'object' && typeof (result as { statusCode?: unknown }).statusCode === 'number') {
    const r = result as { statusCode: number; headers?: Record<string, unknown>; body?: unknown; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const body = typeof r.body === 'string' ? (r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body) : undefined;
    return { response: { status: r.statusCode, headers, ...(body !== undefined ? { body } : {}) }, cookies: r.cookies ?? [] };
  }
  // No statusCode: API Gateway assumes 200 and sends the value as JSON.
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { response: { status: 200, headers: { 'content-type': 'application/json' }, body }, cookies: [] };
}

export function createHttpGateway(opts: HttpGatewayOptions): RequestListener {
  const log = opts.log ?? (() => undefined);
  const routes = opts.routes.map(({ route, handler }) => compile(route, handler)).sort((a, b) => b.literals - a.literals);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const refused = locked(req, url.pathname);
    if (refused) {
      req.resume();
      return send(res, { ...refused, headers: { ...refused.headers, connection: 'close' } });
    }
    const body = await readBody(req);
    if (!body) return send(res, jsonResponse(413, { message: 'Request Entity Too Large' }));
    const r: LocalRequest = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body };

    const early = await opts.before?.(r);
    if (early) return send(res, early);

    for (const c of routes) {
      if (c.route.method !== method) continue;
      const match = c.pattern.exec(r.path);
      if (!match) continue;
      const event = buildEvent(req, r, c, match);
      try {
        const { response, cookies } = fromResult(await c.handler.invoke(event));
        return send(res, response, cookies);
      } catch (e) {
        log(`${event.routeKey} failed: ${(e as Error)?.stack ?? String(e)}`);
        return send(res, jsonResponse(500, { message: 'Internal Server Error' }));
      }
    }

    const late = await opts.after?.(r);
    return send(res, late ?? notFound());
  }

  return (req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`local gateway error: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) send(res, jsonResponse(500, { message: 'Internal Server Error' }));
      else res.destroy();
    });
  };
}
