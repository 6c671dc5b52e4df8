/**
 * SPEC §10.1–10.3 over the offline stack with the rate limits ON, as a bot or a stranger's web page
 * would meet them: unknown workspaces, the widget settings and their admin role, the origin list,
 * the per-address, per-workspace and per-conversation limits, and the seq deadline. A refused
 * request must write nothing and notify nobody: the agents' lists and `/_local/push` show it.
 *
 * Windows are fixed minutes; a limit test first steps off the last seconds of a minute so its
 * requests share one window (a wait, not a timing assert).
 */
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid, type Reply } from '../support/offline.js';

let stack: OfflineStack;

beforeAll(async () => {
  // A short seq deadline (deployed: 3 s) makes the contention cases below refuse some posts on a
  // fast machine and a slow one alike, with few posts; only posts that lose a race are affected.
  process.env.SEQ_DEADLINE_MS = '400';
  stack = await startTestStack({ rateLimits: true });
});
afterAll(async () => stack?.stop());

interface Team {
  ws: string;
  admin: string;
  member: string;
  deviceToken: string;
}

/** A workspace with an admin and a member; the member has a phone (GCM), so every admitted visitor message pushes. */
async function team(): Promise<Team> {
  const ws = uid('ws');
  const a = await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: { workspaceId: ws, agentId: uid('admin'), role: 'admin' } });
  expect(a.status).toBe(200);
  const admin = a.json.token;
  const member = await agentToken(stack, { workspaceId: ws, agentId: uid('member') });
  const deviceToken = `fcm-${uid('tok')}`;
  const d = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: member, body: { platform: 'GCM', token: deviceToken } });
  expect(d.status).toBe(201);
  return { ws, admin, member, deviceToken };
}

function newConversation(ws: string, opts: { address?: string; origin?: string; message?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.address) headers['x-forwarded-for'] = opts.address;
  if (opts.origin) headers.origin = opts.origin;
  return call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, {
    headers,
    body: { visitor: { name: 'Vic' }, ...(opts.message ? { message: { body: opts.message } } : {}) },
  });
}

async function conversationIds(token: string): Promise<string[]> {
  const r = await call(stack.httpUrl, 'GET', '/v1/conversations?filter=all', { token });
  expect(r.status).toBe(200);
  return r.json.conversations.map((c: { conversationId: string }) => c.conversationId).sort();
}

async function pushesTo(deviceToken: string): Promise<Array<{ conversationId: string; messageId: string }>> {
  const r = await call(stack.httpUrl, 'GET', '/_local/push');
  return r.json.pushes
    .filter((p: { token: string }) => p.token === deviceToken)
    .map((p: { payload: { fcmV1Message: { message: { data: { conversationId: string; messageId: string } } } } }) => p.payload.fcmV1Message.message.data);
}

/** Step off a minute's last seconds, so the requests that follow fall in one window. */
async function freshWindow(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
}

function expectRateLimited(r: Reply) {
  expect(r.status).toBe(429);
  expect(r.json).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
  const after = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(after)).toBe(true);
  expect(after).toBeGreaterThanOrEqual(1);
  expect(after).toBeLessThanOrEqual(60);
}

describe('workspaces (SPEC §10.1)', () => {
  test('a conversation in a workspace none of whose agents ever signed in is a 404 and writes nothing', async () => {
    const ws = uid('ghost');
    const r = await newConversation(ws, { message: 'hello?' });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    // The first agent's sign-in creates the workspace: it holds no conversation from before.
    const token = await agentToken(stack, { workspaceId: ws, agentId: uid('first') });
    expect(await conversationIds(token)).toEqual([]);
    expect((await newConversation(ws)).status).toBe(201);
  });
});

