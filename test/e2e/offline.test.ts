/**
 * The offline stack from the outside: every SPEC §9 helper in its shape, the SPEC §6 error codes
 * through the local HTTP API, the SPEC §7 WebSocket replies, the `$connect` refusal, and the
 * `@connections` management API driven by the real AWS SDK client.
 */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { OfflineStack } from '../../local/stack.js';
import { connectionsOf } from '../../lambdas/store/connections.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';
import { localClientConfig, localDocClient } from '../../local/client-config.js';

let stack: OfflineStack;
let ws: string;
let token: string;
let agentId: string;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ web: true });
  ws = uid('ws');
  agentId = uid('agent');
  token = await agentToken(stack, { workspaceId: ws, agentId, email: `${agentId}@example.com`, name: 'Ada' });
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
});

async function open(t: string = token): Promise<AgentSocket> {
  const s = await AgentSocket.open(stack.wsUrl, t);
  sockets.push(s);
  return s;
}

async function newConversation(workspaceId = ws) {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, {
    body: { visitor: { name: 'Vic' }, message: { body: 'hi' } },
  });
  expect(r.status).toBe(201);
  return r.json as { conversationId: string; visitorToken: string };
}

describe('SPEC §9 helpers', () => {
  test('health answers ok', async () => {
    const r = await call(stack.httpUrl, 'GET', '/_local/health');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok' });
  });

  test('token: a JWT the API accepts, and the agent exists from then on', async () => {
    const id = uid('fresh');
    const t = await agentToken(stack, { workspaceId: ws, agentId: id, email: `${id}@example.com`, name: 'Fresh' });
    expect(t.split('.')).toHaveLength(3);
    const me = await call(stack.httpUrl, 'GET', '/v1/me', { token: t });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ agentId: id, workspaceId: ws, email: `${id}@example.com`, name: 'Fresh' });
  });

  test('token: bad ids and unknown fields are a 400 in the SPEC error shape', async () => {
    for (const body of [
      { workspaceId: 'a b', agentId: 'x' },
      { workspaceId: 'w', agentId: 'x/y' },
      { workspaceId: 'w', agentId: 'x'.repeat(129) },
      { workspaceId: 'w', agentId: 'x', admin: true },
      { agentId: 'x' },
    ]) {
      const r = await call(stack.httpUrl, 'POST', '/_local/token', { body });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    const malformed = await call(stack.httpUrl, 'POST', '/_local/token', { raw: '{"workspaceId":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('bad_request');
  });

  test('reminders/run returns its summary', async () => {
    const r = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ agentsEmailed: expect.any(Number), conversations: expect.any(Number), failed: expect.any(Number) });
  });

  test('push, push/disable and emails answer in their shapes', async () => {
    const push = await call(stack.httpUrl, 'GET', '/_local/push');
    expect(push.status).toBe(200);
    expect(Array.isArray(push.json.pushes)).toBe(true);
    const nobody = uid('nobody');
    const disable = await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: nobody } });
    expect(disable.status).toBe(200);
    expect(disable.json).toEqual({ token: nobody, disabled: false });
    const badDisable = await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: {} });
    expect(badDisable.status).toBe(400);
    const emails = await call(stack.httpUrl, 'GET', '/_local/emails');
    expect(emails.status).toBe(200);
    expect(Array.isArray(emails.json.emails)).toBe(true);
  });

  test('the console: config.json, the agent console at / and the visitor demo at /demo', async () => {
    const cfg = await call(stack.httpUrl, 'GET', '/config.json');
    expect(cfg.json).toEqual({ apiUrl: stack.httpUrl, wsUrl: stack.wsUrl, auth: { mode: 'local' } });
    for (const path of ['/', '/demo']) {
      const page = await call(stack.httpUrl, 'GET', path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text.toLowerCase()).toContain('<');
    }
  });

  test('the SES inbox page is served', async () => {
    const r = await fetch(stack.sesInboxUrl);
    expect(r.status).toBe(200);
  });
});

