/**
 * Hostile input against the offline stack, over real HTTP and WebSocket (issue 8). Every case
 * must get the SPEC §6 status in the SPEC error shape (or a §7 `error` frame), write nothing —
 * the whole table is read before and after — and leave the stack serving everyone else.
 */
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid, type Reply } from '../support/offline.js';
import { rawRequest } from '../support/raw-http.js';
import { changes, tableReader, type TableReader } from '../support/table-snapshot.js';
import { forgeTokens, type Forgeries } from '../support/forge.js';

let stack: OfflineStack;
let table: TableReader;
const wsA = uid('ws-a');
const wsB = uid('ws-b');
let alice: string;
let bob: string;
let mallory: string;
let malloryId: string;
let forged: Forgeries;
/** A conversation of workspace A, with its visitor's token. */
let convA: { conversationId: string; visitorToken: string };
/** Another conversation of workspace A: its visitor must not reach convA. */
let convA2: { conversationId: string; visitorToken: string };
/** A conversation of workspace B. */
let convB: { conversationId: string; visitorToken: string };
let aliceWs: AgentSocket;
let bobWs: AgentSocket;

const SETTINGS = { desktop: true, mobile: true, email: false, emailUnreadReminder: false, scope: 'all', unassigned: true };

async function newConversation(workspaceId: string) {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: 'Vera' } } });
  expect(r.status).toBe(201);
  return r.json as { conversationId: string; visitorToken: string };
}

beforeAll(async () => {
  stack = await startTestStack();
  table = tableReader(stack.dynamoEndpoint, stack.tableName);
  const aliceId = uid('alice');
  alice = await agentToken(stack, { workspaceId: wsA, agentId: aliceId, email: `${aliceId}@example.com`, name: 'Alice' });
  const bobId = uid('bob');
  bob = await agentToken(stack, { workspaceId: wsA, agentId: bobId, email: `${bobId}@example.com`, name: 'Bob' });
  malloryId = uid('mallory');
  mallory = await agentToken(stack, { workspaceId: wsB, agentId: malloryId, email: `${malloryId}@example.com`, name: 'Mallory' });
  // Tokens that claim to be Alice; the tampered one claims workspace B's data with Alice's signature.
  forged = await forgeTokens(stack, { workspaceId: wsA, agentId: aliceId, email: `${aliceId}@example.com` }, wsB);
  // No visitor message anywhere: nothing is fanned out in the background while tables are compared.
  convA = await newConversation(wsA);
  convA2 = await newConversation(wsA);
  convB = await newConversation(wsB);
  aliceWs = await AgentSocket.open(stack.wsUrl, alice);
  bobWs = await AgentSocket.open(stack.wsUrl, bob);
});

afterAll(async () => {
  await aliceWs?.close();
  await bobWs?.close();
  table?.close();
  await stack?.stop();
});

/** Run `act` and prove that not one item of the table was added, changed or removed. */
async function writesNothing<T>(act: () => Promise<T>): Promise<T> {
  const before = await table.snapshot();
  const out = await act();
  expect(changes(before, await table.snapshot())).toEqual([]);
  return out;
}

let pings = 0;
/** Everyone else is still served: the visitor reads, an agent lists, another socket gets its pong. */
async function othersStillServed() {
  const messages = await call(stack.httpUrl, 'GET', `/v1/conversations/${convA.conversationId}/messages`, { token: convA.visitorToken });
  expect(messages.status).toBe(200);
  const list = await call(stack.httpUrl, 'GET', '/v1/conversations', { token: bob });
  expect(list.status).toBe(200);
  const want = ++pings;
  bobWs.send({ action: 'ping' });
  await eventually(() => bobWs.frames.filter((f) => f.type === 'pong').length >= want, 'a pong for the other agent');
}

function expectError(r: Pick<Reply, 'status' | 'json'>, status: number, code?: string) {
  expect({ status: r.status, body: r.json }).toEqual({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
}

const msgPath = () => `/v1/conversations/${convA.conversationId}/messages`;
const post = (opts: Parameters<typeof call>[3]) => call(stack.httpUrl, 'POST', msgPath(), opts);
const putSettings = (raw: string) => call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token: alice, raw });

type HttpCase = [name: string, send: () => Promise<Pick<Reply, 'status' | 'json'>>, status: number, code?: string];