describe('widget settings (SPEC §10.1)', () => {
  test('an admin reads the defaults and saves settings, stored as browsers send origins', async () => {
    const t = await team();
    const initial = await call(stack.httpUrl, 'GET', '/v1/workspace/widget', { token: t.admin });
    expect(initial.status).toBe(200);
    expect(initial.json).toEqual({ allowedOrigins: [], conversationsPerMinute: 60 });

    const put = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', {
      token: t.admin,
      body: { allowedOrigins: ['https://Shop.Example:443', 'http://localhost:5173'], conversationsPerMinute: 120 },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ allowedOrigins: ['https://shop.example', 'http://localhost:5173'], conversationsPerMinute: 120 });
    const after = await call(stack.httpUrl, 'GET', '/v1/workspace/widget', { token: t.admin });
    expect(after.json).toEqual(put.json);
  });

  test('an agent without the admin role gets 403 forbidden on both, and changes nothing', async () => {
    const t = await team();
    const get = await call(stack.httpUrl, 'GET', '/v1/workspace/widget', { token: t.member });
    expect(get.status).toBe(403);
    expect(get.json).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    const put = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', {
      token: t.member,
      body: { allowedOrigins: ['https://evil.example'], conversationsPerMinute: 1 },
    });
    expect(put.status).toBe(403);
    expect(put.json.error.code).toBe('forbidden');
    const unchanged = await call(stack.httpUrl, 'GET', '/v1/workspace/widget', { token: t.admin });
    expect(unchanged.json).toEqual({ allowedOrigins: [], conversationsPerMinute: 60 });
    expect((await call(stack.httpUrl, 'GET', '/v1/workspace/widget')).status).toBe(401);
  });

  const bad: Array<[string, unknown]> = [
    ['an unknown field', { allowedOrigins: [], conversationsPerMinute: 60, theme: 'dark' }],
    ['a missing field', { allowedOrigins: [] }],
    ['conversationsPerMinute 0', { allowedOrigins: [], conversationsPerMinute: 0 }],
    ['conversationsPerMinute 10001', { allowedOrigins: [], conversationsPerMinute: 10001 }],
    ['conversationsPerMinute 1.5', { allowedOrigins: [], conversationsPerMinute: 1.5 }],
    ['conversationsPerMinute as a string', { allowedOrigins: [], conversationsPerMinute: '60' }],
    ['allowedOrigins not a list', { allowedOrigins: 'https://shop.example', conversationsPerMinute: 60 }],
    ['an origin with a path', { allowedOrigins: ['https://shop.example/chat'], conversationsPerMinute: 60 }],
    ['plain http off localhost', { allowedOrigins: ['http://shop.example'], conversationsPerMinute: 60 }],
    ['a wildcard', { allowedOrigins: ['*'], conversationsPerMinute: 60 }],
    ['no body', undefined],
  ];

  test.each(bad)('PUT with %s is a 400 and changes nothing', async (_name, body) => {
    const t = await team();
    const r = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', { token: t.admin, ...(body === undefined ? {} : { body }) });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { code: expect.stringMatching(/^(bad_request|validation_error)$/), message: expect.any(String) } });
    const unchanged = await call(stack.httpUrl, 'GET', '/v1/workspace/widget', { token: t.admin });
    expect(unchanged.json).toEqual({ allowedOrigins: [], conversationsPerMinute: 60 });
  });

  test('the limits of 1 and 10000 are taken', async () => {
    const t = await team();
    for (const n of [1, 10000]) {
      const r = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', { token: t.admin, body: { allowedOrigins: [], conversationsPerMinute: n } });
      expect(r.status).toBe(200);
      expect(r.json.conversationsPerMinute).toBe(n);
    }
  });
});

