/**
 * The help-centre article's rules, walked end to end through the offline stack over real HTTP and
 * WebSocket: the desktop frame, the mobile push and the reminder email, each reached only by the
 * agents SPEC §2 names.
 *
 * "Nothing arrived" is never checked by waiting a while. The fan-out handles a conversation's
 * messages in stream order, so once a later message of the same conversation has been seen
 * through the same channel, everything an earlier one would have sent has been sent.
 */
import type { OfflineStack } from '../../local/stack.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { agentToken, AgentSocket, apnsToken as hexToken, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
});

interface TestAgent {
  agentId: string;
  email: string;
  token: string;
}

async function newAgent(workspaceId: string, name: string, settings: Partial<Settings> = {}): Promise<TestAgent> {
  const agentId = uid(name);
  const email = `${agentId}@example.com`;
  const token = await agentToken(stack, { workspaceId, agentId, email, name });
  if (Object.keys(settings).length) await setSettings(token, settings);
  return { agentId, email, token };
}

async function setSettings(token: string, settings: Partial<Settings>) {
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
  expect(r.status).toBe(200);
}

async function connect(a: TestAgent): Promise<AgentSocket> {
  const s = await AgentSocket.open(stack.wsUrl, a.token);
  sockets.push(s);
  return s;
}

async function newConversation(workspaceId: string, visitorName = 'Ann'): Promise<{ conversationId: string; visitorToken: string }> {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: visitorName } } });
  expect(r.status).toBe(201);
  return r.json;
}

async function assign(by: TestAgent, conversationId: string, agentId: string | null) {
  const r = await call(stack.httpUrl, 'PUT', `/v1/conversations/${conversationId}/assignee`, { token: by.token, body: { agentId } });
  expect(r.status).toBe(200);
}

async function visitorSays(conv: { conversationId: string; visitorToken: string }, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json.messageId;
}

const frameFor = (s: AgentSocket, messageId: string) => s.waitFor((f) => f.type === 'chat.message' && f.messageId === messageId, `frame ${messageId}`);
const chatIds = (s: AgentSocket) => s.chatMessages().map((f) => f.messageId);

test('desktop: a message in an assigned conversation reaches the assignee and the scope-all agents only', async () => {
  const ws = uid('ws');
  const z = await newAgent(ws, 'z');
  const all = await newAgent(ws, 'all', { scope: 'all' });
  const other = await newAgent(ws, 'other');
  const [zs, alls, others] = await Promise.all([connect(z), connect(all), connect(other)]);
  const conv = await newConversation(ws, 'Ann');
  await assign(z, conv.conversationId, z.agentId);

  const m1 = await visitorSays(conv, 'hello, anyone there?');
  const frame = await frameFor(zs, m1);
  expect(frame).toEqual({
    type: 'chat.message',
    workspaceId: ws,
    conversationId: conv.conversationId,
    messageId: m1,
    seq: expect.any(Number),
    from: { type: 'visitor', id: expect.any(String), name: 'Ann' },
    preview: 'hello, anyone there?',
    assigneeId: z.agentId,
    createdAt: expect.any(String),
    notify: true,
    unreadConversations: 1,
  });
  await frameFor(alls, m1);

  // Unassigned now: "other" (unassigned on by default) hears about the next one. Stream order per
  // conversation means m1's fan-out was over before m2's, so m1 will never reach "other".
  await assign(z, conv.conversationId, null);
  const m2 = await visitorSays(conv, 'still here');
  await frameFor(others, m2);
  expect(chatIds(others)).toEqual([m2]);
});

test('unassigned conversations reach scope-all and unassigned-on agents, not the others', async () => {
  const ws = uid('ws');
  const on = await newAgent(ws, 'on'); // scope assigned, unassigned on (the defaults)
  const off = await newAgent(ws, 'off', { unassigned: false });
  const all = await newAgent(ws, 'all', { scope: 'all', unassigned: false });
  const [ons, offs, alls] = await Promise.all([connect(on), connect(off), connect(all)]);
  const conv = await newConversation(ws);

  const m1 = await visitorSays(conv, 'first');
  await Promise.all([frameFor(ons, m1), frameFor(alls, m1)]);

  // Settings are read when the next message is decided, not cached.
  await setSettings(off.token, { unassigned: true });
  const m2 = await visitorSays(conv, 'second');
  await frameFor(offs, m2);
  expect(chatIds(offs)).toEqual([m2]);
});

test('desktop off: no frame; an agent reply notifies nobody', async () => {
  const ws = uid('ws');
  const quiet = await newAgent(ws, 'quiet', { scope: 'all', desktop: false });
  const loud = await newAgent(ws, 'loud', { scope: 'all' });
  const [quiets, louds] = await Promise.all([connect(quiet), connect(loud)]);
  const conv = await newConversation(ws);

  const m1 = await visitorSays(conv, 'one');
  await frameFor(louds, m1);
  const reply = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, {
    token: loud.token,
    body: { body: 'an agent answer' },
  });
  expect(reply.status).toBe(201);

  await setSettings(quiet.token, { scope: 'all', desktop: true });
  const m2 = await visitorSays(conv, 'two');
  await Promise.all([frameFor(quiets, m2), frameFor(louds, m2)]);
  expect(chatIds(quiets)).toEqual([m2]);
  expect(chatIds(louds)).toEqual([m1, m2]);
});

