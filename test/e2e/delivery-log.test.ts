/**
 * The delivery log (SPEC §12) read back over the offline stack: what each recipient got on each
 * channel and target, or why not — sent, suppressed (each detail the fan-out produces), failed
 * (a disabled endpoint, a gone connection) — one entry per message even when the stream record is
 * delivered twice, paged newest first, and nobody reads another agent's log.
 */
import type { OfflineStack } from '../../local/stack.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { putConnection } from '../../lambdas/store/connections.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';
import { startSesFaults, type SesFaults } from '../support/ses-faults.js';

let stack: OfflineStack;
let faults: SesFaults;
const sockets: AgentSocket[] = [];
/** Each stream batch is handed to the fan-out twice (a redelivery) while this is on. */
let twice = false;

beforeAll(async () => {
  stack = await startTestStack({
    invokeFanout: async (invoke, e) => {
      if (twice) await invoke(e);
      return invoke(e);
    },
  });
  // SES behind a proxy that can refuse an address (MessageRejected), as SES does.
  faults = await startSesFaults(process.env.SES_ENDPOINT!);
  process.env.SES_ENDPOINT = faults.url;
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
  await faults?.close();
});

interface TestAgent {
  agentId: string;
  token: string;
}

async function newAgent(workspaceId: string, name: string, settings: Partial<Settings> = {}): Promise<TestAgent> {
  const agentId = uid(name);
  const token = await agentToken(stack, { workspaceId, agentId, email: `${agentId}@example.com`, name });
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
  expect(r.status).toBe(200);
  return { agentId, token };
}

async function connect(a: TestAgent): Promise<AgentSocket> {
  const s = await AgentSocket.open(stack.wsUrl, a.token);
  sockets.push(s);
  return s;
}

async function device(a: TestAgent, token = uid('gcm')): Promise<{ deviceId: string; token: string }> {
  const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: a.token, body: { platform: 'GCM', token } });
  expect(r.status).toBe(201);
  return { deviceId: r.json.deviceId, token };
}

async function conversation(ws: string, assignTo?: TestAgent): Promise<{ conversationId: string; visitorToken: string }> {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Ann' } } });
  expect(r.status).toBe(201);
  if (assignTo) {
    const a = await call(stack.httpUrl, 'PUT', `/v1/conversations/${r.json.conversationId}/assignee`, { token: assignTo.token, body: { agentId: assignTo.agentId } });
    expect(a.status).toBe(200);
  }
  return r.json;
}

async function says(conv: { conversationId: string; visitorToken: string }, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json.messageId;
}

async function log(a: TestAgent, query = ''): Promise<any> {
  const r = await call(stack.httpUrl, 'GET', `/v1/me/notifications${query}`, { token: a.token });
  expect(r.status).toBe(200);
  return r.json;
}

/** The agent's entry for a message, once the fan-out wrote it. */
const entryFor = (a: TestAgent, messageId: string) =>
  eventually(async () => (await log(a)).notifications.find((n: any) => n.messageId === messageId), `log entry of ${messageId} for ${a.agentId}`, 30_000);

const pick = (e: any, channel: string) => e.deliveries.filter((d: any) => d.channel === channel);

