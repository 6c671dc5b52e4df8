/**
 * The local WebSocket API, after serverless-offline's emulation of API Gateway WebSocket APIs:
 *
 * - `$connect`: during the HTTP upgrade, the REQUEST authorizer (identity source: the `token`
 *   query parameter; absent → 401 without calling it), then the connect handler. A Deny → 403, an
 *   authorizer throw → 401 ("Unauthorized") or 500, a connect handler throw or non-2xx → its status
 *   or 500; a refused upgrade gets no socket. The authorizer's `context` (and `principalId`) rides
 *   in `requestContext.authorizer` of every later event on the connection.
 * - Messages: route selection on `$request.body.action`, `$default` for anything else (non-JSON
 *   included); a two-way route's returned `body` is sent back on the socket.
 * - Size: a client frame over 32 KB, or a message over 128 KB, closes the connection with 1009
 *   and reaches no route, as on API Gateway ("If a larger message (or larger frame size) is
 *   received, the connection is closed with code 1009",
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
 *   Frames are measured on the wire (local/frame-limit.ts); the `ws` library closes over 128 KB.
 * - `$disconnect` after close, with `disconnectStatusCode` and `disconnectReason`.
 * - The `@connections/{id}` management API on the same port (with or without a stage prefix):
 *   POST sends the body as a text frame, GET describes, DELETE closes; unknown ids → 410
 *   GoneException, which is what the real ApiGatewayManagementApiClient expects. DELETE closes
 *   with 1008 (SPEC §10.3): AWS documents no code for it and DeleteConnection takes none
 *   (https://github.com/aws/aws-sdk-js/issues/3636); one report shows `$disconnect` with 1000
 *   "Connection Closed Normally" after it (https://github.com/boto/boto3/issues/3789), so a client
 *   must not rely on the code to tell why it was closed.
 * - Local only (SPEC §9, local/local-lock.ts): an upgrade or an @connections call whose Host is
 *   not this server's is refused with 403, and so is one whose `Origin` (a web page's) is not the
 *   console's: a page of another site cannot open an agent's socket or post to one.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import type { WsRoute } from '../lib/routes.js';
import type { LoadedHandler } from './invoke.js';
import { sourceIpOf } from './http-gateway.js';
import { MAX_FRAME_BYTES } from '../lambdas/edge/ws-frames.js';
import { hasForeignOrigin, hasOwnHost, loopbackAliases } from './local-lock.js';
import { frameSizeWatch } from './frame-limit.js';

/** API Gateway's WebSocket message limit (also what @connections accepts). */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** Close codes (RFC 6455 §7.4.1): over a size limit; closed by @connections DELETE (see above). */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_DELETED = 1008;

const STAGE = 'local';
const API_ID = 'local';

export interface WsGatewayOptions {
  port: number;
  authorizer: LoadedHandler;
  routes: ReadonlyArray<{ route: WsRoute; handler: LoadedHandler }>;
  /** The one web origin whose pages may connect (the console's); without it, only non-browser clients. */
  consoleOrigin?: string;
  log?: (line: string) => void;
}

export interface WsGateway {
  url: string;
  /** What WS_CALLBACK_URL points at: the @connections API's base. */
  callbackUrl: string;
  server: Server;
  connectionCount(): number;
  close(): Promise<void>;
}

/** A connection as its events describe it. */
interface ConnInfo {
  id: string;
  connectedAt: Date;
  sourceIp: string;
  userAgent: string;
  /** The authorizer's context: absent only in the authorizer's own event. */
  authorizer?: Record<string, unknown>;
}

interface Conn extends ConnInfo {
  socket: WebSocket;
  lastActiveAt: Date;
  authorizer: Record<string, unknown>;
}

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Like API Gateway's ids (`L0SM9cOFvHcCIhw=`): base64, so clients must URL-encode them as they must on AWS. */
function newConnectionId(): string {
  return randomBytes(11).toString('base64');
}

