/**
 * SPEC §11.2–11.4 over the offline stack, black-box: the unread badge in frames, pushes and
 * GET /v1/me; cleared where it was read (conversation.read in every tab, one silent clear push per
 * device that got an alert for the conversation, none on a repeated read); the catch-up push after
 * do-not-disturb, once even when two reminder runs overlap; quiet hours hold the email.
 *
 * The read path sends its frames and clear pushes before it answers (app/read-clear.ts), so once a
 * read has answered, the local SNS has every clear push it made: "no second clear" is checked then,
 * without waiting.
 *
 * Do-not-disturb is written straight onto the profile and the list items here, in the shape the
 * `PUT /v1/me/do-not-disturb` route stores it (`doNotDisturbUntil`, an ISO string, on both).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../../local/stack.js';
import { localClientConfig } from '../../local/client-config.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { k } from '../../lambdas/store/keys.js';
import { agentToken, AgentSocket, apnsToken, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;
let db: DynamoDBDocumentClient;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.dynamoEndpoint)));
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
});

interface TestAgent {
  workspaceId: string;
  agentId: string;
  email: string;
  token: string;
}

async function newAgent(workspaceId: string, name: string, settings: Partial<Settings> = {}): Promise<TestAgent> {
  const agentId = uid(name);
  const email = `${agentId}@example.com`;
  const token = await agentToken(stack, { workspaceId, agentId, email, name });
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
  expect(r.status).toBe(200);
  return { workspaceId, agentId, email, token };
}

async function connect(a: TestAgent): Promise<AgentSocket> {
  const s = await AgentSocket.open(stack.wsUrl, a.token);
  sockets.push(s);
  return s;
}

async function device(a: TestAgent, platform: 'APNS' | 'GCM'): Promise<string> {
  const token = platform === 'APNS' ? apnsToken() : uid(`tok-${platform}`);
  const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: a.token, body: { platform, token } });
  expect(r.status).toBe(201);
  return token;
}

async function newConversation(workspaceId: string, visitorName: string): Promise<{ conversationId: string; visitorToken: string }> {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: visitorName } } });
  expect(r.status).toBe(201);
  return r.json;
}

async function visitorSays(conv: { conversationId: string; visitorToken: string }, body: string): Promise<{ messageId: string; seq: number }> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json;
}

interface Push {
  token: string;
  platform: string;
  payload: any;
  attributes: Record<string, string>;
}

async function pushesTo(token: string): Promise<Push[]> {
  const r = await call<{ pushes: Push[] }>(stack.httpUrl, 'GET', '/_local/push');
  return r.json.pushes.filter((p) => p.token === token);
}

const messageIdOf = (p: Push): string | undefined => p.payload.messageId ?? p.payload.fcmV1Message?.message?.data?.messageId;
const typeOf = (p: Push): string | undefined => p.payload.type ?? p.payload.fcmV1Message?.message?.data?.type;

const alertFor = (token: string, messageId: string) => eventually(async () => (await pushesTo(token)).find((p) => messageIdOf(p) === messageId), `push of ${messageId}`);

const frameFor = (s: AgentSocket, messageId: string) => s.waitFor((f) => f.type === 'chat.message' && f.messageId === messageId, `frame ${messageId}`);

async function read(a: TestAgent, conversationId: string): Promise<number> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conversationId}/read`, { token: a.token, body: {} });
  expect(r.status).toBe(200);
  return r.json.readSeq;
}

const clearsOf = async (token: string, conversationId: string) =>
  (await pushesTo(token)).filter((p) => typeOf(p) === 'clear' && (p.payload.conversationId ?? p.payload.fcmV1Message?.message?.data?.conversationId) === conversationId);

async function me(a: TestAgent): Promise<any> {
  const r = await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token });
  expect(r.status).toBe(200);
  return r.json;
}

test('the badge counts unread conversations in frames, APNS and FCM pushes and GET /v1/me (SPEC §11.2)', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'badge', { scope: 'all' });
  const [tab, apns, gcm] = await Promise.all([connect(a), device(a, 'APNS'), device(a, 'GCM')]);
  const convs = [await newConversation(ws, 'Ann'), await newConversation(ws, 'Bo'), await newConversation(ws, 'Cy')];
  for (const [i, c] of convs.entries()) {
    const m = await visitorSays(c, `hello ${i}`);
    expect((await frameFor(tab, m.messageId)).unreadConversations).toBe(i + 1);
    expect((await alertFor(apns, m.messageId)).payload.aps.badge).toBe(i + 1);
    const fcm = (await alertFor(gcm, m.messageId)).payload.fcmV1Message.message;
    expect(fcm.android.notification.notification_count).toBe(i + 1);
    expect(fcm.data.badge).toBe(String(i + 1));
  }
  // A second message in a conversation already unread does not count twice.
  const again = await visitorSays(convs[0]!, 'still there?');
  expect((await frameFor(tab, again.messageId)).unreadConversations).toBe(3);
  expect((await alertFor(apns, again.messageId)).payload.aps.badge).toBe(3);
  expect((await me(a)).unreadConversations).toBe(3);

  await read(a, convs[1]!.conversationId);
  expect((await me(a)).unreadConversations).toBe(2);
  const next = await visitorSays(convs[2]!, 'and now?');
  expect((await frameFor(tab, next.messageId)).unreadConversations).toBe(2);
});

test('the badge counts for a recipient with every channel off too ("whatever their channels")', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'silent', { scope: 'all', desktop: false, mobile: false, email: false, emailUnreadReminder: false });
  const watcher = await newAgent(ws, 'watcher', { scope: 'all' });
  const tab = await connect(watcher);
  const m = await visitorSays(await newConversation(ws, 'Ola'), 'anyone?');
  // The fan-out handled the message once the watcher's frame is there; its badge writes came before it.
  await frameFor(tab, m.messageId);
  expect((await me(a)).unreadConversations).toBe(1);
});

test('a read in one tab: conversation.read in both tabs, one clear push to the alerted device only, none on a repeated read (SPEC §11.3)', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'reader', { scope: 'all' });
  const [tab1, tab2] = await Promise.all([connect(a), connect(a)]);
  const apns = await device(a, 'APNS');
  const c1 = await newConversation(ws, 'Dee');
  const c2 = await newConversation(ws, 'Eve');
  const m1 = await visitorSays(c1, 'first');
  await alertFor(apns, m1.messageId);
  await Promise.all([frameFor(tab1, m1.messageId), frameFor(tab2, m1.messageId)]);
  // Registered after C1's alert: it got nothing for C1.
  const gcm = await device(a, 'GCM');
  const m2 = await visitorSays(c2, 'second');
  await Promise.all([alertFor(apns, m2.messageId), alertFor(gcm, m2.messageId)]);

  const readSeq = await read(a, c1.conversationId);
  expect(readSeq).toBe(m1.seq);
  const expected = { type: 'conversation.read', conversationId: c1.conversationId, readSeq, unreadConversations: 1 };
  expect(await tab1.waitFor((f) => f.type === 'conversation.read' && f.conversationId === c1.conversationId, 'conversation.read in tab 1')).toEqual(expected);
  expect(await tab2.waitFor((f) => f.type === 'conversation.read' && f.conversationId === c1.conversationId, 'conversation.read in tab 2')).toEqual(expected);

  const [clear] = await clearsOf(apns, c1.conversationId);
  expect(clear?.payload).toEqual({ aps: { 'content-available': 1, badge: 1 }, type: 'clear', conversationId: c1.conversationId });
  expect(clear?.attributes).toMatchObject({ 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'background', 'AWS.SNS.MOBILE.APNS.PRIORITY': '5' });
  expect(await clearsOf(gcm, c1.conversationId)).toEqual([]);

  // Read again, over HTTP and as a markRead frame: nothing more is cleared.
  await read(a, c1.conversationId);
  tab2.send({ action: 'markRead', conversationId: c1.conversationId });
  await tab2.waitFor((f) => f.type === 'read' && f.conversationId === c1.conversationId, 'the read answer');
  expect(await clearsOf(apns, c1.conversationId)).toHaveLength(1);
  expect(tab1.frames.filter((f) => f.type === 'conversation.read' && f.conversationId === c1.conversationId)).toHaveLength(1);

  // C2 read through the markRead frame: both devices got C2's alert, both get one clear; FCM's is data-only.
  tab1.send({ action: 'markRead', conversationId: c2.conversationId });
  await tab1.waitFor((f) => f.type === 'read' && f.conversationId === c2.conversationId, 'the read answer');
  const [fcmClear] = await clearsOf(gcm, c2.conversationId);
  expect(fcmClear?.payload).toEqual({ fcmV1Message: { message: { data: { type: 'clear', conversationId: c2.conversationId, badge: '0' }, android: { priority: 'normal' } } } });
  expect(await clearsOf(apns, c2.conversationId)).toHaveLength(1);
  expect(await tab2.waitFor((f) => f.type === 'conversation.read' && f.conversationId === c2.conversationId, 'conversation.read of C2')).toMatchObject({ unreadConversations: 0 });
  expect(await clearsOf(gcm, c1.conversationId)).toEqual([]);

  // SPEC §12: each clear is one entry of the agent's delivery log, the repeated reads added none.
  const log = await call(stack.httpUrl, 'GET', '/v1/me/notifications', { token: a.token });
  expect(log.status).toBe(200);
  const clears = (log.json.notifications as any[]).filter((n) => n.kind === 'clear');
  expect(clears.map((n) => n.conversationId)).toEqual([c2.conversationId, c1.conversationId]);
  const mobile = (n: any) => n.deliveries.filter((d: any) => d.channel === 'mobile');
  expect(mobile(clears[1])).toEqual([{ channel: 'mobile', target: expect.any(String), outcome: 'sent' }]);
  expect(mobile(clears[0])).toHaveLength(2);
  expect(clears[1].deliveries.filter((d: any) => d.channel === 'desktop' && d.outcome === 'sent')).toHaveLength(2);
});

async function setDoNotDisturb(a: TestAgent, until: string): Promise<void> {
  for (const key of [k.agent(a.workspaceId, a.agentId), { pk: k.recipientsAllPk(a.workspaceId), sk: a.agentId }]) {
    await db.send(new UpdateCommand({ TableName: stack.tableName, Key: key, UpdateExpression: 'SET doNotDisturbUntil = :u', ExpressionAttributeValues: { ':u': until } }));
  }
}

async function runReminders(): Promise<any> {
  const r = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(r.status).toBe(200);
  return r.json;
}

test('do-not-disturb withholds the alert; once it ends the reminder sends one catch-up, even from two overlapping runs (SPEC §11.4)', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'dnd', { scope: 'all' });
  const [tab, apns, gcm] = await Promise.all([connect(a), device(a, 'APNS'), device(a, 'GCM')]);
  const endsAt = Date.now() + 4_000;
  await setDoNotDisturb(a, new Date(endsAt).toISOString());
  const c1 = await newConversation(ws, 'Fay');
  const c2 = await newConversation(ws, 'Gus');
  const m1 = await visitorSays(c1, 'are you there?');
  const m2 = await visitorSays(c2, 'hello?');
  // The tabs still hear (the list updates); the badge counts both.
  expect((await frameFor(tab, m2.messageId)).unreadConversations).toBe(2);
  await frameFor(tab, m1.messageId);

  // While it holds, a run sends nothing.
  await runReminders();
  await eventually(() => Date.now() > endsAt + 200, 'the end of do-not-disturb', 15_000);
  const [r1, r2] = await Promise.all([runReminders(), runReminders()]);
  expect((r1.catchUps ?? 0) + (r2.catchUps ?? 0)).toBe(1);
  const r3 = await runReminders();
  expect(r3.catchUps ?? 0).toBe(0);

  const catchUps = (await pushesTo(apns)).filter((p) => typeOf(p) === 'catch-up');
  expect(catchUps).toHaveLength(1);
  expect(catchUps[0]!.payload).toEqual({ aps: { alert: { title: 'While you were away', body: '2 unread conversations' }, badge: 2, sound: 'default' }, type: 'catch-up' });
  expect(catchUps[0]!.attributes).toMatchObject({ 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': 'catch-up', 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'alert' });
  const fcm = (await pushesTo(gcm)).filter((p) => typeOf(p) === 'catch-up');
  expect(fcm).toHaveLength(1);
  expect(fcm[0]!.payload.fcmV1Message.message).toEqual({
    notification: { title: 'While you were away', body: '2 unread conversations' },
    data: { type: 'catch-up', badge: '2' },
    android: { collapse_key: 'catch-up', notification: { tag: 'catch-up', notification_count: 2 } },
  });
  // No alert of the messages themselves ever reached the devices (the fan-out sent its frames, in the same pass).
  for (const t of [apns, gcm]) expect((await pushesTo(t)).filter((p) => typeOf(p) !== 'catch-up')).toEqual([]);

  // After it: alerts go as usual.
  const m3 = await visitorSays(c1, 'back?');
  expect((await alertFor(apns, m3.messageId)).payload.aps.badge).toBe(2);
});

test('quiet hours hold the reminder email; the obligation stays and goes out once the agent is no longer quiet (SPEC §4, §11.4)', async () => {
  const ws = uid('ws');
  // A window covering the whole day but one minute, in a non-UTC zone: quiet now, whatever the clock.
  const now = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date());
  const [h, m] = now.split(':').map(Number);
  const end = (h! * 60 + m! + 1439 - 2 + 1440) % 1440; // ends 3 minutes before now: now is inside
  const start = (end + 1) % 1440;
  const hhmm = (x: number) => `${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
  const quietHours = { start: hhmm(start), end: hhmm(end), timeZone: 'Asia/Kolkata' };
  const a = await newAgent(ws, 'quiet', { scope: 'all', email: true, emailUnreadReminder: true, quietHours });
  const conv = await newConversation(ws, 'Hal');
  const msg = await visitorSays(conv, 'please email me');
  const tab = await connect(a);
  void tab;
  // The obligation is recorded by the fan-out; wait until the badge shows the message arrived.
  await eventually(async () => (await me(a)).unreadConversations === 1, 'the fan-out of the message');
  const mails = async () => (await call(stack.httpUrl, 'GET', '/_local/emails')).json.emails.filter((e: any) => e.to.includes(a.email));
  const held = await runReminders();
  expect(held.failed).toBe(0);
  expect(await mails()).toEqual([]);
  // Quiet hours off: the next run emails what was owed.
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token: a.token, body: { ...DEFAULT_SETTINGS, scope: 'all', email: true, emailUnreadReminder: true } });
  expect(r.status).toBe(200);
  await runReminders();
  const sent = await eventually(async () => ((await mails()).length === 1 ? await mails() : undefined), 'the reminder email');
  expect(sent[0].text).toContain('please email me');
  void msg;
});
