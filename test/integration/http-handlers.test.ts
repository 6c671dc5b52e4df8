/** The HTTP handlers against DynamoDB Local, with real RS256 tokens from a test issuer. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTable, type TestTable } from '../support/table.js';
import { startTestIssuer, type TestIssuer } from '../support/auth.js';
import { call, httpEvent } from '../support/events.js';

let t: TestTable;
let iss: TestIssuer;
let h: Record<string, unknown>;

beforeAll(async () => {
  // These tests start many conversations from one address; the limits have their own suite (test/hardening/abuse.test.ts).
  process.env.RATE_LIMITS = 'off';
  t = await createTestTable('http');
  iss = await startTestIssuer();
  const names = ['create-conversation', 'post-message', 'list-conversations', 'list-messages', 'mark-read', 'assign', 'get-me', 'put-settings'];
  h = {};
  // One at a time: jest's ESM loader fails on concurrent dynamic imports of shared modules.
  for (const n of names) h[n] = (await import(`../../lambdas/handlers/http/${n}.js`)).handler;
  // SPEC §10.1: a workspace exists once one of its agents has signed in.
  const me = await call(h['get-me'], httpEvent({ method: 'GET', path: '/v1/me', token: await agentToken('acme', 'amy') }));
  expect(me.status).toBe(200);
});
afterAll(async () => iss.close());

const agentToken = (ws: string, agentId: string) => iss.sign({ workspaceId: ws, agentId, email: `${agentId}@example.com`, name: agentId });

/** Every item in the test table: tests (never handlers) may Scan, to prove a rejection wrote nothing. */
async function snapshot() {
  const r = await t.doc.send(new ScanCommand({ TableName: t.tableName }));
  return (r.Items ?? []).map((i) => `${i.pk}|${i.sk}|${JSON.stringify(i)}`).sort();
}

async function startConversation(ws = 'acme', body?: string, name = 'Vera') {
  const r = await call(
    h['create-conversation'],
    httpEvent({
      method: 'POST',
      path: `/v1/workspaces/${ws}/conversations`,
      params: { workspaceId: ws },
      body: { visitor: { name }, ...(body ? { message: { body } } : {}) },
    }),
  );
  expect(r.status).toBe(201);
  return r.body as { conversationId: string; visitorToken: string };
}

const newConversation = (ws: string, body: unknown) => call(h['create-conversation'], httpEvent({ method: 'POST', path: `/v1/workspaces/${ws}/conversations`, params: { workspaceId: ws }, body }));

const post = (id: string, token: string, body: unknown) => call(h['post-message'], httpEvent({ method: 'POST', path: `/v1/conversations/${id}/messages`, params: { id }, body, token }));