function isAllowed(result: unknown): boolean {
  const statements = (result as { policyDocument?: { Statement?: Array<{ Effect?: string; Action?: string | string[] }> } } | undefined)?.policyDocument?.Statement;
  if (!Array.isArray(statements) || statements.length === 0) return false;
  if (statements.some((s) => s.Effect === 'Deny')) return false;
  return statements.some((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*'));
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` + 'Connection: close\r\nContent-Type: application/json\r\n' + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function singleValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key).at(-1)!;
  return out;
}

function multiValues(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key);
  return out;
}

/** The upgrade request as the `$connect` authorizer and handler both receive it. */
function upgradeRequest(req: IncomingMessage, url: URL) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
    multiValueHeaders[name] = Array.isArray(value) ? value : [value];
  }
  return {
    headers,
    multiValueHeaders,
    queryStringParameters: singleValues(url.searchParams),
    multiValueQueryStringParameters: multiValues(url.searchParams),
  };
}

export async function startWsGateway(opts: WsGatewayOptions): Promise<WsGateway> {
  const log = opts.log ?? (() => undefined);
  const routes = new Map(opts.routes.map((r) => [r.route.routeKey, r]));
  const connect = routes.get('$connect');
  const disconnect = routes.get('$disconnect');
  const connections = new Map<string, Conn>();
  const pageOrigins = opts.consoleOrigin ? loopbackAliases(opts.consoleOrigin) : [];
  const foreign = (req: IncomingMessage) => !hasOwnHost(req) || hasForeignOrigin(req, pageOrigins);
  const inFlight = new Set<Promise<unknown>>();
  let domainName = '127.0.0.1';

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  function context(routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', c: ConnInfo) {
    const now = new Date();
    return {
      routeKey,
      eventType,
      extendedRequestId: randomUUID(),
      requestTime: now.toISOString(),
      messageDirection: 'IN',
      stage: STAGE,
      connectedAt: c.connectedAt.getTime(),
      requestTimeEpoch: now.getTime(),
      identity: { sourceIp: c.sourceIp, userAgent: c.userAgent },
      requestId: randomUUID(),
      domainName,
      connectionId: c.id,
      apiId: API_ID,
      ...(c.authorizer ? { authorizer: c.authorizer } : {}),
    };
  }

  async function authorize(request: ReturnType<typeof upgradeRequest>, c: ConnInfo): Promise<Record<string, unknown>> {
    // API Gateway answers 401 itself when the identity source is missing, without calling the authorizer.
    if (!request.multiValueQueryStringParameters.token?.[0]) throw new Refused(401, 'Unauthorized');
    const methodArn = `arn:aws:execute-api:local:000000000000:${API_ID}/${STAGE}/$connect`;
    let result: unknown;
    try {
      result = await opts.authorizer.invoke({
        type: 'REQUEST',
        methodArn,
        ...request,
        stageVariables: {},
        requestContext: context('$connect', 'CONNECT', c),
      });
    } catch (e) {
      if ((e as Error)?.message === 'Unauthorized') throw new Refused(401, 'Unauthorized');
      log(`$connect authorizer failed: ${(e as Error)?.stack ?? String(e)}`);
      throw new Refused(500, 'Internal server error');
    }
    if (!isAllowed(result)) throw new Refused(403, 'Forbidden');
    const r = result as { principalId?: unknown; context?: Record<string, unknown> };
    return { ...(r.context ?? {}), principalId: r.principalId, integrationLatency: 0 };
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    domainName = (req.headers.host ?? domainName).split(':')[0]!;
    const request = upgradeRequest(req, url);
    const info: ConnInfo = { id: newConnectionId(), connectedAt: new Date(), sourceIp: sourceIpOf(req), userAgent: request.headers['user-agent'] ?? '' };
    let base: ConnInfo & { authorizer: Record<string, unknown> };
    try {
      base = { ...info, authorizer: await authorize(request, info) };
      if (connect) {
        let result: unknown;
        try {
          result = await connect.handler.invoke({ ...request, requestContext: context('$connect', 'CONNECT', base), isBase64Encoded: false });
        } catch (e) {
          log(`$connect failed: ${(e as Error)?.stack ?? String(e)}`);
          throw new Refused(500, 'Internal server error');
        }
        const status = (result as { statusCode?: unknown } | undefined)?.statusCode;
        if (typeof status === 'number' && (status < 200 || status > 299)) {
          throw new Refused(status >= 400 && status <= 599 ? status : 500, STATUS_CODES[status] ?? 'Refused');
        }
      }
    } catch (e) {
      if (e instanceof Refused) return refuse(socket, e.status, e.message);
      throw e;
    }
    if (socket.destroyed) {
      // The client left while $connect ran: API Gateway would still report the disconnect.
      await invokeDisconnect(base, 1006, 'client went away during $connect');
      return;
    }
    // Before `ws` attaches its own reader, so an oversize frame is seen before `ws` delivers it.
    let oversize = false;
    let opened: WebSocket | undefined;
    socket.on(
      'data',
      frameSizeWatch(MAX_FRAME_BYTES, () => {
        oversize = true;
        opened?.close(CLOSE_TOO_BIG, 'Message too big');
      }),
    );
    wss.handleUpgrade(req, socket, head, (ws) => {
      opened = ws;
      const conn: Conn = { ...base, socket: ws, lastActiveAt: new Date() };
      connections.set(conn.id, conn);
      if (oversize) ws.close(CLOSE_TOO_BIG, 'Message too big');
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        if (oversize) return;
        conn.lastActiveAt = new Date();
        const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        void track(onMessage(conn, buf));
      });
      ws.on('close', (code: number, reason: Buffer) => {
        connections.delete(conn.id);
        void track(invokeDisconnect(conn, code, reason.toString('utf8')));
      });
      ws.on('error', (e: Error) => log(`websocket ${conn.id}: ${e.message}`));
    });
  }

  async function invokeDisconnect(c: ConnInfo, code: number, reason: string): Promise<void> {
    if (!disconnect) return;
    try {
      await disconnect.handler.invoke({
        headers: {},
        multiValueHeaders: {},
        requestContext: { ...context('$disconnect', 'DISCONNECT', c), disconnectStatusCode: code, disconnectReason: reason },
        isBase64Encoded: false,
      });
    } catch (e) {
      log(`$disconnect failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  function sendFrame(conn: Conn, text: string): void {
    if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(text);
  }

  async function onMessage(conn: Conn, data: Buffer): Promise<void> {
    const body = data.toString('utf8');
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown } | null)?.action;
    } catch {
      action = undefined;
    }
    const selected = (typeof action === 'string' && !action.startsWith('$') && routes.get(action)) || routes.get('$default');
    if (!selected) {
      sendFrame(conn, JSON.stringify({ message: 'Forbidden', connectionId: conn.id, requestId: randomUUID() }));
      return;
    }
    const requestContext = { ...context(selected.route.routeKey, 'MESSAGE', conn), messageId: randomUUID() };
    let result: unknown;
    try {
      result = await selected.handler.invoke({ requestContext, body, isBase64Encoded: false });
    } catch (e) {
      log(`websocket route ${selected.route.routeKey} failed: ${(e as Error)?.stack ?? String(e)}`);
      sendFrame(conn, JSON.stringify({ message: 'Internal server error', connectionId: conn.id, requestId: requestContext.requestId }));
      return;
    }
    if (!selected.route.returnsResponse) return;
    const reply = typeof result === 'string' ? result : (result as { body?: unknown } | undefined)?.body;
    if (typeof reply === 'string') sendFrame(conn, reply);
  }

  function answer(res: ServerResponse, status: number, body?: unknown, errorType?: string): void {
    const headers: Record<string, string> = { 'x-amzn-requestid': randomUUID() };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  async function onManagement(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const m = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(url.pathname);
    if (!m) return answer(res, url.pathname === '/' ? 426 : 404, { message: url.pathname === '/' ? 'Upgrade Required' : 'Not Found' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const id = decodeURIComponent(m[1]!);
    const conn = connections.get(id);
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) return answer(res, 410, { message: `connection ${id} is gone` }, 'GoneException');
    switch (req.method) {
      case 'POST': {
        const data = Buffer.concat(chunks);
        if (data.length > MAX_MESSAGE_BYTES) return answer(res, 413, { message: 'payload too large' }, 'PayloadTooLargeException');
        conn.socket.send(data.toString('utf8'));
        return answer(res, 200);
      }
      case 'GET':
        // The wire names are lower camel (the model's jsonName); the SDK hands them out as ConnectedAt, Identity.SourceIp ...
        return answer(res, 200, {
          connectedAt: conn.connectedAt.toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: conn.lastActiveAt.toISOString(),
        });
      case 'DELETE':
        conn.socket.close(CLOSE_DELETED, 'closed by @connections DELETE');
        return answer(res, 204);
      default:
        return answer(res, 403, { message: 'Forbidden' }, 'ForbiddenException');
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const server = createServer((req, res) => {
    if (foreign(req)) {
      req.resume();
      return answer(res, 403, { message: 'Forbidden' }, 'ForbiddenException');
    }
    onManagement(req, res).catch((e: unknown) => {
      log(`@connections failed: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) answer(res, 500, { message: 'Internal server error' });
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (foreign(req)) return refuse(socket, 403, 'Forbidden');
    track(onUpgrade(req, socket, head)).catch((e: unknown) => {
      log(`websocket upgrade failed: ${(e as Error)?.stack ?? String(e)}`);
      if (!socket.destroyed) refuse(socket, 500, 'Internal server error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    url: `ws://127.0.0.1:${opts.port}`,
    callbackUrl: `http://127.0.0.1:${opts.port}`,
    server,
    connectionCount: () => connections.size,
    close: async () => {
      for (const c of connections.values()) c.socket.close(1001, 'going away');
      // Let the $disconnect handlers finish while the table is still there.
      const deadline = Date.now() + 5000;
      while ((connections.size > 0 || inFlight.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      for (const c of connections.values()) c.socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