test('sent and suppressed: each recipient gets one entry with its reason and one delivery per channel and target', async () => {
  const ws = uid('ws');
  const z = await newAgent(ws, 'z');
  const all = await newAgent(ws, 'all', { scope: 'all', desktop: false, mobile: false, email: true, emailUnreadReminder: true });
  const bare = await newAgent(ws, 'bare', { scope: 'all' });
  const outsider = await newAgent(ws, 'outsider');
  const zs = await connect(z);
  const phone = await device(z);
  const conv = await conversation(ws, z);
  const id = await says(conv, 'hello');
  await zs.waitFor((f) => f.type === 'chat.message' && f.messageId === id, 'frame');

  const mine = await entryFor(z, id);
  expect(mine).toMatchObject({ kind: 'message', conversationId: conv.conversationId, messageId: id, reason: 'assigned' });
  expect(typeof mine.at).toBe('string');
  expect(pick(mine, 'desktop')).toEqual([{ channel: 'desktop', target: expect.any(String), outcome: 'sent' }]);
  expect(pick(mine, 'mobile')).toEqual([{ channel: 'mobile', target: phone.deviceId, outcome: 'sent' }]);
  expect(pick(mine, 'email')).toEqual([{ channel: 'email', outcome: 'suppressed', detail: 'email_off' }]);

  const theirs = await entryFor(all, id);
  expect(theirs.reason).toBe('scope_all');
  expect(theirs.deliveries).toEqual([
    { channel: 'desktop', outcome: 'suppressed', detail: 'desktop_off' },
    { channel: 'mobile', outcome: 'suppressed', detail: 'mobile_off' },
    { channel: 'email', outcome: 'due' },
  ]);

  expect((await entryFor(bare, id)).deliveries).toEqual([
    { channel: 'desktop', outcome: 'suppressed', detail: 'no_connection' },
    { channel: 'mobile', outcome: 'suppressed', detail: 'no_device' },
    { channel: 'email', outcome: 'suppressed', detail: 'email_off' },
  ]);
  // Not a recipient of a conversation assigned to someone else: nothing in their log.
  expect((await log(outsider)).notifications).toEqual([]);

  // Unassigned: the agent with `unassigned` on hears of it as such.
  const open = await conversation(ws);
  const id2 = await says(open, 'anyone?');
  expect((await entryFor(outsider, id2)).reason).toBe('unassigned');
  expect((await entryFor(all, id2)).reason).toBe('scope_all');
});

test('failed: a disabled endpoint and a gone connection are in the log with their detail; the next message skips them', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'a');
  const live = await connect(a);
  const ok = await device(a);
  const broken = await device(a);
  // A connection the gateway no longer knows: @connections answers 410.
  const goneId = uid('gone');
  await putConnection(dynamo(), stack.tableName, { connectionId: goneId, workspaceId: ws, agentId: a.agentId, connectedAt: new Date().toISOString() });
  expect((await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: broken.token } })).status).toBe(200);
  const conv = await conversation(ws, a);
  const id = await says(conv, 'first');
  await live.waitFor((f) => f.type === 'chat.message' && f.messageId === id, 'frame');

  const e = await entryFor(a, id);
  expect(pick(e, 'desktop')).toEqual(
    expect.arrayContaining([
      { channel: 'desktop', target: goneId, outcome: 'failed', detail: 'connection_gone' },
      { channel: 'desktop', target: expect.any(String), outcome: 'sent' },
    ]),
  );
  expect(pick(e, 'desktop')).toHaveLength(2);
  expect(pick(e, 'mobile')).toEqual(
    [
      { channel: 'mobile', target: ok.deviceId, outcome: 'sent' },
      { channel: 'mobile', target: broken.deviceId, outcome: 'failed', detail: 'endpoint_disabled' },
    ].sort((x, y) => x.target.localeCompare(y.target)),
  );

  // Forgotten and marked disabled: the next message is sent to the live targets only.
  const id2 = await says(conv, 'second');
  const e2 = await entryFor(a, id2);
  expect(e2.deliveries.map((d: any) => [d.channel, d.outcome])).toEqual([
    ['desktop', 'sent'],
    ['mobile', 'sent'],
    ['email', 'suppressed'],
  ]);
});