describe('conversations and messages', () => {
  test('a visitor starts a conversation and posts; agents of the workspace see it, others get 404', async () => {
    const { conversationId, visitorToken } = await startConversation('acme', 'Hello!');
    const r = await post(conversationId, visitorToken, { body: 'Anyone there?' });
    expect(r.status).toBe(201);
    expect(r.body.seq).toBe(2);

    const me = await agentToken('acme', 'amy');
    const list = await call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: conversationId }, token: me }));
    expect(list.status).toBe(200);
    expect(list.body.messages.map((m: { body: string; from: { type: string } }) => [m.body, m.from.type])).toEqual([
      ['Hello!', 'visitor'],
      ['Anyone there?', 'visitor'],
    ]);

    const other = await agentToken('globex', 'gus');
    const denied = await call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: conversationId }, token: other }));
    expect(denied.status).toBe(404);
    expect(denied.body.error.code).toBe('not_found');
    expect((await post(conversationId, other, { body: 'hi' })).status).toBe(404);
  });

  test('a visitor token reads and posts to its own conversation only', async () => {
    const a = await startConversation('acme', 'A');
    const b = await startConversation('acme', 'B');
    const own = await call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: a.conversationId }, token: a.visitorToken }));
    expect(own.status).toBe(200);
    const before = await snapshot();
    expect((await post(b.conversationId, a.visitorToken, { body: 'sneaky' })).status).toBe(404);
    const tampered = a.visitorToken.slice(0, -2) + (a.visitorToken.endsWith('AA') ? 'BB' : 'AA');
    expect((await post(a.conversationId, tampered, { body: 'x' })).status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  test('an agent reply is stored as from agent; a repeated clientMessageId answers 200 with the first message', async () => {
    const { conversationId } = await startConversation('acme', 'Hi');
    const me = await agentToken('acme', 'amy');
    const first = await post(conversationId, me, { body: 'Hello, how can I help?', clientMessageId: 'c1' });
    expect(first.status).toBe(201);
    const again = await post(conversationId, me, { body: 'Hello, how can I help?', clientMessageId: 'c1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const list = await call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: conversationId }, token: me }));
    expect(list.body.messages).toHaveLength(2);
    expect(list.body.messages[1].from).toEqual({ type: 'agent', id: 'amy' });
  });

  test('a visitor name of exactly 100 code points (astral ones included) is taken', async () => {
    const r = await newConversation('acme', { visitor: { name: '😀'.repeat(100) } });
    expect(r.status).toBe(201);
  });

  test('messages page with a cursor', async () => {
    const { conversationId, visitorToken } = await startConversation('acme');
    for (let i = 1; i <= 5; i++) expect((await post(conversationId, visitorToken, { body: `m${i}` })).status).toBe(201);
    const p1 = await call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: conversationId }, query: { limit: '3' }, token: visitorToken }));
    expect(p1.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
    const p2 = await call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: conversationId }, query: { limit: '3', cursor: p1.body.nextCursor }, token: visitorToken }));
    expect(p2.body.messages.map((m: { seq: number }) => m.seq)).toEqual([4, 5]);
    expect(p2.body.nextCursor).toBeUndefined();
  });
});

describe('lists, read state and assignment (SPEC §3)', () => {
  test('filters, per-agent unread and the shared status following the assignee', async () => {
    const ws = 'read-ws';
    const z = await agentToken(ws, 'Z');
    const x = await agentToken(ws, 'X');
    await call(h['get-me'], httpEvent({ method: 'GET', path: '/v1/me', token: z }));
    await call(h['get-me'], httpEvent({ method: 'GET', path: '/v1/me', token: x }));
    const c1 = await startConversation(ws, 'first');
    const c2 = await startConversation(ws, 'second');

    const assigned = await call(h.assign, httpEvent({ method: 'PUT', path: '', params: { id: c1.conversationId }, body: { agentId: 'Z' }, token: x }));
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ conversationId: c1.conversationId, assigneeId: 'Z', unread: true, status: 'unread' });

    const list = async (token: string, filter: string) =>
      (await call(h['list-conversations'], httpEvent({ method: 'GET', path: '/v1/conversations', query: { filter }, token }))).body.conversations as Array<{
        conversationId: string;
        unread: boolean;
        status: string;
      }>;

    expect((await list(z, 'all')).map((c) => c.conversationId)).toEqual([c2.conversationId, c1.conversationId]);
    expect((await list(z, 'assigned')).map((c) => c.conversationId)).toEqual([c1.conversationId]);
    expect((await list(z, 'unassigned')).map((c) => c.conversationId)).toEqual([c2.conversationId]);

    // X reads Z's conversation: X's own unread clears, Z's does not, the shared status stays with Z.
    const read = await call(h['mark-read'], httpEvent({ method: 'POST', path: '', params: { id: c1.conversationId }, token: x }));
    expect(read.body).toEqual({ readSeq: 1 });
    expect((await list(x, 'unread')).map((c) => c.conversationId)).toEqual([c2.conversationId]);
    const zc1 = (await list(z, 'all')).find((c) => c.conversationId === c1.conversationId)!;
    expect(zc1).toMatchObject({ unread: true, status: 'unread' });

    // Z reads it: now the shared status is read.
    await call(h['mark-read'], httpEvent({ method: 'POST', path: '', params: { id: c1.conversationId }, body: {}, token: z }));
    expect((await list(x, 'all')).find((c) => c.conversationId === c1.conversationId)).toMatchObject({ status: 'read' });

    // Unassigned: whoever reads last decides the status.
    await call(h['mark-read'], httpEvent({ method: 'POST', path: '', params: { id: c2.conversationId }, token: x }));
    expect((await list(z, 'all')).find((c) => c.conversationId === c2.conversationId)).toMatchObject({ unread: true, status: 'read' });

    // Unassign, and assigning to an agent not in the workspace is refused.
    const un = await call(h.assign, httpEvent({ method: 'PUT', path: '', params: { id: c1.conversationId }, body: { agentId: null }, token: z }));
    expect(un.body.assigneeId).toBeNull();
    const bad = await call(h.assign, httpEvent({ method: 'PUT', path: '', params: { id: c1.conversationId }, body: { agentId: 'nobody' }, token: z }));
    expect(bad.status).toBe(400);
  });

  test('upToSeq never moves the position back', async () => {
    const { conversationId, visitorToken } = await startConversation('acme', 'one');
    await post(conversationId, visitorToken, { body: 'two' });
    const me = await agentToken('acme', 'reader');
    const r1 = await call(h['mark-read'], httpEvent({ method: 'POST', path: '', params: { id: conversationId }, body: { upToSeq: 2 }, token: me }));
    const r2 = await call(h['mark-read'], httpEvent({ method: 'POST', path: '', params: { id: conversationId }, body: { upToSeq: 1 }, token: me }));
    expect([r1.body.readSeq, r2.body.readSeq]).toEqual([2, 2]);
  });
});

