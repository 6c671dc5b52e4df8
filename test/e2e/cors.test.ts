/**
 * SPEC §10.1 CORS and the SPEC §9 local lock, from the outside of the offline stack: what a
 * browser on a customer's site (`https://customer.example`) may do with the API, and what a page of
 * another site may not do with the `/_local/` helpers or the WebSocket. Last, the same in real
 * Chromium: a page served from a second local origin calls the widget route and the helpers.
 */
import { createServer, type Server } from 'node:http';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, AgentSocket, call, startTestStack, uid } from '../support/offline.js';
import { rawRequest } from '../support/raw-http.js';
import { CHROMIUM_PATH, haveChromium, launchChromium } from '../support/browser.js';
import { freePort } from '../../local/free-port.js';
import { getAgent } from '../../lambdas/store/agents.js';
import { dynamo } from '../../lambdas/platform/clients.js';

const CUSTOMER = 'https://customer.example';

let stack: OfflineStack;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack();
}, 120_000);

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
});

/** A workspace with one signed-in agent (so the workspace exists), and that agent's token. */
async function workspace(): Promise<{ ws: string; token: string }> {
  const ws = uid('ws');
  const agentId = uid('agent');
  return { ws, token: await agentToken(stack, { workspaceId: ws, agentId, email: `${agentId}@example.com`, name: 'Ada' }) };
}