describe('allowed origins (SPEC §10.1)', () => {
  let t: Team;
  const shop = 'https://shop.example';
  const evil = 'https://evil.example';

  beforeAll(async () => {
    t = await team();
    const r = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', { token: t.admin, body: { allowedOrigins: [shop], conversationsPerMinute: 60 } });
    expect(r.status).toBe(200);
  });

  test('a new conversation from an origin not listed is 403 origin_not_allowed and writes and pushes nothing', async () => {
    const before = await conversationIds(t.admin);
    const r = await newConversation(t.ws, { origin: evil, message: 'from a page that is not the shop', address: '192.0.2.10' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: { code: 'origin_not_allowed', message: expect.any(String) } });
    expect(await conversationIds(t.admin)).toEqual(before);

    // The listed origin and a caller with no Origin (a server, curl) get in; only their pushes arrive.
    const ok = await newConversation(t.ws, { origin: shop, message: 'from the shop', address: '192.0.2.11' });
    expect(ok.status).toBe(201);
    const server = await newConversation(t.ws, { message: 'from a server', address: '192.0.2.12' });
    expect(server.status).toBe(201);
    const admitted = [ok.json.conversationId, server.json.conversationId];
    const pushes = await eventually(async () => {
      const p = await pushesTo(t.deviceToken);
      return p.length >= 2 && p;
    }, "the admitted conversations' pushes");
    expect(pushes.map((p) => p.conversationId).sort()).toEqual(admitted.sort());
  });

  test('a visitor posting or reading from an origin not listed gets 403 and writes nothing', async () => {
    const c = await newConversation(t.ws, { origin: shop, address: '192.0.2.20' });
    expect(c.status).toBe(201);
    const path = `/v1/conversations/${c.json.conversationId}/messages`;
    const post = await call(stack.httpUrl, 'POST', path, { token: c.json.visitorToken, headers: { origin: evil }, body: { body: 'hi' } });
    expect(post.status).toBe(403);
    expect(post.json.error.code).toBe('origin_not_allowed');
    const read = await call(stack.httpUrl, 'GET', path, { token: c.json.visitorToken, headers: { origin: evil } });
    expect(read.status).toBe(403);
    expect(read.json.error.code).toBe('origin_not_allowed');

    const agentView = await call(stack.httpUrl, 'GET', path, { token: t.admin });
    expect(agentView.json.messages).toEqual([]);
    const okPost = await call(stack.httpUrl, 'POST', path, { token: c.json.visitorToken, headers: { origin: shop }, body: { body: 'hi' } });
    expect(okPost.status).toBe(201);
    const okRead = await call(stack.httpUrl, 'GET', path, { token: c.json.visitorToken, headers: { origin: shop } });
    expect(okRead.status).toBe(200);
    expect(okRead.json.messages.map((m: { body: string }) => m.body)).toEqual(['hi']);
  });

  test('an empty list lets every origin in', async () => {
    const open = await team();
    expect((await newConversation(open.ws, { origin: evil, address: '192.0.2.30' })).status).toBe(201);
  });
});

