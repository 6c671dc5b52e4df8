/**
 * The server routes the console needs (SPEC §6), black-box over the offline stack: the workspace's
 * agents by name (GET /v1/agents), the caller's devices without their tokens (GET /v1/me/devices),
 * and device tokens checked per platform at registration.
 */
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, AgentSocket, apnsToken, call, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;

beforeAll(async () => {
  stack = await startTestStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function signIn(workspaceId: string, agentId: string, name: string, role?: 'admin'): Promise<string> {
  const token = await agentToken(stack, { workspaceId, agentId, name, email: `${agentId}@example.com`, ...(role ? { role } : {}) } as never);
  // GET /v1/me is what the console does first: it records the agent (and its name).
  expect((await call(stack.httpUrl, 'GET', '/v1/me', { token })).status).toBe(200);
  return token;
}

describe('GET /v1/agents', () => {
  test("lists the workspace's agents by name, follows renames, leaves removed agents and other workspaces out", async () => {
    const ws = uid('ws');
    const admin = await signIn(ws, 'zoe', 'Zoe Admin', 'admin');
    await signIn(ws, 'xavier', 'Xavier');
    await signIn(ws, 'yann', 'Yann');
    await signIn(uid('other'), 'stranger', 'Not In This Workspace');

    const r = await call(stack.httpUrl, 'GET', '/v1/agents', { token: admin });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      agents: [
        { agentId: 'xavier', name: 'Xavier' },
        { agentId: 'yann', name: 'Yann' },
        { agentId: 'zoe', name: 'Zoe Admin' },
      ],
    });

    // A new name in the token is the agent's name from the next sign-in on.
    await signIn(ws, 'yann', 'Yann Renamed');
    expect((await call(stack.httpUrl, 'GET', '/v1/agents', { token: admin })).json.agents).toContainEqual({ agentId: 'yann', name: 'Yann Renamed' });

    // SPEC §10.4: a removed agent is nobody's teammate any more.
    expect((await call(stack.httpUrl, 'DELETE', '/v1/workspace/agents/xavier', { token: admin })).status).toBe(204);
    expect((await call(stack.httpUrl, 'GET', '/v1/agents', { token: admin })).json.agents.map((a: { agentId: string }) => a.agentId)).toEqual(['yann', 'zoe']);

    // Signing in again brings them back (a token issued after the removal: `iat` counts whole seconds).
    await new Promise((r) => setTimeout(r, 1100));
    await signIn(ws, 'xavier', 'Xavier');
    expect((await call(stack.httpUrl, 'GET', '/v1/agents', { token: admin })).json.agents.map((a: { agentId: string }) => a.agentId)).toEqual(['xavier', 'yann', 'zoe']);
  });

  test('pages with nextCursor; a foreign or broken cursor is a 400', async () => {
    const ws = uid('ws');
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
    let token = '';
    for (const id of ids) token = await signIn(ws, id, `Agent ${id}`);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await call(stack.httpUrl, 'GET', `/v1/agents?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      expect(r.status).toBe(200);
      expect(r.json.agents.length).toBeLessThanOrEqual(2);
      seen.push(...r.json.agents.map((a: { agentId: string }) => a.agentId));
      cursor = r.json.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);

    // A cursor of another workspace's list is refused, not followed.
    const otherWs = uid('ws');
    await signIn(otherWs, 'o1', 'O1');
    const other = await signIn(otherWs, 'o2', 'O2');
    const foreign = (await call(stack.httpUrl, 'GET', '/v1/agents?limit=1', { token: other })).json.nextCursor as string;
    expect(foreign).toBeTruthy();
    const refused = await call(stack.httpUrl, 'GET', `/v1/agents?cursor=${encodeURIComponent(foreign)}`, { token });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('bad_request');
    expect((await call(stack.httpUrl, 'GET', '/v1/agents?cursor=not-a-cursor', { token })).status).toBe(400);
  });

  test('needs an agent token', async () => {
    const r = await call(stack.httpUrl, 'GET', '/v1/agents');
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('unauthorized');
  });
});

describe('GET /v1/me/devices', () => {
  test("lists the caller's devices (never the token) across sign-ins; a removed one is gone", async () => {
    const ws = uid('ws');
    const token = await signIn(ws, 'phoneowner', 'Phone Owner');
    const apns = apnsToken();
    const fcm = `${uid('fcminstance')}:APA91b${uid('x').replace(/-/g, '_')}`;
    const a = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform: 'APNS', token: apns } });
    expect(a.status).toBe(201);
    const g = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform: 'GCM', token: fcm } });
    expect(g.status).toBe(201);

    // A fresh token (another browser, a later sign-in) sees the same devices.
    const later = await agentToken(stack, { workspaceId: ws, agentId: 'phoneowner', name: 'Phone Owner', email: 'phoneowner@example.com' });
    const r = await call(stack.httpUrl, 'GET', '/v1/me/devices', { token: later });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(apns);
    expect(r.text).not.toContain(fcm);
    expect(r.json.devices).toHaveLength(2);
    expect(r.json.devices).toEqual(
      expect.arrayContaining([
        { deviceId: a.json.deviceId, platform: 'APNS', endpointArn: a.json.endpointArn, enabled: true, registeredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        { deviceId: g.json.deviceId, platform: 'GCM', endpointArn: g.json.endpointArn, enabled: true, registeredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      ]),
    );

    // Another agent sees none of them.
    const other = await signIn(ws, 'neighbour', 'Neighbour');
    expect((await call(stack.httpUrl, 'GET', '/v1/me/devices', { token: other })).json).toEqual({ devices: [] });

    expect((await call(stack.httpUrl, 'DELETE', `/v1/me/devices/${a.json.deviceId}`, { token: later })).status).toBe(204);
    expect((await call(stack.httpUrl, 'GET', '/v1/me/devices', { token: later })).json.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([g.json.deviceId]);
  });

  test.each([
    ['APNS', 'abc'],
    ['APNS', 'zz'.repeat(32)],
    ['APNS_SANDBOX', 'ab'.repeat(31)],
    ['GCM', 'abc'],
    ['GCM', 'has spaces in it'],
  ])('a %s token %p is a 400 and registers nothing', async (platform, deviceToken) => {
    const token = await signIn(uid('ws'), 'junk', 'Junk');
    const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform, token: deviceToken } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('validation_error');
    expect((await call(stack.httpUrl, 'GET', '/v1/me/devices', { token })).json).toEqual({ devices: [] });
  });
});

describe('GET /v1/conversations/{id}', () => {
  test("one conversation in the list's item shape (visitor, assignee, unread for the caller); another workspace's is a 404", async () => {
    const ws = uid('ws');
    const token = await signIn(ws, 'reader', 'Reader');
    await signIn(ws, 'teammate', 'Teammate');
    const started = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Linked Visitor' }, message: { body: 'from the email link' } } });
    expect(started.status).toBe(201);
    const id = started.json.conversationId as string;
    expect((await call(stack.httpUrl, 'PUT', `/v1/conversations/${id}/assignee`, { token, body: { agentId: 'teammate' } })).status).toBe(200);
    const r = await call(stack.httpUrl, 'GET', `/v1/conversations/${id}`, { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ conversationId: id, visitor: { name: 'Linked Visitor' }, assigneeId: 'teammate', unread: true, lastMessage: { body: 'from the email link' } });
    const stranger = await signIn(uid('ws'), 'stranger', 'Stranger');
    const hidden = await call(stack.httpUrl, 'GET', `/v1/conversations/${id}`, { token: stranger });
    expect(hidden.status).toBe(404);
    expect(hidden.json.error.code).toBe('not_found');
  });
});

describe('conversation.updated frames (SPEC §7)', () => {
  test('assigning, an agent reply and a read reach every live connection of the workspace, one frame each; another workspace hears nothing', async () => {
    const ws = uid('ws');
    const x = await signIn(ws, 'x', 'Xavier');
    const z = await signIn(ws, 'z', 'Zoe');
    const outsider = await signIn(uid('ws'), 'o', 'Outsider');
    const [x1, x2, z1, o1] = await Promise.all([AgentSocket.open(stack.wsUrl, x), AgentSocket.open(stack.wsUrl, x), AgentSocket.open(stack.wsUrl, z), AgentSocket.open(stack.wsUrl, outsider)]);
    try {
      const started = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Val' }, message: { body: 'help' } } });
      const id = started.json.conversationId as string;
      const updates = (s: AgentSocket) => s.frames.filter((f: any) => f.type === 'conversation.updated' && f.conversationId === id);

      expect((await call(stack.httpUrl, 'PUT', `/v1/conversations/${id}/assignee`, { token: z, body: { agentId: 'z' } })).status).toBe(200);
      for (const s of [x1, x2, z1]) await s.waitFor((f: any) => f.type === 'conversation.updated' && f.conversationId === id && f.assigneeId === 'z', 'the assignment');
      expect(updates(x1)[0]).toEqual({
        type: 'conversation.updated',
        conversationId: id,
        assigneeId: 'z',
        status: 'unread',
        lastMessage: expect.objectContaining({ body: 'help', from: { type: 'visitor', id: expect.any(String) } }),
      });

      const reply = await call(stack.httpUrl, 'POST', `/v1/conversations/${id}/messages`, { token: z, body: { body: 'Zoe here' } });
      expect(reply.status).toBe(201);
      await x1.waitFor((f: any) => f.type === 'conversation.updated' && f.lastMessage?.messageId === reply.json.messageId && f.lastMessage.from.id === 'z', 'the reply');

      expect((await call(stack.httpUrl, 'POST', `/v1/conversations/${id}/read`, { token: z, body: {} })).status).toBe(200);
      const read = await x2.waitFor((f: any) => f.type === 'conversation.updated' && f.readBy === 'z', 'the read');
      expect(read).toMatchObject({ assigneeId: 'z', status: 'read' });
      await x1.waitFor((f: any) => f.type === 'conversation.updated' && f.readBy === 'z', 'the read on the other tab');
      // One frame per event per connection.
      expect(updates(x1)).toHaveLength(3);
      expect(updates(x2)).toHaveLength(3);
      expect(o1.frames.filter((f: any) => f.type === 'conversation.updated')).toEqual([]);
    } finally {
      await Promise.all([x1, x2, z1, o1].map((s) => s.close()));
    }
  });
});
