/**
 * Attention in the fan-out (SPEC §11.1, §11.4–11.6), black-box over the offline stack: real HTTP,
 * real sockets, pushes read back from the local SNS with their message attributes.
 *
 * "No push" is never checked by waiting: the fan-out handles a conversation's messages in stream
 * order, so once a later message's push has reached a device, an earlier message's push would have
 * reached it before.
 *
 * Quiet hours are driven through the settings, not a faked clock: the window is chosen around the
 * current wall-clock time in Asia/Kolkata (UTC+5:30, no daylight saving) so that it runs past midnight.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../../local/stack.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { k } from '../../lambdas/store/keys.js';
import { agentToken, AgentSocket, apnsToken, call, eventually, startTestStack, uid } from '../support/offline.js';

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
  token: string;
}

async function newAgent(ws: string, name: string, settings: Partial<Settings> = {}): Promise<TestAgent> {
  const agentId = uid(name);
  const token = await agentToken(stack, { workspaceId: ws, agentId, email: `${agentId}@example.com`, name });
  await putSettings({ agentId, token }, settings);
  return { agentId, token };
}

async function putSettings(a: TestAgent, settings: Partial<Settings>) {
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token: a.token, body: { ...DEFAULT_SETTINGS, scope: 'all', ...settings } });
  expect(r.status).toBe(200);
  return r.json;
}

async function connect(a: TestAgent): Promise<AgentSocket> {
  const s = await AgentSocket.open(stack.wsUrl, a.token);
  sockets.push(s);
  return s;
}

async function device(a: TestAgent, platform: 'GCM' | 'APNS'): Promise<string> {
  const token = platform === 'APNS' ? apnsToken() : uid(platform.toLowerCase());
  const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: a.token, body: { platform, token } });
  expect(r.status).toBe(201);
  return token;
}

async function dnd(a: TestAgent, until: string | null) {
  return call(stack.httpUrl, 'PUT', '/v1/me/do-not-disturb', { token: a.token, body: { until } });
}

async function newConversation(ws: string, visitorName = 'Ann') {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: visitorName } } });
  expect(r.status).toBe(201);
  return r.json as { conversationId: string; visitorToken: string };
}

async function visitorSays(conv: { conversationId: string; visitorToken: string }, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json.messageId;
}

const idOf = (p: any) => (p.platform === 'GCM' ? p.payload.fcmV1Message.message.data.messageId : p.payload.messageId);
async function pushesOf(deviceToken: string): Promise<any[]> {
  const r = await call(stack.httpUrl, 'GET', '/_local/push');
  return (r.json.pushes as any[]).filter((p) => p.token === deviceToken);
}
const pushFor = (deviceToken: string, messageId: string) => eventually(async () => (await pushesOf(deviceToken)).find((p) => idOf(p) === messageId), `push ${messageId}`);
const frameFor = (s: AgentSocket, messageId: string) => s.waitFor((f) => f.type === 'chat.message' && f.messageId === messageId, `frame ${messageId}`);

describe('settings at the edge (SPEC §2, §11.4)', () => {
  test('quietHours: an unknown zone, a malformed time or a bad day is 400 and writes nothing; a good one comes back whole', async () => {
    const a = await newAgent(uid('ws'), 'edge');
    const good = { start: '22:00', end: '07:00', timeZone: 'Asia/Kolkata', days: [1, 5] };
    const saved = await putSettings(a, { quietHours: good, pushPreview: 'name' });
    expect(saved).toEqual({ ...DEFAULT_SETTINGS, scope: 'all', quietHours: good, pushPreview: 'name' });
    const bad = [
      { ...good, timeZone: 'Mars/Olympus_Mons' },
      { ...good, timeZone: '' },
      { ...good, start: '24:00' },
      { ...good, start: '7:00' },
      { ...good, end: '07:60' },
      { ...good, days: [7] },
      { ...good, days: [1, 1] },
      { ...good, days: [] },
      { ...good, extra: true },
      { start: '22:00', end: '07:00' },
    ];
    for (const quietHours of bad) {
      const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token: a.token, body: { ...DEFAULT_SETTINGS, quietHours } });
      expect({ quietHours, status: r.status }).toEqual({ quietHours, status: 400 });
      expect(r.json.error).toEqual({ code: 'validation_error', message: expect.any(String) });
    }
    const me = await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token });
    expect(me.json.settings).toEqual(saved);
  });

  test('PUT /v1/me/do-not-disturb: an instant up to 7 days ahead is kept and shown by GET /v1/me; null or past ends it; bad input is 400', async () => {
    const a = await newAgent(uid('ws'), 'dnd');
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.doNotDisturbUntil).toBeNull();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(await dnd(a, until)).toMatchObject({ status: 200, json: { until } });
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.doNotDisturbUntil).toBe(until);

    for (const body of [
      { until: new Date(Date.now() + 8 * 24 * 3_600_000).toISOString() },
      { until: 'tomorrow' },
      { until: '2026-12-02' },
      { until: '2026-12-02T12:00:00' },
      { until: 1733140800000 },
      {},
      { until, extra: 1 },
    ]) {
      const r = await call(stack.httpUrl, 'PUT', '/v1/me/do-not-disturb', { token: a.token, body });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(r.json.error.code).toBe('validation_error');
    }
    // None of those writes changed it.
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.doNotDisturbUntil).toBe(until);

    expect(await dnd(a, new Date(Date.now() - 60_000).toISOString())).toMatchObject({ status: 200, json: { until: null } });
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.doNotDisturbUntil).toBeNull();
    expect(await dnd(a, until)).toMatchObject({ status: 200, json: { until } });
    expect(await dnd(a, null)).toMatchObject({ status: 200, json: { until: null } });
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.doNotDisturbUntil).toBeNull();
    // Without a token: 401 in the error shape.
    const anon = await call(stack.httpUrl, 'PUT', '/v1/me/do-not-disturb', { body: { until: null } });
    expect(anon.status).toBe(401);
  });
});

describe('do-not-disturb and quiet hours in the fan-out (SPEC §11.4)', () => {
  test('DND on: the frame says notify false and no push goes; DND ended: push and notify true again', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'snoozer');
    const phone = await device(a, 'GCM');
    const tab = await connect(a);
    const conv = await newConversation(ws);

    const m0 = await visitorSays(conv, 'before');
    expect((await frameFor(tab, m0)).notify).toBe(true);
    await pushFor(phone, m0);

    expect((await dnd(a, new Date(Date.now() + 3_600_000).toISOString())).status).toBe(200);
    const m1 = await visitorSays(conv, 'during');
    expect((await frameFor(tab, m1)).notify).toBe(false);

    expect((await dnd(a, null)).status).toBe(200);
    const m2 = await visitorSays(conv, 'after');
    expect((await frameFor(tab, m2)).notify).toBe(true);
    await pushFor(phone, m2);
    expect((await pushesOf(phone)).map(idOf)).toEqual([m0, m2]);
  });

  test('DND set before the agent joins a recipient list still holds: the new list item carries it', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'joiner', { scope: 'assigned', unassigned: false });
    const phone = await device(a, 'GCM');
    const tab = await connect(a);
    expect((await dnd(a, new Date(Date.now() + 3_600_000).toISOString())).status).toBe(200);
    // Now on the scope-all list (a list item written by the settings save, after the DND write).
    await putSettings(a, { scope: 'all' });
    const conv = await newConversation(ws);
    const m1 = await visitorSays(conv, 'quiet please');
    expect((await frameFor(tab, m1)).notify).toBe(false);
    expect((await dnd(a, null)).status).toBe(200);
    const m2 = await visitorSays(conv, 'loud now');
    await pushFor(phone, m2);
    expect((await pushesOf(phone)).map(idOf)).toEqual([m2]);
  });

  test("quiet hours across midnight in Asia/Kolkata: held on the window's start day, not on another day", async () => {
    const zone = 'Asia/Kolkata';
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date());
    const get = (t: string) => parts.find((p) => p.type === t)!.value;
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
    const now = Number(get('hour')) * 60 + Number(get('minute'));
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    // Afternoon or evening: a window from an hour ago to 10:00 tomorrow (we are in its first half).
    // Morning: a window from 23:00 yesterday to an hour from now (its second half, yesterday's window).
    // Either way the end is before the start (past midnight) and now is at least an hour from both ends.
    const window = now >= 720 ? { start: hhmm(now - 60), end: '10:00', startDay: day } : { start: '23:00', end: hhmm(now + 60), startDay: (day + 6) % 7 };
    expect(window.end < window.start).toBe(true);

    const ws = uid('ws');
    const a = await newAgent(ws, 'night', { quietHours: { start: window.start, end: window.end, timeZone: zone, days: [window.startDay] } });
    const phone = await device(a, 'APNS');
    const tab = await connect(a);
    const conv = await newConversation(ws);
    const m1 = await visitorSays(conv, 'at night');
    expect((await frameFor(tab, m1)).notify).toBe(false);

    // The same window on another start day does not hold now.
    await putSettings(a, { quietHours: { start: window.start, end: window.end, timeZone: zone, days: [(window.startDay + 3) % 7] } });
    const m2 = await visitorSays(conv, 'another day');
    expect((await frameFor(tab, m2)).notify).toBe(true);
    await pushFor(phone, m2);
    expect((await pushesOf(phone)).map(idOf)).toEqual([m2]);

    // Every day: held again.
    await putSettings(a, { quietHours: { start: window.start, end: window.end, timeZone: zone } });
    const m3 = await visitorSays(conv, 'every night');
    expect((await frameFor(tab, m3)).notify).toBe(false);
    await putSettings(a, { quietHours: null });
    const m4 = await visitorSays(conv, 'morning');
    await pushFor(phone, m4);
    expect((await pushesOf(phone)).map(idOf)).toEqual([m2, m4]);
  });
});

describe('preview privacy (SPEC §11.5) and collapse (§11.1) in the pushes', () => {
  test('full, name and none per recipient, on APNS and GCM; collapse keys on every alert push', async () => {
    const ws = uid('ws');
    const full = await newAgent(ws, 'full', { pushPreview: 'full' });
    const named = await newAgent(ws, 'named', { pushPreview: 'name' });
    const hidden = await newAgent(ws, 'hidden', { pushPreview: 'none' });
    const phones: Record<string, { apns: string; gcm: string }> = {};
    for (const [n, a] of Object.entries({ full, named, hidden })) phones[n] = { apns: await device(a, 'APNS'), gcm: await device(a, 'GCM') };
    const conv = await newConversation(ws, 'Zelda Quux');
    const m = await visitorSays(conv, 'my card number is 4111');

    const get = async (n: string) => ({ apns: await pushFor(phones[n]!.apns, m), gcm: await pushFor(phones[n]!.gcm, m) });
    const alertOf = (p: any) => (p.platform === 'GCM' ? p.payload.fcmV1Message.message.notification : p.payload.aps.alert);

    const f = await get('full');
    expect(alertOf(f.apns)).toEqual({ title: 'Zelda Quux', body: 'my card number is 4111' });
    expect(alertOf(f.gcm)).toEqual({ title: 'Zelda Quux', body: 'my card number is 4111' });

    const nm = await get('named');
    for (const p of [nm.apns, nm.gcm]) {
      expect(alertOf(p)).toEqual({ title: 'Zelda Quux', body: 'New message' });
      expect(JSON.stringify(p.payload)).not.toContain('4111');
    }

    const h = await get('hidden');
    for (const p of [h.apns, h.gcm]) {
      expect(alertOf(p)).toEqual({ title: 'New message', body: '' });
      const text = JSON.stringify(p.payload);
      for (const secret of ['Zelda', 'Quux', '4111']) expect(text).not.toContain(secret);
    }
    expect(h.gcm.payload.fcmV1Message.message.data).toMatchObject({ conversationId: conv.conversationId, messageId: m });

    // §11.1: APNS through the SNS message attributes, FCM in the payload.
    for (const p of [f.apns, nm.apns, h.apns]) {
      expect(p.attributes).toEqual({ 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': conv.conversationId, 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'alert' });
      expect(p.payload.aps['thread-id']).toBe(conv.conversationId);
    }
    for (const p of [f.gcm, nm.gcm, h.gcm]) {
      expect(p.payload.fcmV1Message.message.android).toMatchObject({ collapse_key: conv.conversationId, notification: { tag: conv.conversationId } });
    }
  });
});

describe('mobile only when away (SPEC §11.6)', () => {
  test('active → pong; with mobileOnlyWhenAway on, a recent active holds pushes; without active, or with the setting off, pushes go', async () => {
    const ws = uid('ws');
    const desk = await newAgent(ws, 'desk', { mobileOnlyWhenAway: true });
    const away = await newAgent(ws, 'away', { mobileOnlyWhenAway: true });
    const plain = await newAgent(ws, 'plain');
    const deskPhone = await device(desk, 'GCM');
    const awayPhone = await device(away, 'GCM');
    const plainPhone = await device(plain, 'APNS');
    const deskTab = await connect(desk);
    const plainTab = await connect(plain);

    deskTab.send({ action: 'active' });
    await deskTab.waitFor((f) => f.type === 'pong', 'pong to active');
    plainTab.send({ action: 'active' });
    await plainTab.waitFor((f) => f.type === 'pong', 'pong to active');

    const conv = await newConversation(ws);
    const m1 = await visitorSays(conv, 'anyone?');
    expect((await frameFor(deskTab, m1)).notify).toBe(true);
    await pushFor(awayPhone, m1);
    await pushFor(plainPhone, m1);

    // The setting off again: the same recent active no longer holds the push.
    await putSettings(desk, { mobileOnlyWhenAway: false });
    const m2 = await visitorSays(conv, 'hello?');
    await pushFor(deskPhone, m2);
    expect((await pushesOf(deskPhone)).map(idOf)).toEqual([m2]);
  });

  test('a second active within ~50 s writes nothing; a bad active frame gets an error frame', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'often', { mobileOnlyWhenAway: true });
    const tab = await connect(a);
    const activeAt = async () => (await dynamo().send(new GetCommand({ TableName: stack.tableName, Key: k.agent(ws, a.agentId), ConsistentRead: true }))).Item?.activeAt;
    tab.send({ action: 'active' });
    await tab.waitFor((f) => f.type === 'pong', 'first pong');
    const first = await activeAt();
    expect(typeof first).toBe('string');
    // The list item the fan-out reads carries the same instant.
    const listed = await dynamo().send(new GetCommand({ TableName: stack.tableName, Key: { pk: k.recipientsAllPk(ws), sk: a.agentId }, ConsistentRead: true }));
    expect(listed.Item?.activeAt).toBe(first);
    tab.send({ action: 'active' });
    await eventually(() => tab.frames.filter((f) => f.type === 'pong').length === 2, 'second pong');
    expect(await activeAt()).toBe(first);

    tab.send({ action: 'active', extra: 1 });
    await tab.waitFor((f) => f.type === 'error', 'error frame');
  });
});