describe('me and settings (SPEC §2)', () => {
  test('a new agent has the SPEC defaults; saved settings come back', async () => {
    const me = await agentToken('acme', 'newbie');
    const r = await call(h['get-me'], httpEvent({ method: 'GET', path: '/v1/me', token: me }));
    expect(r.body).toEqual({
      agentId: 'newbie',
      workspaceId: 'acme',
      email: 'newbie@example.com',
      name: 'newbie',
      settings: { desktop: true, mobile: true, email: false, emailUnreadReminder: false, scope: 'assigned', unassigned: true, pushPreview: 'full', quietHours: null, mobileOnlyWhenAway: false },
      emailStatus: 'ok',
      unreadConversations: 0,
      doNotDisturbUntil: null,
    });
    const next = { desktop: false, mobile: true, email: true, emailUnreadReminder: true, scope: 'all', unassigned: false };
    const put = await call(h['put-settings'], httpEvent({ method: 'PUT', path: '', body: next, token: me }));
    // The three newer fields are optional in PUT and always in answers (SPEC §2).
    const saved = { ...next, pushPreview: 'full', quietHours: null, mobileOnlyWhenAway: false };
    expect(put).toEqual({ status: 200, body: saved });
    expect((await call(h['get-me'], httpEvent({ method: 'GET', path: '/v1/me', token: me }))).body.settings).toEqual(saved);
  });
});