test("redelivered: a stream record handled twice leaves one entry per message, with the first attempt's outcomes", async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'a');
  const live = await connect(a);
  const phone = await device(a);
  const goneId = uid('gone');
  await putConnection(dynamo(), stack.tableName, { connectionId: goneId, workspaceId: ws, agentId: a.agentId, connectedAt: new Date().toISOString() });
  const conv = await conversation(ws, a);
  twice = true;
  try {
    const ids = [await says(conv, 'one'), await says(conv, 'two'), await says(conv, 'three')];
    await live.waitFor((f) => f.type === 'chat.message' && f.messageId === ids[2], 'last frame');
    for (const id of ids) await entryFor(a, id);
    const entries = (await log(a)).notifications;
    expect(entries.map((n: any) => n.messageId)).toEqual([...ids].reverse());
    // The second handling found the first one's sends in the guard: their outcomes stay (the
    // gone connection, forgotten by the first, is still reported).
    const first = entries.at(-1);
    expect(pick(first, 'desktop')).toEqual(
      expect.arrayContaining([
        { channel: 'desktop', target: goneId, outcome: 'failed', detail: 'connection_gone' },
        { channel: 'desktop', target: expect.any(String), outcome: 'sent' },
      ]),
    );
    expect(pick(first, 'mobile')).toEqual([{ channel: 'mobile', target: phone.deviceId, outcome: 'sent' }]);
  } finally {
    twice = false;
  }
});

test('paged newest first; a bad cursor is 400; another agent reads only their own log, whatever the cursor', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'a');
  const b = await newAgent(ws, 'b');
  const conv = await conversation(ws, a);
  const ids: string[] = [];
  for (const text of ['m1', 'm2', 'm3', 'm4', 'm5']) ids.push(await says(conv, text));
  await entryFor(a, ids[4]!);
  await eventually(async () => (await log(a)).notifications.length === 5, 'five entries');

  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await log(a, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    seen.push(...page.notifications.map((n: any) => n.messageId));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  expect(seen).toEqual([...ids].reverse());

  const bad = await call(stack.httpUrl, 'GET', '/v1/me/notifications?cursor=not-a-cursor', { token: a.token });
  expect(bad.status).toBe(400);
  expect(bad.json.error.code).toBe('bad_request');
  const wrongShape = Buffer.from(JSON.stringify({ sk: 7 })).toString('base64url');
  expect((await call(stack.httpUrl, 'GET', `/v1/me/notifications?cursor=${wrongShape}`, { token: a.token })).status).toBe(400);

  // b is not a recipient (assigned to a, b's scope is assigned): an empty log, and a's cursor opens nothing of a's.
  expect((await log(b)).notifications).toEqual([]);
  const first = await log(a, '?limit=2');
  expect((await log(b, `?cursor=${encodeURIComponent(first.nextCursor)}`)).notifications).toEqual([]);
  expect((await call(stack.httpUrl, 'GET', '/v1/me/notifications')).status).toBe(401);
});

test('digest: a reminder email sent, and one SES refuses, are each an entry naming their conversations', async () => {
  const ws = uid('ws');
  const ok = await newAgent(ws, 'ok', { email: true, emailUnreadReminder: true });
  const refused = await newAgent(ws, 'refused', { email: true, emailUnreadReminder: true });
  faults.rejectTo([`${refused.agentId}@example.com`]);
  const c1 = await conversation(ws, ok);
  const c2 = await conversation(ws, refused);
  const m1 = await says(c1, 'please answer');
  const m2 = await says(c2, 'hello?');
  // The obligations are recorded by the fan-out: wait for its entries before running the check.
  await entryFor(ok, m1);
  await entryFor(refused, m2);
  const run = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(run.status).toBe(200);

  const digestOf = (a: TestAgent) => eventually(async () => (await log(a)).notifications.find((n: any) => n.kind === 'digest'), `digest entry of ${a.agentId}`);
  expect(await digestOf(ok)).toEqual({ kind: 'digest', at: expect.any(String), conversationIds: [c1.conversationId], outcome: 'sent' });
  expect(await digestOf(refused)).toEqual({ kind: 'digest', at: expect.any(String), conversationIds: [c2.conversationId], outcome: 'failed', detail: 'provider_error' });
  // Newest first: the digest came after the message.
  expect((await log(ok)).notifications.map((n: any) => n.kind)).toEqual(['digest', 'message']);
});