const httpCases: HttpCase[] = [
  // Malformed JSON, wrong types, missing and unknown fields: 400.
  ['malformed JSON', () => post({ token: convA.visitorToken, raw: '{"body": "hi"' }), 400, 'bad_request'],
  ['malformed JSON in the settings', () => putSettings('{desktop: true}'), 400, 'bad_request'],
  ['a JSON array instead of an object', () => post({ token: convA.visitorToken, raw: '["hi"]' }), 400],
  ['body of the wrong type', () => post({ token: convA.visitorToken, body: { body: 42 } }), 400, 'validation_error'],
  ['a setting of the wrong type', () => putSettings(JSON.stringify({ ...SETTINGS, desktop: 'yes' })), 400, 'validation_error'],
  ['a scope that does not exist', () => putSettings(JSON.stringify({ ...SETTINGS, scope: 'everyone' })), 400, 'validation_error'],
  ['an assignee of the wrong type', () => call(stack.httpUrl, 'PUT', `/v1/conversations/${convA.conversationId}/assignee`, { token: alice, body: { agentId: 7 } }), 400, 'validation_error'],
  ['a message without its body', () => post({ token: convA.visitorToken, body: {} }), 400, 'validation_error'],
  ['an empty request body', () => post({ token: convA.visitorToken, raw: '' }), 400, 'validation_error'],
  ['settings missing a field', () => putSettings(JSON.stringify({ desktop: true, mobile: true, email: false, emailUnreadReminder: false, scope: 'all' })), 400, 'validation_error'],
  ['a device without its token', () => call(stack.httpUrl, 'POST', '/v1/me/devices', { token: alice, body: { platform: 'GCM' } }), 400],
  ['an unknown field in a message', () => post({ token: convA.visitorToken, body: { body: 'hi', asAgent: true } }), 400, 'validation_error'],
  ['an unknown setting', () => putSettings(JSON.stringify({ ...SETTINGS, sms: true })), 400, 'validation_error'],
  ['an unknown query parameter', () => call(stack.httpUrl, 'GET', '/v1/conversations?filter=all&admin=1', { token: alice }), 400],
  ['a filter that does not exist', () => call(stack.httpUrl, 'GET', '/v1/conversations?filter=everything', { token: alice }), 400],

  // Sizes: 10,001 code points, and a 1 MB request.
  ['a body of 10,001 characters', () => post({ token: convA.visitorToken, body: { body: 'x'.repeat(10_001) } }), 413, 'payload_too_large'],
  ['a request of 1 MB', () => post({ token: convA.visitorToken, raw: JSON.stringify({ body: 'hi', pad: 'a'.repeat(1024 * 1024) }) }), 413, 'payload_too_large'],

  // Text that is not text.
  ['a lone surrogate in a message', () => post({ token: convA.visitorToken, raw: '{"body": "broken \\ud800 pair"}' }), 400],
  ['a NUL byte in a message', () => post({ token: convA.visitorToken, raw: '{"body": "nul \\u0000 here"}' }), 400],
  ['bytes that are not UTF-8', () => post({ token: convA.visitorToken, raw: Buffer.concat([Buffer.from('{"body": "'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')]) }), 400],
  ['a lone surrogate in a visitor name', () => call(stack.httpUrl, 'POST', `/v1/workspaces/${wsA}/conversations`, { raw: '{"visitor": {"name": "\\udc00"}}' }), 400],
  ['a NUL byte in a visitor name', () => call(stack.httpUrl, 'POST', `/v1/workspaces/${wsA}/conversations`, { raw: '{"visitor": {"name": "Eve\\u0000"}}' }), 400],
  ['a visitor name of 101 code points (SPEC §10.3)', () => call(stack.httpUrl, 'POST', `/v1/workspaces/${wsA}/conversations`, { body: { visitor: { name: '𝒱'.repeat(101) } } }), 400],
  ['a right-to-left override in a visitor name (SPEC §10.3)', () => call(stack.httpUrl, 'POST', `/v1/workspaces/${wsA}/conversations`, { raw: '{"visitor": {"name": "Eve\\u202Etxt.exe"}}' }), 400],
  ['control characters in a visitor name (SPEC §10.3)', () => call(stack.httpUrl, 'POST', `/v1/workspaces/${wsA}/conversations`, { raw: '{"visitor": {"name": "\\u0007\\u001b[31mEve"}}' }), 400],
  [
    'a conversation in a workspace that does not exist (SPEC §10.1)',
    () => call(stack.httpUrl, 'POST', `/v1/workspaces/nobody-${wsA}/conversations`, { body: { visitor: { name: 'Vic' }, message: { body: 'hi' } } }),
    404,
  ],
  ['a NUL byte in a device token', () => call(stack.httpUrl, 'POST', '/v1/me/devices', { token: alice, raw: '{"platform": "GCM", "token": "abc\\u0000def"}' }), 400],

  // Ids: very long, and with `/`, `..` and `#` (URL-encoded in the path, sent byte for byte).
  ['a very long conversation id', () => rawRequest(stack.httpUrl, 'GET', `/v1/conversations/${'c'.repeat(4000)}/messages`, { token: alice }), 404],
  ['a conversation id with an encoded "/"', () => rawRequest(stack.httpUrl, 'GET', `/v1/conversations/${convA.conversationId}%2Fx/messages`, { token: alice }), 404],
  ['a conversation id of ".."', () => rawRequest(stack.httpUrl, 'GET', '/v1/conversations/%2E%2E/messages', { token: alice }), 404],
  ['a conversation id with an encoded "#"', () => rawRequest(stack.httpUrl, 'POST', `/v1/conversations/${convA.conversationId}%23META/read`, { token: alice, body: '{}' }), 404],
  ['a workspace id with an encoded "#"', () => rawRequest(stack.httpUrl, 'POST', `/v1/workspaces/${wsA}%23RCPT%23ALL/conversations`, { body: '{"visitor": {}}' }), 404],
  ['a workspace id with "../" to climb out', () => rawRequest(stack.httpUrl, 'POST', `/v1/workspaces/..%2F..%2F${wsB}/conversations`, { body: '{"visitor": {}}' }), 404],
  ['a device id with an encoded "/" and ".."', () => rawRequest(stack.httpUrl, 'DELETE', '/v1/me/devices/..%2F..%2FPROFILE', { token: alice }), 404],
  [
    'a cursor that points into another workspace',
    () =>
      call(stack.httpUrl, 'GET', `/v1/conversations?cursor=${Buffer.from(JSON.stringify({ gsi1pk: `WS#${wsB}`, gsi1sk: '~', pk: 'x', sk: 'y' })).toString('base64url')}`, {
        token: alice,
      }),
    400,
  ],
  [
    'a cursor for the right list with keys of the wrong type',
    () =>
      call(stack.httpUrl, 'GET', `/v1/conversations?cursor=${Buffer.from(JSON.stringify({ gsi1pk: `WS#${wsA}`, gsi1sk: 5, pk: ['x'], sk: {} })).toString('base64url')}`, {
        token: alice,
      }),
    400,
  ],
  ['a cursor that is not a cursor', () => call(stack.httpUrl, 'GET', `${msgPath()}?cursor=%00%00`, { token: alice }), 400],

  // Agent tokens: forged, or genuine but not valid here. Each would post a message if accepted.
  ['a token with alg "none"', () => post({ token: forged.algNone, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['an HS256 token keyed with the public key', () => post({ token: forged.hs256WithPublicKey, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token signed by another key under the trusted kid', () => post({ token: forged.untrustedKeySameKid, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token with a tampered payload', () => call(stack.httpUrl, 'GET', '/v1/me', { token: forged.tamperedPayload }), 401, 'unauthorized'],
  ['an expired token', () => post({ token: forged.expired, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token without exp (it would never expire)', () => post({ token: forged.noExpiry, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token not valid yet', () => post({ token: forged.notYetValid, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token for another audience', () => post({ token: forged.wrongAudience, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token from another issuer', () => post({ token: forged.wrongIssuer, body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a token without a workspace', () => call(stack.httpUrl, 'GET', '/v1/me', { token: forged.noWorkspace }), 401, 'unauthorized'],
  ['a token whose workspace holds "#"', () => call(stack.httpUrl, 'GET', '/v1/me', { token: forged.workspaceWithHash }), 401, 'unauthorized'],
  ['a scheme other than Bearer', () => call(stack.httpUrl, 'GET', '/v1/me', { headers: { authorization: `Basic ${alice}` } }), 401, 'unauthorized'],

  // Someone else's data.
  ["another workspace's agent reads a conversation", () => call(stack.httpUrl, 'GET', msgPath(), { token: mallory }), 404, 'not_found'],
  ["another workspace's agent posts", () => post({ token: mallory, body: { body: 'hi' } }), 404, 'not_found'],
  ["another workspace's agent marks read", () => call(stack.httpUrl, 'POST', `/v1/conversations/${convA.conversationId}/read`, { token: mallory, body: {} }), 404, 'not_found'],
  [
    "another workspace's agent assigns to itself",
    () => call(stack.httpUrl, 'PUT', `/v1/conversations/${convA.conversationId}/assignee`, { token: mallory, body: { agentId: malloryId } }),
    404,
    'not_found',
  ],
  [
    "assigning to another workspace's agent",
    () => call(stack.httpUrl, 'PUT', `/v1/conversations/${convA.conversationId}/assignee`, { token: alice, body: { agentId: malloryId } }),
    400,
    'validation_error',
  ],
  ['a visitor token on another conversation', () => post({ token: convA2.visitorToken, body: { body: 'hi' } }), 404, 'not_found'],
  ["a visitor token on another workspace's conversation", () => post({ token: convB.visitorToken, body: { body: 'hi' } }), 404, 'not_found'],
  ['a visitor token with a guessed secret', () => post({ token: convA.visitorToken.replace(/\.[^.]+$/, `.${'A'.repeat(43)}`), body: { body: 'hi' } }), 401, 'unauthorized'],
  ['a visitor token on an agent route', () => call(stack.httpUrl, 'GET', '/v1/conversations', { token: convA.visitorToken }), 401, 'unauthorized'],
];

describe('HTTP: each hostile request gets its 4xx, writes nothing, and the stack keeps serving', () => {
  // Objects, not rows: a row shorter than the callback's parameters would make jest pass `done`.
  test.each(httpCases.map(([name, send, status, code]) => ({ name, send, status, code })))('$name', async ({ send, status, code }) => {
    const r = await writesNothing(send);
    expectError(r, status, code);
    await othersStillServed();
  });
});

describe('WebSocket', () => {
  const forgedConnects: Array<[string, () => string]> = [
    ['alg "none"', () => forged.algNone],
    ['HS256 keyed with the public key', () => forged.hs256WithPublicKey],
    ['expired', () => forged.expired],
    ['without exp', () => forged.noExpiry],
    ['another audience', () => forged.wrongAudience],
    ['tampered payload', () => forged.tamperedPayload],
    ['a visitor token', () => convA.visitorToken],
  ];

  test.each(forgedConnects)('connecting with a token that is %s is refused', async (_name, token) => {
    const err = await writesNothing(() =>
      AgentSocket.open(stack.wsUrl, token()).then(
        (s) => {
          void s.close();
          return undefined;
        },
        (e: { statusCode?: number }) => e,
      ),
    );
    expect([401, 403]).toContain(err?.statusCode);
    await othersStillServed();
  });

  let errorsSeen = 0;
  /** Send one bad frame on Alice's socket; it must be answered with one `error` frame. */
  async function badFrame(frame: unknown, code?: string) {
    const want = ++errorsSeen;
    const reply = await writesNothing(async () => {
      aliceWs.send(frame);
      await eventually(() => aliceWs.frames.filter((f) => f.type === 'error').length >= want, 'the error frame');
      return aliceWs.frames.filter((f) => f.type === 'error')[want - 1];
    });
    expect(reply).toEqual({ type: 'error', code: code ?? expect.any(String), message: expect.any(String) });
    expect(aliceWs.closed).toBeUndefined();
    await othersStillServed();
  }

  const frames: Array<[string, () => unknown, string | undefined]> = [
    ['a frame that is not JSON', () => '{"action": "ping"', 'bad_request'],
    ['an unknown action', () => ({ action: 'deleteEverything' }), 'unknown_action'],
    ['a route key as the action', () => ({ action: '$disconnect' }), 'unknown_action'],
    ['sendMessage into another workspace', () => ({ action: 'sendMessage', conversationId: convB.conversationId, body: 'hi' }), 'not_found'],
    ['sendMessage with a lone surrogate', () => `{"action": "sendMessage", "conversationId": "${convA.conversationId}", "body": "\\ud83d"}`, 'validation_error'],
    ['sendMessage with a NUL byte', () => ({ action: 'sendMessage', conversationId: convA.conversationId, body: 'a\u0000b' }), 'validation_error'],
    ['sendMessage of 10,001 characters', () => ({ action: 'sendMessage', conversationId: convA.conversationId, body: 'y'.repeat(10_001) }), 'payload_too_large'],
    ['sendMessage with an unknown field', () => ({ action: 'sendMessage', conversationId: convA.conversationId, body: 'hi', fromId: 'bob' }), 'validation_error'],
    ['markRead with "#" in the id', () => ({ action: 'markRead', conversationId: `${convA.conversationId}#POS#x` }), 'validation_error'],
    ['markRead of another workspace', () => ({ action: 'markRead', conversationId: convB.conversationId }), 'not_found'],
    ['markRead with a negative seq', () => ({ action: 'markRead', conversationId: convA.conversationId, upToSeq: -1 }), 'validation_error'],
  ];

  test.each(frames.map(([name, frame, code]) => ({ name, frame, code })))('$name gets an error frame, writes nothing, and the socket stays open', async ({ frame, code }) => {
    await badFrame(frame(), code);
  });

  test('a frame over 32 KB closes only its own socket, with 1009 (as API Gateway does); nothing is written, only that connection forgotten', async () => {
    const s = await AgentSocket.open(stack.wsUrl, alice);
    const before = await table.snapshot();
    s.send({ action: 'sendMessage', conversationId: convA.conversationId, body: 'x'.repeat(33 * 1024) });
    expect((await eventually(() => s.closed, 'the close of the oversize sender')).code).toBe(1009);
    const gone = await eventually(async () => {
      const c = changes(before, await table.snapshot());
      return c.filter((x) => x.startsWith('removed ')).length === 2 ? c : undefined;
    }, "the closed connection's two items forgotten");
    // Its two items go; the only other writes are the copies of the agent's targets (the profile and
    // the recipient-list items, issue 12) losing that connection.
    for (const c of gone) {
      expect(c).toMatch(/^(removed (CONN#\S+ \| CONN|AGENT#\S+ \| CONN#\S+)|changed (AGENT#\S+ \| PROFILE|WS#\S+#RCPT#\S+ \| \S+))$/);
    }
    expect(aliceWs.closed).toBeUndefined();
    await othersStillServed();
  });

  test('200 frames a second from one socket: each gets its error frame, nothing is written, others are served', async () => {
    const before = await table.snapshot();
    const errorsBefore = aliceWs.frames.filter((f) => f.type === 'error').length;
    const pongsBefore = bobWs.frames.filter((f) => f.type === 'pong').length;
    const flood = [
      () => 'not json at all',
      () => ({ action: 'nope' }),
      () => ({ action: 'markRead', conversationId: convB.conversationId }),
      () => ({ action: 'sendMessage', conversationId: convA.conversationId, body: '' }),
    ];
    // 20 bursts of 10 frames, 50 ms apart: 200 frames in one second, while Bob keeps pinging.
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 10; i++) aliceWs.send(flood[(burst * 10 + i) % flood.length]!());
      bobWs.send({ action: 'ping' });
      await new Promise((r) => setTimeout(r, 50));
    }
    const errors = await eventually(() => {
      const e = aliceWs.frames.filter((f) => f.type === 'error').slice(errorsBefore);
      return e.length >= 200 ? e : undefined;
    }, '200 error frames');
    expect(errors).toHaveLength(200);
    for (const e of errors) expect(e).toEqual({ type: 'error', code: expect.any(String), message: expect.any(String) });
    await eventually(() => bobWs.frames.filter((f) => f.type === 'pong').length >= pongsBefore + 20, "Bob's 20 pongs during the flood");
    pings += 20;
    expect(aliceWs.closed).toBeUndefined();
    expect(changes(before, await table.snapshot())).toEqual([]);
    errorsSeen += 200;
    await othersStillServed();
  });
});

test('after all of it, honest requests still work end to end', async () => {
  const r = await call(stack.httpUrl, 'POST', msgPath(), { token: convA.visitorToken, body: { body: 'still here' } });
  expect(r.status).toBe(201);
  const frame = await aliceWs.waitFor((f) => f.type === 'chat.message' && f.messageId === r.json.messageId, 'the frame for the honest message');
  expect(frame.preview).toBe('still here');
  const list = await call(stack.httpUrl, 'GET', msgPath(), { token: alice });
  expect(list.json.messages.map((m: { body: string }) => m.body)).toEqual(['still here']);
});