describe('bad input: SPEC 4xx and nothing written', () => {
  let conv: { conversationId: string; visitorToken: string };
  let me: string;
  beforeAll(async () => {
    conv = await startConversation('acme', 'hi');
    me = await agentToken('acme', 'strict');
    await call(h['get-me'], httpEvent({ method: 'GET', path: '/v1/me', token: me }));
  });

  const cases: Array<[string, () => Promise<{ status: number; body: { error: { code: string } } }>, number]> = [
    ['malformed JSON', () => call(h['post-message'], httpEvent({ method: 'POST', path: '', params: { id: conv.conversationId }, rawBody: '{"body": ', token: conv.visitorToken })), 400],
    ['missing body field', () => post(conv.conversationId, conv.visitorToken, {}), 400],
    ['wrong type', () => post(conv.conversationId, conv.visitorToken, { body: 42 }), 400],
    ['unknown field', () => post(conv.conversationId, conv.visitorToken, { body: 'x', extra: true }), 400],
    ['empty body', () => post(conv.conversationId, conv.visitorToken, { body: '' }), 400],
    ['lone surrogate', () => post(conv.conversationId, conv.visitorToken, { body: 'a\uD800' }), 400],
    ['NUL byte', () => post(conv.conversationId, conv.visitorToken, { body: 'a\u0000b' }), 400],
    ['body of 10001 code points', () => post(conv.conversationId, conv.visitorToken, { body: 'x'.repeat(10001) }), 413],
    [
      'request over 64 KB',
      () =>
        call(h['post-message'], httpEvent({ method: 'POST', path: '', params: { id: conv.conversationId }, rawBody: JSON.stringify({ body: 'x', pad: 'y'.repeat(70000) }), token: conv.visitorToken })),
      413,
    ],
    ['no token', () => post(conv.conversationId, '', { body: 'x' }), 401],
    ['garbage token', () => post(conv.conversationId, 'not.a.token', { body: 'x' }), 401],
    [
      'settings with an unknown field',
      () =>
        call(
          h['put-settings'],
          httpEvent({ method: 'PUT', path: '', body: { desktop: true, mobile: true, email: false, emailUnreadReminder: false, scope: 'all', unassigned: true, sms: true }, token: me }),
        ),
      400,
    ],
    [
      'settings with a bad scope',
      () =>
        call(h['put-settings'], httpEvent({ method: 'PUT', path: '', body: { desktop: true, mobile: true, email: false, emailUnreadReminder: false, scope: 'some', unassigned: true }, token: me })),
      400,
    ],
    ['settings partial', () => call(h['put-settings'], httpEvent({ method: 'PUT', path: '', body: { desktop: false }, token: me })), 400],
    ['id with a #', () => call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: 'conv#x' }, token: me })), 404],
    ['id with ..', () => call(h['list-messages'], httpEvent({ method: 'GET', path: '', params: { id: '..' }, token: me })), 404],
    ['unknown filter', () => call(h['list-conversations'], httpEvent({ method: 'GET', path: '', query: { filter: 'mine' }, token: me })), 400],
    [
      'a cursor from elsewhere',
      () => call(h['list-conversations'], httpEvent({ method: 'GET', path: '', query: { cursor: Buffer.from(JSON.stringify({ gsi1pk: 'WS#other' })).toString('base64url') }, token: me })),
      400,
    ],
    [
      'conversation with an unknown visitor field',
      () => call(h['create-conversation'], httpEvent({ method: 'POST', path: '', params: { workspaceId: 'acme' }, body: { visitor: { name: 'a', age: 3 } } })),
      400,
    ],
    ['negative upToSeq', () => call(h['mark-read'], httpEvent({ method: 'POST', path: '', params: { id: conv.conversationId }, body: { upToSeq: -1 }, token: me })), 400],
    ['conversation in a workspace no agent ever signed in to', () => newConversation('nobody-here', { visitor: { name: 'Vera' } }), 404],
    ['visitor name of 101 code points', () => newConversation('acme', { visitor: { name: '😀'.repeat(101) } }), 400],
    ['visitor name that is only spaces', () => newConversation('acme', { visitor: { name: '   ' } }), 400],
    ['visitor name with a bidi override', () => newConversation('acme', { visitor: { name: 'Eve\u202Egnp.exe' } }), 400],
    ['visitor name with a control character', () => newConversation('acme', { visitor: { name: 'Eve\u0007' } }), 400],
    [
      'visitor email over 254 characters',
      () => newConversation('acme', { visitor: { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.io` /* 256 characters, a valid address otherwise */ } }),
      400,
    ],
  ];

  test.each(cases)('%s', async (_name, run, status) => {
    const before = await snapshot();
    const r = await run();
    expect(r.status).toBe(status);
    expect(r.body.error.code).toEqual(expect.any(String));
    expect(await snapshot()).toEqual(before);
  });
});