test('mobile: the push text is cut to 500 code points; a disabled endpoint gets nothing until registered again', async () => {
  const ws = uid('ws');
  const m = await newAgent(ws, 'mobile', { scope: 'all' });
  const gcmToken = uid('gcm');
  const apnsToken = hexToken();
  const gcm = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: m.token, body: { platform: 'GCM', token: gcmToken } });
  expect(gcm.status).toBe(201);
  const apns = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: m.token, body: { platform: 'APNS', token: apnsToken } });
  expect(apns.status).toBe(201);
  const conv = await newConversation(ws, 'Bea');

  const pushesOf = async (token: string) => {
    const r = await call(stack.httpUrl, 'GET', '/_local/push');
    return (r.json.pushes as any[]).filter((p) => p.token === token);
  };
  const idOf = (p: any) => (p.platform === 'GCM' ? p.payload.fcmV1Message.message.data.messageId : p.payload.messageId);
  const pushFor = (token: string, messageId: string) => eventually(async () => (await pushesOf(token)).find((p) => idOf(p) === messageId), `push ${messageId} to ${token}`);

  // 600 astral characters: 1200 UTF-16 units, and a naive cut would split a surrogate pair.
  const long = '😀'.repeat(600);
  const m1 = await visitorSays(conv, long);
  const [g1, a1] = await Promise.all([pushFor(gcmToken, m1), pushFor(apnsToken, m1)]);
  expect(g1).toMatchObject({ endpointArn: gcm.json.endpointArn, platform: 'GCM', at: expect.any(String) });
  expect(g1.payload.fcmV1Message.message.notification).toEqual({ title: 'Bea', body: '😀'.repeat(500) });
  expect(g1.payload.fcmV1Message.message.data).toMatchObject({ conversationId: conv.conversationId, messageId: m1 });
  expect(Object.values(g1.payload.fcmV1Message.message.data).every((v) => typeof v === 'string')).toBe(true);
  expect(a1).toMatchObject({ endpointArn: apns.json.endpointArn, platform: 'APNS' });
  expect(a1.payload.aps.alert).toEqual({ title: 'Bea', body: '😀'.repeat(500) });
  expect(a1.payload.aps['thread-id']).toBe(conv.conversationId);
  expect(a1.payload).toMatchObject({ conversationId: conv.conversationId, messageId: m1 });

  const disabled = await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: gcmToken } });
  expect(disabled.status).toBe(200);
  expect(disabled.json).toEqual({ token: gcmToken, disabled: true });
  const m2 = await visitorSays(conv, 'short one');
  await pushFor(apnsToken, m2);

  const again = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: m.token, body: { platform: 'GCM', token: gcmToken } });
  expect(again.status).toBe(200);
  expect(again.json).toEqual(gcm.json);
  const m3 = await visitorSays(conv, 'back again');
  await pushFor(gcmToken, m3);
  expect((await pushesOf(gcmToken)).map(idOf)).toEqual([m1, m3]);
});

async function emailsTo(address: string): Promise<any[]> {
  const r = await call(stack.httpUrl, 'GET', '/_local/emails');
  return (r.json.emails as any[]).filter((e) => e.to.includes(address));
}

/** Run the reminder until `address` has `count` emails (the fan-out records what is due asynchronously). */
async function remindUntil(address: string, count: number): Promise<any[]> {
  return eventually(async () => {
    const run = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
    expect(run.status).toBe(200);
    const got = await emailsTo(address);
    return got.length >= count ? got : undefined;
  }, `${count} email(s) to ${address}`);
}

test("email, the Z/X example: X reading Z's conversation does not stop Z's email, and nothing is emailed twice", async () => {
  const ws = uid('ws');
  const z = await newAgent(ws, 'z', { email: true, emailUnreadReminder: true });
  const x = await newAgent(ws, 'x', { scope: 'all' });
  const conv = await newConversation(ws, 'Cleo');
  await assign(x, conv.conversationId, z.agentId);

  await visitorSays(conv, 'my order has not arrived');
  const read = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/read`, { token: x.token, body: {} });
  expect(read.status).toBe(200);

  const [email] = await remindUntil(z.email, 1);
  expect(email).toMatchObject({ to: [z.email], subject: expect.stringContaining('Cleo'), at: expect.any(String) });
  expect(email.text).toContain('my order has not arrived');
  expect(email.text).toContain(conv.conversationId);
  expect(email.html).toContain('my order has not arrived');
  expect(await emailsTo(x.email)).toEqual([]);

  // The email counts as read for Z: the next check sends nothing more.
  const second = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(second.status).toBe(200);
  expect(await emailsTo(z.email)).toHaveLength(1);

  // A newer visitor message makes the conversation due again, listing only what is new.
  await visitorSays(conv, 'hello again?');
  const both = await remindUntil(z.email, 2);
  expect(both[1].text).toContain('hello again?');
  expect(both[1].text).toContain('1 unread message');
});

test('email needs both toggles on', async () => {
  const ws = uid('ws');
  const onlyEmail = await newAgent(ws, 'onlyemail', { scope: 'all', email: true, emailUnreadReminder: false });
  const onlyReminder = await newAgent(ws, 'onlyreminder', { scope: 'all', email: false, emailUnreadReminder: true });
  const both = await newAgent(ws, 'both', { scope: 'all', email: true, emailUnreadReminder: true });
  const conv = await newConversation(ws);

  await visitorSays(conv, 'first');
  await remindUntil(both.email, 1);
  // The second email to "both" needs the second message's fan-out, which came after the first's.
  await visitorSays(conv, 'second');
  await remindUntil(both.email, 2);
  const last = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(last.status).toBe(200);
  expect(await emailsTo(onlyEmail.email)).toEqual([]);
  expect(await emailsTo(onlyReminder.email)).toEqual([]);
});
