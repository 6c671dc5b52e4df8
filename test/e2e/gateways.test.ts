/**
 * What the local gateways do around a Lambda, seen from the handler's side: the events they build
 * and how they treat what a handler returns or throws. The handlers here are small recorders (the
 * real ones are exercised in offline.test.ts); the gateways, sockets and HTTP are real.
 */
import { createServer, type Server } from 'node:http';
import WebSocket from 'ws';
import { createHttpGateway } from '../../local/http-gateway.js';
import { startWsGateway, type WsGateway } from '../../local/ws-gateway.js';
import { freePort } from '../../local/free-port.js';
import type { LoadedHandler } from '../../local/invoke.js';
import type { HttpRoute, WsRoute } from '../../lib/routes.js';
import { eventually } from '../support/offline.js';

function recorder(name: string, answer: (event: any) => unknown): LoadedHandler & { events: any[] } {
  const events: any[] = [];
  return {
    name,
    events,
    invoke: async (event) => {
      events.push(event);
      return answer(event);
    },
  };
}

describe('HTTP API gateway (payload format 2.0)', () => {
  let server: Server;
  let base: string;
  const items = recorder('items', (e) =>
    e.rawPath.endsWith('/raw')
      ? { statusCode: 202, headers: { 'X-Thing': 7 }, body: Buffer.from([0xff, 0x00, 0x01]).toString('base64'), isBase64Encoded: true, cookies: ['a=1', 'b=2'] }
      : { plain: 'object' },
  );
  const boom = recorder('boom', () => {
    throw new Error('handler crashed');
  });
  const preflight = recorder('preflight', () => ({ statusCode: 204, headers: { 'access-control-allow-origin': 'https://only.example' } }));
  const routes: Array<{ route: HttpRoute; handler: LoadedHandler }> = [
    { route: { method: 'POST', path: '/v1/things/{thingId}/items', handler: 'items', grants: [] }, handler: items },
    { route: { method: 'GET', path: '/v1/things/{thingId}/raw', handler: 'items', grants: [] }, handler: items },
    { route: { method: 'GET', path: '/v1/boom', handler: 'boom', grants: [] }, handler: boom },
    { route: { method: 'OPTIONS', path: '/{proxy+}', handler: 'preflight', grants: [] }, handler: preflight },
  ];

  beforeAll(async () => {
    const port = await freePort();
    server = createServer(createHttpGateway({ routes }));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('the event: route key, raw path and query, lower-cased headers, cookies, decoded path parameters, text body', async () => {
    const r = await fetch(`${base}/v1/things/a%20b/items?x=1&x=2&y=z`, {
      method: 'POST',
      headers: { 'X-Custom': 'Yes', cookie: 'c1=v1; c2=v2', 'content-type': 'application/json', 'user-agent': 'jest' },
      body: '{"héllo":"wörld"}',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toEqual({ plain: 'object' });
    const e = items.events.at(-1);
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/things/{thingId}/items',
      rawPath: '/v1/things/a%20b/items',
      rawQueryString: 'x=1&x=2&y=z',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { x: '1,2', y: 'z' },
      pathParameters: { thingId: 'a b' },
      body: '{"héllo":"wörld"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/v1/things/a%20b/items', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
        routeKey: 'POST /v1/things/{thingId}/items',
        stage: '$default',
        requestId: expect.any(String),
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
        accountId: expect.any(String),
        apiId: expect.any(String),
        domainName: '127.0.0.1',
      },
    });
    expect(e.headers['x-custom']).toBe('Yes');
    expect(e.headers.cookie).toBeUndefined();
  });

  test('a body that is not UTF-8 arrives base64-encoded', async () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0xff]);
    await fetch(`${base}/v1/things/t1/items`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
    const e = items.events.at(-1);
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body, 'base64')).toEqual(bytes);
  });

  test('a structured result: status, headers, base64 body and cookies are honoured', async () => {
    const r = await fetch(`${base}/v1/things/t1/raw`);
    expect(r.status).toBe(202);
    expect(r.headers.get('x-thing')).toBe('7');
    expect(r.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(Buffer.from(await r.arrayBuffer())).toEqual(Buffer.from([0xff, 0x00, 0x01]));
  });

  test("CORS is the handlers' as on an HTTP API without CORS configuration: OPTIONS is routed, no header is added", async () => {
    const r = await fetch(`${base}/v1/things/t1/items`, { method: 'OPTIONS', headers: { origin: 'https://site.example', 'access-control-request-method': 'POST' } });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://only.example');
    expect(preflight.events.at(-1)).toMatchObject({ routeKey: 'OPTIONS /{proxy+}', rawPath: '/v1/things/t1/items', pathParameters: { proxy: 'v1/things/t1/items' } });
    const plain = await fetch(`${base}/v1/things/t1/raw`, { headers: { origin: 'https://site.example' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const missing = await fetch(`${base}/v1/nothing`, { headers: { origin: 'https://site.example' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a handler that throws is a 500, and the gateway keeps serving', async () => {
    const r = await fetch(`${base}/v1/boom`);
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ message: 'Internal Server Error' });
    expect((await fetch(`${base}/v1/things/t1/raw`)).status).toBe(202);
  });
});

describe('WebSocket gateway', () => {
  let gw: WsGateway;
  const authorizer = recorder('authorizer', (e) => {
    const token = e.queryStringParameters.token;
    if (token === 'crash') throw new Error('authorizer bug');
    const effect = token === 'good' || token === 'refuse-connect' || token === 'crash-connect' ? 'Allow' : 'Deny';
    return {
      principalId: 'agent-1',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: e.methodArn }] },
      context: { agentId: 'agent-1', workspaceId: 'ws-1', token },
    };
  });
  const connect = recorder('connect', (e) => {
    if (e.requestContext.authorizer.token === 'crash-connect') throw new Error('connect bug');
    return { statusCode: e.requestContext.authorizer.token === 'refuse-connect' ? 401 : 200 };
  });
  const disconnect = recorder('disconnect', () => ({ statusCode: 200 }));
  const echo = recorder('echo', (e) => ({ statusCode: 200, body: JSON.stringify({ type: 'echo', route: e.requestContext.routeKey }) }));
  const oneWay = recorder('oneWay', () => ({ statusCode: 200, body: 'never sent' }));
  const fallback = recorder('fallback', (e) => ({ statusCode: 200, body: JSON.stringify({ type: 'fallback', body: e.body }) }));
  const routes: Array<{ route: WsRoute; handler: LoadedHandler }> = [
    { route: { routeKey: '$connect', handler: 'connect', grants: [], returnsResponse: false }, handler: connect },
    { route: { routeKey: '$disconnect', handler: 'disconnect', grants: [], returnsResponse: false }, handler: disconnect },
    { route: { routeKey: 'echo', handler: 'echo', grants: [], returnsResponse: true }, handler: echo },
    { route: { routeKey: 'oneWay', handler: 'oneWay', grants: [], returnsResponse: false }, handler: oneWay },
    { route: { routeKey: '$default', handler: 'fallback', grants: [], returnsResponse: true }, handler: fallback },
  ];

  beforeAll(async () => {
    gw = await startWsGateway({ port: await freePort(), authorizer, routes });
  });
  afterAll(() => gw.close());

  function open(token: string): Promise<{ ws: WebSocket; frames: any[] }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${gw.url}/?token=${token}`);
      const frames: any[] = [];
      ws.on('message', (d) => {
        try {
          frames.push(JSON.parse(d.toString()));
        } catch {
          frames.push(d.toString());
        }
      });
      ws.once('open', () => resolve({ ws, frames }));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { statusCode: res.statusCode })));
      ws.once('error', reject);
    });
  }

  test('refusals: Deny → 403, authorizer throw → 500, connect handler non-2xx → its status, connect throw → 500', async () => {
    await expect(open('bad')).rejects.toMatchObject({ statusCode: 403 });
    await expect(open('crash')).rejects.toMatchObject({ statusCode: 500 });
    await expect(open('refuse-connect')).rejects.toMatchObject({ statusCode: 401 });
    await expect(open('crash-connect')).rejects.toMatchObject({ statusCode: 500 });
    expect(gw.connectionCount()).toBe(0);
  });

  test('the authorizer context rides on every event; route selection on action with $default fallback; $disconnect has the close code', async () => {
    const { ws, frames } = await open('good');
    const authz = authorizer.events.at(-1);
    expect(authz).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:local/local/$connect',
      queryStringParameters: { token: 'good' },
    });
    const connectionId = connect.events.at(-1).requestContext.connectionId;
    expect(connect.events.at(-1).requestContext).toMatchObject({ eventType: 'CONNECT', routeKey: '$connect' });

    // The one-way route first: anything it sent back would arrive before the replies that follow.
    ws.send(JSON.stringify({ action: 'oneWay' }));
    await eventually(() => oneWay.events.length >= 1, 'the one-way call');
    ws.send(JSON.stringify({ action: 'echo' }));
    ws.send(JSON.stringify({ action: 'nope' }));
    ws.send('not json');
    await eventually(() => frames.length >= 3, 'three replies');
    expect(frames).toEqual(
      expect.arrayContaining([
        { type: 'echo', route: 'echo' },
        { type: 'fallback', body: '{"action":"nope"}' },
        { type: 'fallback', body: 'not json' },
      ]),
    );
    expect(frames).toHaveLength(3);

    for (const e of [connect.events.at(-1), echo.events.at(-1), oneWay.events.at(-1), fallback.events.at(-1)]) {
      expect(e.requestContext.connectionId).toBe(connectionId);
      expect(e.requestContext.authorizer).toMatchObject({ agentId: 'agent-1', workspaceId: 'ws-1', principalId: 'agent-1' });
    }
    expect(echo.events.at(-1).requestContext).toMatchObject({ eventType: 'MESSAGE', routeKey: 'echo', stage: 'local' });

    ws.close(4001, 'bye');
    const d = await eventually(() => disconnect.events.find((e) => e.requestContext.connectionId === connectionId), '$disconnect');
    expect(d.requestContext).toMatchObject({
      eventType: 'DISCONNECT',
      routeKey: '$disconnect',
      disconnectStatusCode: 4001,
      disconnectReason: 'bye',
      authorizer: { agentId: 'agent-1' },
    });
  });

  function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  test('a frame over 32 KB closes the connection with 1009 and reaches no route, as API Gateway does', async () => {
    const { ws, frames } = await open('good');
    const echoed = echo.events.length;
    const done = closed(ws);
    ws.send(JSON.stringify({ action: 'echo', pad: 'x'.repeat(33 * 1024) }));
    expect((await done).code).toBe(1009);
    expect(echo.events.length).toBe(echoed);
    expect(frames).toEqual([]);
  });

  test('a frame just under 32 KB passes, and so does a 60 KB message in two frames (API Gateway limits frames to 32 KB, messages to 128 KB)', async () => {
    const { ws, frames } = await open('good');
    ws.send(JSON.stringify({ action: 'echo', pad: 'x'.repeat(31 * 1024) }));
    await eventually(() => frames.length >= 1, 'the echo of a 31 KB frame');
    const text = JSON.stringify({ action: 'echo', pad: 'y'.repeat(60 * 1024) });
    const half = Math.floor(text.length / 2);
    ws.send(text.slice(0, half), { fin: false });
    ws.send(text.slice(half), { fin: true });
    await eventually(() => frames.length >= 2, 'the echo of a fragmented 60 KB message');
    expect(frames).toEqual([
      { type: 'echo', route: 'echo' },
      { type: 'echo', route: 'echo' },
    ]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    // Over 128 KB in frames of 27 KB each: the message limit closes it.
    const done = closed(ws);
    for (let i = 0; i < 5; i++) ws.send('z'.repeat(27 * 1024), { fin: i === 4 });
    expect((await done).code).toBe(1009);
    expect(frames).toHaveLength(2);
  });

  test('@connections DELETE closes the socket with 1008 and answers 204', async () => {
    const { ws } = await open('good');
    const connectionId = connect.events.at(-1).requestContext.connectionId as string;
    const done = closed(ws);
    const r = await fetch(`${gw.callbackUrl}/@connections/${encodeURIComponent(connectionId)}`, { method: 'DELETE' });
    expect(r.status).toBe(204);
    expect((await done).code).toBe(1008);
    const d = await eventually(() => disconnect.events.find((e) => e.requestContext.connectionId === connectionId), '$disconnect');
    expect(d.requestContext.disconnectStatusCode).toBe(1008);
  });

  test('@connections over plain HTTP: 410 with GoneException for an unknown id', async () => {
    const r = await fetch(`${gw.callbackUrl}/@connections/${encodeURIComponent('nope=')}`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(410);
    expect(r.headers.get('x-amzn-errortype')).toBe('GoneException');
    expect(await r.json()).toEqual({ message: expect.any(String) });
  });
});
