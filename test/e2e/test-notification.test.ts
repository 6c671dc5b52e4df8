/**
 * The test notification (SPEC §12) over the offline stack with the rate limits of §10.2 on: its
 * answer names every connection, device and the email, and matches what the sockets, the local SNS
 * (`/_local/push`) and the local SES (`/_local/emails`) received; quiet hours do not hold it back; a
 * second test within 30 s is 429 with Retry-After; the test is in the agent's log.
 */
import type { OfflineStack } from '../../local/stack.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ rateLimits: true });
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
});

async function newAgent(workspaceId: string, name: string, settings: Partial<Settings> = {}) {
  const agentId = uid(name);
  const email = `${agentId}@example.com`;
  const token = await agentToken(stack, { workspaceId, agentId, email, name });
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
  expect(r.status).toBe(200);
  return { agentId, email, token };
}

async function device(token: string, platform: 'GCM' | 'APNS', pushToken: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform, token: pushToken } });
  expect(r.status).toBe(201);
  return r.json.deviceId;
}

test('every live connection, every enabled device and the email, answered with each outcome; quiet hours do not hold it; 429 within 30 s', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'a', { email: true, emailUnreadReminder: true, quietHours: { start: '00:00', end: '23:59', timeZone: 'UTC' } });
  const tabs = [await AgentSocket.open(stack.wsUrl, a.token), await AgentSocket.open(stack.wsUrl, a.token)];
  sockets.push(...tabs);
  const gcmToken = uid('gcm');
  const apnsToken = 'ab'.repeat(32);
  const deadToken = uid('dead');
  const gcm = await device(a.token, 'GCM', gcmToken);
  const apns = await device(a.token, 'APNS', apnsToken);
  const dead = await device(a.token, 'GCM', deadToken);
  expect((await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: deadToken } })).status).toBe(200);

  const r = await call(stack.httpUrl, 'POST', '/v1/me/notifications/test', { token: a.token });
  expect(r.status).toBe(200);
  const deliveries: any[] = r.json.deliveries;
  const desktop = deliveries.filter((d) => d.channel === 'desktop');
  expect(desktop).toHaveLength(2);
  expect(desktop.every((d) => d.outcome === 'sent' && typeof d.target === 'string')).toBe(true);
  const byTarget = Object.fromEntries(deliveries.filter((d) => d.channel === 'mobile').map((d) => [d.target, d]));
  expect(byTarget).toEqual({
    [gcm]: { channel: 'mobile', target: gcm, outcome: 'sent' },
    [apns]: { channel: 'mobile', target: apns, outcome: 'sent' },
    [dead]: { channel: 'mobile', target: dead, outcome: 'failed', detail: 'endpoint_disabled' },
  });
  expect(deliveries.filter((d) => d.channel === 'email')).toEqual([{ channel: 'email', outcome: 'sent' }]);

  // What the sockets, the local SNS and the local SES got matches the answer.
  for (const tab of tabs) {
    const f = await tab.waitFor((x) => x.type === 'test', 'test frame');
    expect(Object.keys(f).sort()).toEqual(['at', 'type']);
    expect(Number.isFinite(Date.parse(f.at))).toBe(true);
  }
  const pushes = (await call(stack.httpUrl, 'GET', '/_local/push')).json.pushes.filter((p: any) => [gcmToken, apnsToken, deadToken].includes(p.token));
  expect(pushes).toHaveLength(2);
  const g = pushes.find((p: any) => p.token === gcmToken);
  expect(g.payload.fcmV1Message.message.notification.title).toBe('Test notification');
  expect(g.payload.fcmV1Message.message.data.type).toBe('test');
  const ap = pushes.find((p: any) => p.token === apnsToken);
  expect(ap.payload.type).toBe('test');
  expect(ap.payload.aps.alert.title).toBe('Test notification');
  const mails = await eventually(async () => {
    const m = (await call(stack.httpUrl, 'GET', '/_local/emails')).json.emails.filter((e: any) => e.to.includes(a.email));
    return m.length ? m : undefined;
  }, 'test email');
  expect(mails).toHaveLength(1);
  expect(mails[0].subject).toBe('Test notification');

  // The same outcomes are the log's test entry.
  const log = (await call(stack.httpUrl, 'GET', '/v1/me/notifications', { token: a.token })).json.notifications;
  expect(log).toEqual([{ kind: 'test', at: expect.any(String), deliveries }]);

  // SPEC §10.2: one per 30 seconds; nothing more is sent.
  const again = await call(stack.httpUrl, 'POST', '/v1/me/notifications/test', { token: a.token });
  expect(again.status).toBe(429);
  expect(again.json.error.code).toBe('rate_limited');
  const retry = Number(again.headers.get('retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(30);
  expect(tabs.map((t) => t.frames.filter((x) => x.type === 'test').length)).toEqual([1, 1]);
  expect((await call(stack.httpUrl, 'GET', '/v1/me/notifications', { token: a.token })).json.notifications).toHaveLength(1);
});

test('nothing to reach: the answer says so, channel by channel', async () => {
  const b = await newAgent(uid('ws'), 'b');
  const r = await call(stack.httpUrl, 'POST', '/v1/me/notifications/test', { token: b.token });
  expect(r.status).toBe(200);
  expect(r.json.deliveries).toEqual([
    { channel: 'desktop', outcome: 'suppressed', detail: 'no_connection' },
    { channel: 'mobile', outcome: 'suppressed', detail: 'no_device' },
    { channel: 'email', outcome: 'suppressed', detail: 'email_off' },
  ]);
  expect((await call(stack.httpUrl, 'POST', '/v1/me/notifications/test')).status).toBe(401);
});