describe('rate limits (SPEC §10.2)', () => {
  test('the 6th new conversation in a minute from one address is 429 with Retry-After; another address still gets in', async () => {
    const t = await team();
    await freshWindow();
    const admitted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await newConversation(t.ws, { address: '203.0.113.7', message: `bot ${i}` });
      expect(r.status).toBe(201);
      admitted.push(r.json.conversationId);
    }
    const sixth = await newConversation(t.ws, { address: '203.0.113.7', message: 'bot 5' });
    expectRateLimited(sixth);

    const other = await newConversation(t.ws, { address: '203.0.113.8', message: 'a real visitor' });
    expect(other.status).toBe(201);
    admitted.push(other.json.conversationId);
    // The same address in another workspace is counted apart.
    const elsewhere = await team();
    expect((await newConversation(elsewhere.ws, { address: '203.0.113.7' })).status).toBe(201);

    expect(await conversationIds(t.admin)).toEqual([...admitted].sort());
    const pushes = await eventually(async () => {
      const p = await pushesTo(t.deviceToken);
      return p.length >= admitted.length && p;
    }, 'one push per admitted conversation');
    expect(pushes.map((p) => p.conversationId).sort()).toEqual([...admitted].sort());
  });

  test('the workspace-wide limit follows conversationsPerMinute, whatever the addresses', async () => {
    const t = await team();
    const set = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', { token: t.admin, body: { allowedOrigins: [], conversationsPerMinute: 3 } });
    expect(set.status).toBe(200);
    await freshWindow();
    const answers: Reply[] = [];
    for (let i = 0; i < 5; i++) answers.push(await newConversation(t.ws, { address: `198.51.100.${i + 1}`, message: `visitor ${i}` }));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429, 429]);
    expectRateLimited(answers[3]!);
    const admitted = answers.filter((a) => a.status === 201).map((a) => a.json.conversationId as string);
    expect(await conversationIds(t.admin)).toEqual([...admitted].sort());
    const pushes = await eventually(async () => {
      const p = await pushesTo(t.deviceToken);
      return p.length >= admitted.length && p;
    }, 'one push per admitted conversation');
    expect(pushes.map((p) => p.conversationId).sort()).toEqual([...admitted].sort());
    // A refusal by the workspace limit did not spend the address's own budget (all or none).
    const raise = await call(stack.httpUrl, 'PUT', '/v1/workspace/widget', { token: t.admin, body: { allowedOrigins: [], conversationsPerMinute: 60 } });
    expect(raise.status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await newConversation(t.ws, { address: '198.51.100.4' })).status).toBe(201);
  });

  test('the 21st visitor message in a minute in one conversation is 429, stored and pushed nowhere; agents may still write', async () => {
    const t = await team();
    await freshWindow();
    const c = await newConversation(t.ws, { address: '203.0.113.50' });
    expect(c.status).toBe(201);
    const path = `/v1/conversations/${c.json.conversationId}/messages`;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await call(stack.httpUrl, 'POST', path, { token: c.json.visitorToken, body: { body: `message ${i}`, clientMessageId: `c${i}` } });
      expect(r.status).toBe(201);
      ids.push(r.json.messageId);
    }
    const over = await call(stack.httpUrl, 'POST', path, { token: c.json.visitorToken, body: { body: 'message 20', clientMessageId: 'c20' } });
    expectRateLimited(over);
    // A retry of a message already stored is not a new message: it still answers 200 with the first.
    const retry = await call(stack.httpUrl, 'POST', path, { token: c.json.visitorToken, body: { body: 'message 19', clientMessageId: 'c19' } });
    expect(retry.status).toBe(200);
    expect(retry.json.messageId).toBe(ids[19]);
    const reply = await call(stack.httpUrl, 'POST', path, { token: t.member, body: { body: 'an agent answers' } });
    expect(reply.status).toBe(201);

    const list = await call(stack.httpUrl, 'GET', `${path}?limit=200`, { token: t.admin });
    expect(list.json.messages.map((m: { body: string }) => m.body)).toEqual([...ids.map((_, i) => `message ${i}`), 'an agent answers']);
    // Whatever the push rules collapse, no push names a message that was not stored.
    const pushes = await eventually(async () => {
      const p = await pushesTo(t.deviceToken);
      return p.some((x) => x.messageId === ids[0]) && p;
    }, 'the push of the first message');
    for (const p of pushes) expect(ids).toContain(p.messageId);
  });

  test('heavy contention on one conversation answers 201 or 429 with Retry-After, never a 5xx; the seqs given have no gaps', async () => {
    const t = await team();
    const c = await newConversation(t.ws, { address: '203.0.113.60' });
    const path = `/v1/conversations/${c.json.conversationId}/messages`;
    const statuses: number[] = [];
    const seqs: number[] = [];
    // Agents' posts are not rate limited, so only the seq deadline (400 ms in this file) can refuse
    // them. Rounds until one is refused, so a fast machine cannot pass without seeing a 429.
    for (let round = 0; round < 5 && !statuses.includes(429); round++) {
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(stack.httpUrl, 'POST', path, { token: t.member, body: { body: `r${round} m${i}` } })));
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status === 201) seqs.push(a.json.seq);
        if (a.status === 429) expect(a.headers.get('retry-after')).toBe('1');
        if (a.status === 429) expect(a.json.error.code).toBe('rate_limited');
      }
    }
    expect([...new Set(statuses)].sort()).toEqual([201, 429]);
    seqs.sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  }, 300_000);

  test('over the WebSocket the same contention answers an ack or an error frame rate_limited, never internal_error', async () => {
    const t = await team();
    const c = await newConversation(t.ws, { address: '203.0.113.61' });
    const socket = await AgentSocket.open(stack.wsUrl, t.member);
    try {
      let sent = 0;
      const answers = () => socket.frames.filter((f) => f.type === 'ack' || f.type === 'error');
      const seen = (type: string) => answers().some((f) => f.type === type);
      // Until both an ack and a refusal were seen: the first round may refuse all but none, or all.
      for (let round = 0; round < 8 && !(seen('ack') && seen('error')); round++) {
        for (let i = 0; i < 60; i++) {
          socket.send({ action: 'sendMessage', conversationId: c.json.conversationId, body: `ws r${round} m${i}`, clientMessageId: `r${round}-m${i}` });
        }
        sent += 60;
        await eventually(() => answers().length >= sent, 'an answer to every frame', 240_000);
      }
      const codes = new Set(answers().map((f) => (f.type === 'ack' ? 'ack' : f.code)));
      expect([...codes].sort()).toEqual(['ack', 'rate_limited']);
    } finally {
      await socket.close();
    }
  }, 600_000);
});