function preflight(path: string, origin: string, method: string) {
  return fetch(`${stack.httpUrl}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,authorization' },
  });
}

async function conversation(ws: string, origin = CUSTOMER) {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, {
    body: { visitor: { name: 'Vic' }, message: { body: 'hi' } },
    headers: { origin },
  });
  expect(r.status).toBe(201);
  return r;
}

describe('SPEC §10.1 CORS: visitor routes from any origin, agent routes from the console only', () => {
  test('a preflight from a customer site on each visitor route is allowed, with no credentials', async () => {
    const { ws } = await workspace();
    const create = await conversation(ws);
    const id = create.json.conversationId as string;
    for (const [path, method] of [
      [`/v1/workspaces/${ws}/conversations`, 'POST'],
      [`/v1/conversations/${id}/messages`, 'POST'],
      [`/v1/conversations/${id}/messages`, 'GET'],
    ] as const) {
      const r = await preflight(path, CUSTOMER, method);
      expect(r.status).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
      expect(r.headers.get('access-control-allow-methods')?.split(',')).toContain(method);
      expect(r.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type']));
      expect(Number(r.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  test('a preflight from a customer site on an agent route gets no allow-origin; from the console it does', async () => {
    for (const [path, method] of [
      ['/v1/me', 'GET'],
      ['/v1/conversations', 'GET'],
      ['/v1/me/notification-settings', 'PUT'],
      ['/v1/me/devices/d-1', 'DELETE'],
    ] as const) {
      const foreign = await preflight(path, CUSTOMER, method);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(foreign.headers.get('access-control-allow-methods')).toBeNull();
      const console = await preflight(path, stack.httpUrl, method);
      expect(console.status).toBe(204);
      expect(console.headers.get('access-control-allow-origin')).toBe(stack.httpUrl);
      expect(console.headers.get('access-control-allow-methods')?.split(',')).toContain(method);
    }
  });

  test('a preflight for a path no route has is a 404 without CORS headers', async () => {
    const r = await preflight('/v1/nothing-here', CUSTOMER, 'GET');
    expect(r.status).toBe(404);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('the visitor calls themselves answer the customer origin, and expose Retry-After', async () => {
    const { ws } = await workspace();
    const create = await conversation(ws);
    expect(create.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    expect(create.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('retry-after');
    expect(create.headers.get('vary')).toMatch(/origin/i);
    const { conversationId, visitorToken } = create.json as { conversationId: string; visitorToken: string };
    const path = `/v1/conversations/${conversationId}/messages`;
    const post = await call(stack.httpUrl, 'POST', path, { token: visitorToken, body: { body: 'more' }, headers: { origin: CUSTOMER } });
    expect(post.status).toBe(201);
    expect(post.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    const list = await call(stack.httpUrl, 'GET', path, { token: visitorToken, headers: { origin: CUSTOMER } });
    expect(list.status).toBe(200);
    expect(list.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    // An error on a visitor route is readable too: the widget can tell the visitor what went wrong.
    const bad = await call(stack.httpUrl, 'POST', path, { token: visitorToken, body: { body: '' }, headers: { origin: CUSTOMER } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
  });

  test('agent answers carry only the console origin, whatever the Origin (on the shared message routes too)', async () => {
    const { ws, token } = await workspace();
    const me = await call(stack.httpUrl, 'GET', '/v1/me', { token, headers: { origin: CUSTOMER } });
    expect(me.status).toBe(200);
    expect(me.headers.get('access-control-allow-origin')).toBe(stack.httpUrl);
    const unauth = await call(stack.httpUrl, 'GET', '/v1/conversations', { headers: { origin: CUSTOMER } });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('access-control-allow-origin')).toBe(stack.httpUrl);
    const { conversationId } = (await conversation(ws)).json as { conversationId: string };
    const asAgent = await call(stack.httpUrl, 'GET', `/v1/conversations/${conversationId}/messages`, { token, headers: { origin: CUSTOMER } });
    expect(asAgent.status).toBe(200);
    expect(asAgent.headers.get('access-control-allow-origin')).toBe(stack.httpUrl);
  });
});

describe('SPEC §9 the local lock: only its own origin and Host', () => {
  test('/_local/token from a page of another origin is a 403, mints nothing and creates no agent', async () => {
    const ws = uid('ws');
    const agentId = uid('agent');
    const r = await call(stack.httpUrl, 'POST', '/_local/token', { body: { workspaceId: ws, agentId }, headers: { origin: CUSTOMER } });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: { code: 'origin_not_allowed', message: expect.any(String) } });
    expect(r.text).not.toContain('token"');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(await getAgent(dynamo(), stack.tableName, ws, agentId)).toBeUndefined();
    for (const [method, path] of [
      ['GET', '/_local/push'],
      ['GET', '/_local/emails'],
      ['POST', '/_local/reminders/run'],
    ] as const) {
      expect((await call(stack.httpUrl, method, path, { headers: { origin: 'http://127.0.0.1:1' } })).status).toBe(403);
    }
    // The console's own pages (either loopback name) and clients without Origin still get tokens.
    for (const origin of [stack.httpUrl, stack.httpUrl.replace('127.0.0.1', 'localhost')]) {
      const own = await call(stack.httpUrl, 'POST', '/_local/token', { body: { workspaceId: ws, agentId }, headers: { origin } });
      expect(own.status).toBe(200);
    }
  });

  test("a request whose Host is not the gateway's own (DNS rebinding) is a 403, on the API and on /_local/", async () => {
    for (const [method, path] of [
      ['GET', '/_local/health'],
      ['POST', '/_local/token'],
      ['GET', '/v1/me'],
      ['OPTIONS', '/v1/me'],
    ] as const) {
      const r = await rawRequest(stack.httpUrl, method, path, { headers: { host: `evil.example:${new URL(stack.httpUrl).port}` } });
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    }
    const other = await rawRequest(stack.httpUrl, 'GET', '/_local/health', { headers: { host: 'evil.example' } });
    expect(other.status).toBe(403);
    const localhost = await rawRequest(stack.httpUrl, 'GET', '/_local/health', { headers: { host: `localhost:${new URL(stack.httpUrl).port}` } });
    expect(localhost.status).toBe(200);
  });

  test('a console opened at localhost gets localhost URLs, so it stays same-origin', async () => {
    const port = new URL(stack.httpUrl).port;
    const r = await rawRequest(stack.httpUrl, 'GET', '/config.json', { headers: { host: `localhost:${port}` } });
    expect(r.json).toMatchObject({ apiUrl: `http://localhost:${port}`, wsUrl: stack.wsUrl.replace('127.0.0.1', 'localhost') });
  });

  function upgrade(token: string, headers: { origin?: string; host?: string }): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${stack.wsUrl}/?token=${encodeURIComponent(token)}`, {
        ...(headers.origin ? { origin: headers.origin } : {}),
        ...(headers.host ? { headers: { host: headers.host } } : {}),
      });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        resolve(res.statusCode ?? 0);
      });
      ws.once('error', reject);
    });
  }

  test("a WebSocket upgrade from a foreign origin or Host is refused; the console's origin and no Origin connect", async () => {
    const { token } = await workspace();
    const wsPort = new URL(stack.wsUrl).port;
    expect(await upgrade(token, { origin: CUSTOMER })).toBe(403);
    expect(await upgrade(token, { origin: 'null' })).toBe(403);
    expect(await upgrade(token, { host: `evil.example:${wsPort}` })).toBe(403);
    expect(await upgrade(token, { origin: stack.httpUrl })).toBe(101);
    expect(await upgrade(token, { origin: stack.httpUrl.replace('127.0.0.1', 'localhost'), host: `localhost:${wsPort}` })).toBe(101);
    expect(await upgrade(token, {})).toBe(101);
    // The lock comes before API Gateway's own 401 for a missing token: it runs before anything else.
    expect(await upgrade('', {})).toBe(401);
    expect(await upgrade('', { origin: CUSTOMER })).toBe(403);
  });

  test('@connections refuses a foreign Host or Origin', async () => {
    const { token } = await workspace();
    const s = await AgentSocket.open(stack.wsUrl, token);
    sockets.push(s);
    const wsPort = new URL(stack.wsUrl).port;
    const callback = stack.wsUrl.replace('ws://', 'http://');
    const rebound = await rawRequest(callback, 'POST', '/@connections/anything', { body: '{}', headers: { host: `evil.example:${wsPort}` } });
    expect(rebound.status).toBe(403);
    const page = await rawRequest(callback, 'POST', '/@connections/anything', { body: '{}', headers: { origin: CUSTOMER } });
    expect(page.status).toBe(403);
    // Without either, the management API answers as before (410 for an unknown id).
    expect((await rawRequest(callback, 'POST', '/@connections/anything', { body: '{}' })).status).toBe(410);
    expect(s.frames).toEqual([]);
  });
});

const chromiumHere = haveChromium();
if (!chromiumHere) console.warn(`SKIPPED the Chromium part of test/e2e/cors.test.ts: no Chromium at ${CHROMIUM_PATH}`);
(chromiumHere ? describe : describe.skip)('in Chromium: a page of another origin', () => {
  let browser: Browser;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>a customer site</title><p>widget host</p>');
    });
    await new Promise<void>((r) => site.listen(port, '127.0.0.1', () => r()));
    siteUrl = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (site ? site.close(() => r()) : r()));
  });

  test('can start a chat on the widget route, cannot mint a token at /_local/token nor read an agent route', async () => {
    const { ws, token } = await workspace();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(siteUrl);
      const outcome = await page.evaluate(
        async ({ api, ws, token }) => {
          const attempt = async (f: () => Promise<Response>) => {
            try {
              const r = await f();
              return { status: r.status, body: await r.text() };
            } catch (e) {
              return { failed: String(e) };
            }
          };
          const json = { 'content-type': 'application/json' };
          const created = await attempt(() =>
            fetch(`${api}/v1/workspaces/${ws}/conversations`, { method: 'POST', headers: json, body: JSON.stringify({ visitor: { name: 'Vic' }, message: { body: 'from a customer site' } }) }),
          );
          const minted = await attempt(() => fetch(`${api}/_local/token`, { method: 'POST', headers: json, body: JSON.stringify({ workspaceId: ws, agentId: 'intruder' }) }));
          // A simple request (no preflight): the server answers, but the browser must not let the page read it.
          const simple = await attempt(() => fetch(`${api}/_local/push`));
          const me = await attempt(() => fetch(`${api}/v1/me`, { headers: { authorization: `Bearer ${token}` } }));
          return { origin: location.origin, created, minted, simple, me };
        },
        { api: stack.httpUrl, ws, token },
      );
      expect(outcome.origin).toBe(siteUrl);
      expect(outcome.created).toMatchObject({ status: 201 });
      expect(JSON.parse((outcome.created as { body: string }).body)).toMatchObject({ conversationId: expect.any(String), visitorToken: expect.any(String) });
      expect(outcome.minted).toEqual({ failed: expect.stringContaining('Failed to fetch') });
      expect(outcome.simple).toEqual({ failed: expect.stringContaining('Failed to fetch') });
      expect(outcome.me).toEqual({ failed: expect.stringContaining('Failed to fetch') });
      expect(await getAgent(dynamo(), stack.tableName, ws, 'intruder')).toBeUndefined();
    } finally {
      await context.close();
    }
  }, 60_000);
});