describe('SPEC §6 errors through the local HTTP API', () => {
  test('400: malformed JSON, an unknown field, a wrong type', async () => {
    const path = `/v1/workspaces/${ws}/conversations`;
    const malformed = await call(stack.httpUrl, 'POST', path, { raw: '{"visitor": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
    const unknown = await call(stack.httpUrl, 'POST', path, { body: { visitor: {}, extra: 1 } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toEqual({ code: expect.any(String), message: expect.stringContaining('extra') });
    const wrongType = await call(stack.httpUrl, 'POST', path, { body: { visitor: { name: 5 } } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.code).toEqual(expect.any(String));
  });

  test('401: a missing or bad token', async () => {
    const missing = await call(stack.httpUrl, 'GET', '/v1/me');
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const bad = await call(stack.httpUrl, 'GET', '/v1/me', { token: 'not.a.jwt' });
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe('unauthorized');
  });

  test('404: a conversation of another workspace, as if it did not exist', async () => {
    const other = uid('other-ws');
    await agentToken(stack, { workspaceId: other, agentId: uid('them') }); // the workspace exists once an agent signs in (§10.1)
    const theirs = await newConversation(other);
    const r = await call(stack.httpUrl, 'GET', `/v1/conversations/${theirs.conversationId}/messages`, { token });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const post = await call(stack.httpUrl, 'POST', `/v1/conversations/${theirs.conversationId}/messages`, { token, body: { body: 'x' } });
    expect(post.status).toBe(404);
  });

  test('413: a body over 10000 code points or a request over 64 KB, and nothing is written', async () => {
    const conv = await newConversation();
    const path = `/v1/conversations/${conv.conversationId}/messages`;
    const long = await call(stack.httpUrl, 'POST', path, { token: conv.visitorToken, body: { body: '😀'.repeat(10_001) } });
    expect(long.status).toBe(413);
    expect(long.json).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    const exactly = '😀'.repeat(10_000); // 20000 UTF-16 units, 10000 code points: allowed
    const ok = await call(stack.httpUrl, 'POST', path, { token: conv.visitorToken, body: { body: exactly } });
    expect(ok.status).toBe(201);
    const big = await call(stack.httpUrl, 'POST', path, { token: conv.visitorToken, raw: JSON.stringify({ body: 'x', pad: 'a'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    const list = await call(stack.httpUrl, 'GET', path, { token: conv.visitorToken });
    expect(list.status).toBe(200);
    expect(list.json.messages.map((m: { body: string }) => m.body)).toEqual(['hi', exactly]);
  });

  test('the gateway: an unknown route is a 404, a payload over 10 MB a 413, CORS is answered for the console', async () => {
    const unknown = await call(stack.httpUrl, 'GET', '/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const wrongMethod = await call(stack.httpUrl, 'DELETE', '/v1/me');
    expect(wrongMethod.status).toBe(404);
    const huge = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { raw: Buffer.alloc(10 * 1024 * 1024 + 1, 'a') });
    expect(huge.status).toBe(413);
    // The console is served from the stack's own origin (CONSOLE_URL); test/e2e/cors.test.ts has the other origins.
    const preflight = await fetch(`${stack.httpUrl}/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: stack.httpUrl, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(stack.httpUrl);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const me = await call(stack.httpUrl, 'GET', '/v1/me', { token });
    expect(me.headers.get('access-control-allow-origin')).toBe(stack.httpUrl);
  });
});

describe('SPEC §7 WebSocket', () => {
  test('ping → pong, markRead → read, sendMessage → ack', async () => {
    const conv = await newConversation();
    const s = await open();
    s.send({ action: 'ping' });
    await s.waitFor((f) => f.type === 'pong', 'pong');
    s.send({ action: 'markRead', conversationId: conv.conversationId });
    expect(await s.waitFor((f) => f.type === 'read', 'read')).toEqual({ type: 'read', conversationId: conv.conversationId, readSeq: 1 });
    s.send({ action: 'sendMessage', conversationId: conv.conversationId, body: 'an answer', clientMessageId: 'c-1' });
    expect(await s.waitFor((f) => f.type === 'ack', 'ack')).toEqual({ type: 'ack', clientMessageId: 'c-1', messageId: expect.any(String), seq: 2 });
    const list = await call(stack.httpUrl, 'GET', `/v1/conversations/${conv.conversationId}/messages`, { token });
    expect(list.json.messages.map((m: { body: string }) => m.body)).toEqual(['hi', 'an answer']);
  });

  test('bad frames get an error frame and the connection stays open', async () => {
    const s = await open();
    s.send('this is not json');
    s.send({ action: 'fly' });
    s.send({ action: 'markRead', conversationId: 42 });
    // (A frame over 32 KB is not a bad frame here: it closes the connection, websocket-limits.test.ts.)
    const errors = await eventually(() => {
      const e = s.frames.filter((f) => f.type === 'error');
      return e.length >= 3 ? e : undefined;
    }, 'three error frames');
    for (const e of errors) expect(e).toEqual({ type: 'error', code: expect.any(String), message: expect.any(String) });
    expect(errors.map((e) => e.code)).toEqual(expect.arrayContaining(['bad_request', 'unknown_action', 'validation_error']));
    s.send({ action: 'ping' });
    await s.waitFor((f) => f.type === 'pong', 'pong after the bad frames');
    expect(s.closed).toBeUndefined();
  });

  test('a bad or missing token refuses the connection', async () => {
    await expect(open('not-a-token')).rejects.toMatchObject({ statusCode: 403 });
    await expect(AgentSocket.open(stack.wsUrl, undefined)).rejects.toMatchObject({ statusCode: 401 });
  });

  test('@connections with the real ApiGatewayManagementApiClient: post, get, delete, 410 for the gone', async () => {
    const id = uid('mgmt');
    const t = await agentToken(stack, { workspaceId: ws, agentId: id, email: `${id}@example.com`, name: 'Mo' });
    const s = await open(t);
    const doc = localDocClient(stack.dynamoEndpoint);
    const [conn] = await eventually(async () => {
      const c = await connectionsOf(doc, stack.tableName, ws, id);
      return c.length ? c : undefined;
    }, 'the stored connection');
    const client = new ApiGatewayManagementApiClient(localClientConfig(stack.wsUrl.replace(/^ws:/, 'http:')));
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: conn!.connectionId, Data: Buffer.from(JSON.stringify({ type: 'hello' })) }));
      await s.waitFor((f) => f.type === 'hello', 'the posted frame');

      const info = await client.send(new GetConnectionCommand({ ConnectionId: conn!.connectionId }));
      expect(info.ConnectedAt).toBeInstanceOf(Date);
      expect(info.LastActiveAt).toBeInstanceOf(Date);
      expect(info.Identity?.SourceIp).toBe('127.0.0.1');

      await client.send(new DeleteConnectionCommand({ ConnectionId: conn!.connectionId }));
      await eventually(() => s.closed, 'the socket to close');
      // $disconnect ran: the connection is forgotten.
      await eventually(async () => (await connectionsOf(doc, stack.tableName, ws, id)).length === 0, 'the connection to be forgotten');

      await expect(client.send(new PostToConnectionCommand({ ConnectionId: conn!.connectionId, Data: Buffer.from('{}') }))).rejects.toMatchObject({
        name: 'GoneException',
        $metadata: { httpStatusCode: 410 },
      });
    } finally {
      client.destroy();
      doc.destroy();
    }
  });
});
