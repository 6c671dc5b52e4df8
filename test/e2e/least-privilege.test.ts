/**
 * Least privilege, proved (issue 11 item 5): one tour through every route and background function
 * of the offline stack with the AWS call recorder on (lambdas/platform/call-log.ts), then each
 * recorded call is held against its function's policy in the synthesized template, and each grant
 * against the calls (test/support/iam-check.ts).
 *
 * Why a dedicated tour as well as the suite-wide check in the global teardown: the teardown can
 * only say "granted but unused" after a whole `npm test`, and a partial run (one file, a
 * `-t` filter) must not fail on that. This file drives every path whose calls a grant exists for,
 * so both halves are checked on every run of it, and a new route or call shows up here first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OfflineStack } from '../../local/stack.js';
import { ALL_HANDLERS, QUEUES } from '../../lib/routes.js';
import { DEFAULT_SETTINGS } from '../../lambdas/domain/settings.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { putConnection } from '../../lambdas/store/connections.js';
import { markRemoved } from '../../lambdas/store/agent-status.js';
import { dueOfAgent } from '../../lambdas/store/reminders.js';
import { k } from '../../lambdas/store/keys.js';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { loadHandler } from '../../local/invoke.js';
import { agentToken, AgentSocket, apnsToken, call, eventually, startTestStack, uid } from '../support/offline.js';
import { connectionIdOf, connectionsError, PASS, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { checkCalls, formatReport, readCalls, type IamReport } from '../support/iam-check.js';
import { FANOUT_THRESHOLD } from '../../lambdas/app/fanout.js';
import { asFunction } from '../../lambdas/platform/call-log.js';

// Its own log (so the check below sees this tour's calls only), inside the run's log when there is
// one, so the global teardown's suite-wide check counts these calls too.
const previous = process.env.AWS_CALL_LOG;
const logDir = previous ? join(previous, `tour-${process.pid}`) : mkdtempSync(join(tmpdir(), 'iam-tour-'));
let stack: OfflineStack;
let conns: FaultProxy;

beforeAll(async () => {
  // Before the stack loads any handler: the client factory reads it when it builds a client.
  process.env.AWS_CALL_LOG = logDir;
  // Rate limits on, so their counters' calls are recorded (the tour stays well under them); the
  // expiry sweep off, so the tour runs it once, when an expired connection is there to close.
  // Work items that fail once (a slow DynamoDB Local on a busy machine) come back after 5 s here,
  // not after the deployed visibility timeouts (180 s, 720 s), so the tour's waits cover a retry.
  stack = await startTestStack({ rateLimits: true, connectionExpiryIntervalS: 0, queues: QUEUES.map((q) => ({ ...q, visibilityTimeoutS: 5 })) });
  // @connections behind a fault proxy, so one send can fail and be retried (the claim release).
  // Nothing has been sent yet: the fan-out builds its client on first use.
  conns = await startFaultProxy(process.env.WS_CALLBACK_URL!);
  process.env.WS_CALLBACK_URL = conns.url;
  resetConfigForTests();
}, 120_000);

afterAll(async () => {
  await conns?.close();
  await stack?.stop();
  if (previous === undefined) {
    delete process.env.AWS_CALL_LOG;
    rmSync(logDir, { recursive: true, force: true });
  } else {
    process.env.AWS_CALL_LOG = previous;
  }
});

async function ok(r: Promise<{ status: number; text: string }>, status: number, what: string) {
  const got = await r;
  if (got.status !== status) throw new Error(`${what}: expected ${status}, got ${got.status} ${got.text}`);
  return got as any;
}

/** Every route and background function, each path that makes a different AWS call. */
async function tour() {
  const ws = uid('ws');
  const base = stack.httpUrl;
  const mk = async (name: string, settings: Record<string, unknown>) => {
    const agentId = uid(name);
    const email = `${agentId}@example.com`;
    const token = await agentToken(stack, { workspaceId: ws, agentId, email, name });
    await ok(call(base, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } }), 200, 'put settings');
    return { agentId, email, token };
  };
  // An agent is created by the first request that meets it (ensureAgent), and its profile follows
  // the token: each entry point that does so sees a new agent, then the same one renamed.
  const first = async (name: string, run: (token: string) => Promise<unknown>) => {
    const id = { workspaceId: ws, agentId: uid(name), email: `${name}@example.com` };
    await run(await stack.issuer.sign({ ...id, name }));
    await run(await stack.issuer.sign({ ...id, name: `${name} renamed` }));
  };
  await first('me', (token) => ok(call(base, 'GET', '/v1/me', { token }), 200, 'first get me'));
  await first('settings', (token) => ok(call(base, 'PUT', '/v1/me/notification-settings', { token, body: DEFAULT_SETTINGS }), 200, 'first settings'));
  await first('dnd', (token) => ok(call(base, 'PUT', '/v1/me/do-not-disturb', { token, body: { until: new Date(Date.now() + 3_600_000).toISOString() } }), 200, 'first do-not-disturb'));
  await first('device', (token) => call(base, 'POST', '/v1/me/devices', { token, body: { platform: 'GCM', token: uid('gcm') } }));
  await first('socket', async (token) => (await AgentSocket.open(stack.wsUrl, token)).close());

  // What every agent request may write on the profile (lambdas/app/agent-access.ts), per entry
  // point: a stale lastSeenAt moved (profile and list items), then a removed agent who signed in
  // again restored (profile and lists back). Planted directly, outside any handler (not recorded).
  const db = dynamo();
  const marks = async (name: string, run: (token: string) => Promise<unknown>, opts: { restore?: boolean } = {}) => {
    const id = { workspaceId: ws, agentId: uid(name), email: `${name}@example.com`, name, role: 'admin' as const };
    await ok(call(base, 'PUT', '/v1/me/notification-settings', { token: await stack.issuer.sign(id), body: { ...DEFAULT_SETTINGS, scope: 'all', unassigned: true } }), 200, 'marks settings');
    // Also an agent stored before the target copies (no `targetsCopied`): its first request copies them (a Query of its items).
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: k.agent(ws, id.agentId),
        UpdateExpression: 'SET lastSeenAt = :old REMOVE targetsCopied',
        ExpressionAttributeValues: { ':old': '2000-01-01T00:00:00.000Z' },
      }),
    );
    await run(await stack.issuer.sign(id));
    if (opts.restore === false) return;
    await markRemoved(db, stack.tableName, id, new Date(Date.now() - 3_600_000).toISOString());
    await run(await stack.issuer.sign(id, { extra: { auth_time: Math.floor(Date.now() / 1000) } }));
  };
  const some = (method: string, path: string, body?: unknown) => (token: string) => call(base, method, path, { token, ...(body !== undefined ? { body } : {}) });
  await marks('m-me', some('GET', '/v1/me'));
  await marks('m-settings', some('PUT', '/v1/me/notification-settings', DEFAULT_SETTINGS));
  await marks('m-dnd', some('PUT', '/v1/me/do-not-disturb', { until: null }));
  await marks('m-device', some('POST', '/v1/me/devices', { platform: 'GCM', token: uid('gcm') }));
  await marks('m-undevice', some('DELETE', '/v1/me/devices/dev_nothere'));
  await marks('m-list', some('GET', '/v1/conversations'));
  await marks('m-messages', some('GET', '/v1/conversations/conv_nothere/messages'));
  await marks('m-read', some('POST', '/v1/conversations/conv_nothere/read', {}));
  await marks('m-assign', some('PUT', '/v1/conversations/conv_nothere/assignee', { agentId: null }));
  await marks('m-post', some('POST', '/v1/conversations/conv_nothere/messages', { body: 'x' }));
  await marks('m-widget', some('GET', '/v1/workspace/widget'));
  await marks('m-putwidget', some('PUT', '/v1/workspace/widget', { allowedOrigins: [], conversationsPerMinute: 60 }));
  await marks('m-remove', some('DELETE', '/v1/workspace/agents/nobody'));
  await marks('m-log', some('GET', '/v1/me/notifications'));
  await marks('m-test', some('POST', '/v1/me/notifications/test'));
  await marks('m-agents', some('GET', '/v1/agents'));
  await marks('m-devices', some('GET', '/v1/me/devices'));
  await marks('m-conversation', some('GET', '/v1/conversations/conv_nothere'));
  // $connect has only the identity (no auth_time): it refuses a removed agent, never restores.
  await marks('m-socket', async (token) => (await AgentSocket.open(stack.wsUrl, token)).close(), { restore: false });

  // A legacy recipient met by the fan-out (no `targetsCopied` on its list items and profile): the
  // fan-out reads its items the old way once and copies them.
  const legacy = { workspaceId: ws, agentId: uid('legacy'), email: 'legacy@example.com', name: 'Legacy' };
  await ok(call(base, 'PUT', '/v1/me/notification-settings', { token: await stack.issuer.sign(legacy), body: { ...DEFAULT_SETTINGS, scope: 'all' } }), 200, 'legacy settings');
  for (const key of [k.agent(ws, legacy.agentId), { pk: k.recipientsAllPk(ws), sk: legacy.agentId }, { pk: k.recipientsUnassignedPk(ws), sk: legacy.agentId }]) {
    await db.send(new UpdateCommand({ TableName: stack.tableName, Key: key, UpdateExpression: 'REMOVE targetsCopied' }));
  }
  const legacyConv = await call(base, 'POST', `/v1/workspaces/${ws}/conversations`, {
    headers: { 'x-forwarded-for': '198.51.100.77' },
    body: { visitor: { name: 'Old' }, message: { body: 'hello legacy' } },
  });
  expect(legacyConv.status).toBe(201);
  await eventually(async () => {
    const r = await db.send(new GetCommand({ TableName: stack.tableName, Key: k.agent(ws, legacy.agentId), ConsistentRead: true }));
    return r.Item?.targetsCopied === true;
  }, 'the legacy recipient copied by the fan-out');

  // The workspace's widget settings, read and written by an admin.
  const admin = { workspaceId: ws, agentId: uid('admin'), email: 'admin@example.com', name: 'Admin', role: 'admin' as const };
  const adminToken = await stack.issuer.sign(admin);
  await ok(call(base, 'GET', '/v1/workspace/widget', { token: adminToken }), 200, 'get widget');
  await ok(call(base, 'PUT', '/v1/workspace/widget', { token: adminToken, body: { allowedOrigins: [], conversationsPerMinute: 60 } }), 200, 'put widget');

  // One device token moved from one agent to another (one owner per token), and an 11th device
  // evicting the oldest.
  const mover = { workspaceId: ws, email: 'mover@example.com', name: 'Mover' };
  const moved = uid('gcm');
  await ok(call(base, 'POST', '/v1/me/devices', { token: await stack.issuer.sign({ ...mover, agentId: uid('holder') }), body: { platform: 'GCM', token: moved } }), 201, 'first holder');
  const taker = await stack.issuer.sign({ ...mover, agentId: uid('taker') });
  await ok(call(base, 'POST', '/v1/me/devices', { token: taker, body: { platform: 'GCM', token: moved } }), 201, 'token moved');
  for (let i = 0; i < 10; i++) await ok(call(base, 'POST', '/v1/me/devices', { token: taker, body: { platform: 'APNS', token: apnsToken() } }), 201, `device ${i + 2}`);

  // The 21st connection of an agent closes the oldest (SPEC §10.3).
  const many = { workspaceId: ws, agentId: uid('many'), email: 'many@example.com', name: 'Many' };
  const manyToken = await stack.issuer.sign(many);
  const sockets: AgentSocket[] = [];
  for (let i = 0; i < 21; i++) sockets.push(await AgentSocket.open(stack.wsUrl, manyToken));
  // The oldest by connectedAt: any one of them, should two share a millisecond.
  await eventually(() => sockets.some((s) => s.frames.some((f) => f.type === 'error' && f.code === 'too_many_connections') && s.closed), 'the oldest told and closed');
  await Promise.all(sockets.map((s) => s.close().catch(() => undefined)));

  // Connections whose token expired: a frame on each of the message routes is refused and the
  // connection closed; one more is closed by the expiry sweep.
  const shortLived = { workspaceId: ws, agentId: uid('short'), email: 'short@example.com', name: 'Short' };
  const expiring = [];
  // One expiry for all five: a connect after an earlier token's end drops that connection's copies
  // (store/connections.ts putConnection), and its refusal would then have no copy to update.
  // 25 s: long enough for five connects on a busy machine (a token past its exp is refused at the upgrade).
  const exp = Math.floor(Date.now() / 1000) + 25;
  for (let i = 0; i < 5; i++) expiring.push(await AgentSocket.open(stack.wsUrl, await stack.issuer.sign(shortLived, { expiresIn: exp })));
  await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 + 1_000 - Date.now())));
  // Each refusal closes the connection (@connections DELETE) and then forgets it with its target
  // copies; the `$disconnect` the close causes races it for those copies, and when it wins the
  // route's UpdateItem on them is never made. API Gateway answering 410 (the connection already
  // gone) takes the race away: the route forgets the connection, copies and all, every time.
  conns.setRule((req) => (req.method === 'DELETE' ? connectionsError(410) : PASS));
  expiring[0]!.send({ action: 'ping' });
  expiring[1]!.send({ action: 'markRead', conversationId: 'conv_nothere' });
  expiring[2]!.send({ action: 'sendMessage', conversationId: 'conv_nothere', body: 'late', clientMessageId: uid('c') });
  expiring[4]!.send({ action: 'active' });
  for (const s of [...expiring.slice(0, 3), expiring[4]!]) await s.waitFor((f) => f.type === 'error' && f.code === 'unauthorized', 'the expired refusal');
  const sweeper = await loadHandler('connection-expiry');
  await eventually(
    async () => {
      const r = (await sweeper.invoke({})) as { closed: number; gone: number };
      return r.closed + r.gone > 0;
    },
    'the sweep closing the expired connection',
    30_000,
  );
  conns.setRule(undefined);
  await Promise.all(expiring.map((s) => s.close().catch(() => undefined)));

  const all = await mk('all', { scope: 'all', email: true, emailUnreadReminder: true });
  const victim = await mk('victim', { scope: 'all', email: true, emailUnreadReminder: true });
  // SPEC §11.4: an agent in do-not-disturb when the visitor writes: the fan-out withholds the push
  // and records a catch-up, which the reminder's inline run sends once it has ended (below).
  const dnd = await mk('dnd', { scope: 'all', unassigned: false });
  const dndDevice = uid('gcm');
  await ok(call(base, 'POST', '/v1/me/devices', { token: dnd.token, body: { platform: 'GCM', token: dndDevice } }), 201, 'dnd device');
  const dndUntil = Date.now() + 3_000;
  await setDoNotDisturb(ws, dnd.agentId, new Date(dndUntil).toISOString());
  const other = await mk('other', { scope: 'assigned', unassigned: false });
  await ok(call(base, 'GET', '/v1/me', { token: all.token }), 200, 'get me');

  // WebSocket: connect (authorizer), ping, bad frame ($default); the socket stays for the fan-out.
  const sock = await AgentSocket.open(stack.wsUrl, all.token);
  sock.send({ action: 'ping' });
  sock.send('not json');
  await sock.waitFor((f) => f.type === 'pong', 'pong');
  // SPEC §11.6: `active` writes the instant on the profile and its list copies (the second, fresh, only reads).
  sock.send({ action: 'active' });
  await eventually(() => sock.frames.filter((f) => f.type === 'pong').length >= 2, 'pong to active');
  // A connection whose $disconnect never came (API Gateway's is best-effort): @connections says
  // 410 and the fan-out deletes it. Planted directly, outside any handler, so it is not recorded.
  const staleId = uid('stale');
  await putConnection(dynamo(), stack.tableName, { connectionId: staleId, workspaceId: ws, agentId: all.agentId, connectedAt: new Date().toISOString() });

  // Devices: one registered then disabled by the platform (the fan-out marks it), another deleted.
  const gcmToken = uid('gcm');
  const dev = await ok(call(base, 'POST', '/v1/me/devices', { token: all.token, body: { platform: 'GCM', token: gcmToken } }), 201, 'register device');
  await ok(call(base, 'POST', '/_local/push/disable', { body: { token: gcmToken } }), 200, 'disable endpoint');
  const spare = await ok(call(base, 'POST', '/v1/me/devices', { token: other.token, body: { platform: 'APNS', token: apnsToken() } }), 201, 'register spare');
  await ok(call(base, 'DELETE', `/v1/me/devices/${spare.json.deviceId}`, { token: other.token }), 204, 'delete device');

  // A visitor conversation and message: the fan-out's send to the live socket fails (500) on all
  // three SDK attempts, so the claim is released and the stream delivers the record again.
  let failed = 0;
  conns.setRule((req) => (req.method === 'POST' && connectionIdOf(req) !== staleId && failed++ < 3 ? connectionsError(500) : PASS));
  const conv = await ok(call(base, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Vi' }, message: { body: 'hello' } } }), 201, 'create conversation');
  const { conversationId, visitorToken } = conv.json;
  const m = await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: visitorToken, body: { body: 'anyone?' } }), 201, 'visitor post');
  await sock.waitFor((f) => f.type === 'chat.message' && f.messageId === m.json.messageId, 'the live frame');
  expect(failed).toBeGreaterThan(3);
  // The device was disabled: registering it again reads and re-enables the endpoint, and it gets the next push.
  await ok(call(base, 'POST', '/v1/me/devices', { token: all.token, body: { platform: 'GCM', token: gcmToken } }), 200, 'register again');
  const m1 = await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: visitorToken, body: { body: 'hello?' } }), 201, 'visitor post');
  await eventually(async () => {
    const r = await call(base, 'GET', '/_local/push');
    return (r.json.pushes as any[]).some((p) => p.endpointArn === dev.json.endpointArn && JSON.stringify(p.payload).includes(m1.json.messageId));
  }, 'the push');

  // Agent routes over HTTP and WebSocket.
  await ok(call(base, 'GET', '/v1/conversations', { token: all.token }), 200, 'list conversations');
  await ok(call(base, 'GET', '/v1/conversations?filter=unassigned', { token: all.token }), 200, 'list unassigned');
  await ok(call(base, 'GET', '/v1/conversations?filter=unread', { token: all.token }), 200, 'list unread');
  await ok(call(base, 'GET', '/v1/agents', { token: all.token }), 200, 'list agents');
  await ok(call(base, 'GET', '/v1/me/devices', { token: all.token }), 200, 'list devices');
  await ok(call(base, 'GET', `/v1/conversations/${conversationId}`, { token: all.token }), 200, 'get conversation');
  await ok(call(base, 'GET', `/v1/conversations/${conversationId}/messages`, { token: all.token }), 200, 'list messages');
  // A visitor reading: the workspace's allowed origins are checked (GetItem on WS#…).
  await ok(call(base, 'GET', `/v1/conversations/${conversationId}/messages`, { token: visitorToken }), 200, 'visitor lists messages');
  await ok(call(base, 'PUT', `/v1/conversations/${conversationId}/assignee`, { token: all.token, body: { agentId: other.agentId } }), 200, 'assign');
  await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: all.token, body: { body: 'on it' } }), 201, 'agent post');
  sock.send({ action: 'sendMessage', conversationId, body: 'over the socket', clientMessageId: uid('c') });
  await sock.waitFor((f) => f.type === 'ack', 'ack');
  const m2 = await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: visitorToken, body: { body: 'thanks' } }), 201, 'visitor again');
  await sock.waitFor((f) => f.type === 'chat.message' && f.messageId === m2.json.messageId, 'the second frame');

  // An agent removed by an admin: with a device, a live connection and a reminder due.
  await ok(call(base, 'POST', '/v1/me/devices', { token: victim.token, body: { platform: 'GCM', token: uid('gcm') } }), 201, 'victim device');
  const victimSock = await AgentSocket.open(stack.wsUrl, victim.token);
  await eventually(async () => (await dueOfAgent(dynamo(), stack.tableName, ws, victim.agentId)).length > 0, 'the victim owed a reminder');
  await ok(call(base, 'DELETE', `/v1/workspace/agents/${victim.agentId}`, { token: adminToken }), 204, 'remove agent');
  await victimSock.close().catch(() => undefined);

  // A bounce from SES, as its configuration set's SNS topic delivers it.
  const sesEvents = await loadHandler('ses-events');
  await sesEvents.invoke(sesBounce(ws, other.agentId, other.email));

  // The reminder emails `all` (email on, unread); then reads clear it. Its runs also send `dnd` its catch-up.
  await eventually(() => Date.now() > dndUntil, 'the end of do-not-disturb');
  await eventually(
    async () => {
      await ok(call(base, 'POST', '/_local/reminders/run'), 200, 'reminder run');
      const r = await call(base, 'GET', '/_local/emails');
      return (r.json.emails as any[]).some((e) => e.to.includes(all.email));
    },
    'the reminder email',
    40_000,
  );
  await eventually(async () => {
    const r = await call(base, 'GET', '/_local/push');
    return (r.json.pushes as any[]).some((p) => p.token === dndDevice && p.payload.fcmV1Message?.message?.data?.type === 'catch-up');
  }, 'the catch-up push');
  sock.send({ action: 'markRead', conversationId });
  await sock.waitFor((f) => f.type === 'read', 'read');
  await sock.waitFor((f) => f.type === 'conversation.read', 'conversation.read');
  // SPEC §11.3 over HTTP: a new message alerts the socket and the device, the read clears both.
  const m3 = await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: visitorToken, body: { body: 'one more' } }), 201, 'visitor post');
  await sock.waitFor((f) => f.type === 'chat.message' && f.messageId === m3.json.messageId, 'the third frame');
  await eventually(async () => {
    const r = await call(base, 'GET', '/_local/push');
    return (r.json.pushes as any[]).some((p) => p.endpointArn === dev.json.endpointArn && JSON.stringify(p.payload).includes(m3.json.messageId));
  }, 'the third push');
  await ok(call(base, 'POST', `/v1/conversations/${conversationId}/read`, { token: all.token, body: {} }), 200, 'mark read over HTTP');
  await ok(call(base, 'POST', `/v1/conversations/${conversationId}/read`, { token: other.token, body: {} }), 200, 'mark read');
  await ok(call(base, 'GET', '/v1/conversations?filter=assigned', { token: other.token }), 200, 'list assigned');

  // SPEC §12: the delivery log read back, and a test notification to every target of `all`: the
  // live socket, a connection gone stale (410: forgotten with its copies), a device the platform
  // disabled (marked, copies updated), and the email (both toggles on); then its entry written.
  await ok(call(base, 'GET', '/v1/me/notifications', { token: all.token }), 200, 'delivery log');
  await putConnection(dynamo(), stack.tableName, { connectionId: uid('stale'), workspaceId: ws, agentId: all.agentId, connectedAt: new Date().toISOString() });
  await ok(call(base, 'POST', '/_local/push/disable', { body: { token: gcmToken } }), 200, 'disable endpoint again');
  const tested = await ok(call(base, 'POST', '/v1/me/notifications/test', { token: all.token }), 200, 'test notification');
  expect((tested.json.deliveries as any[]).map((d) => `${d.channel} ${d.outcome} ${d.detail ?? ''}`.trim()).sort()).toEqual(
    ['desktop failed connection_gone', 'desktop sent', 'email sent', 'mobile failed endpoint_disabled'].sort(),
  );
  await sock.close();

  // SPEC §11.7: the reminder email's one-click unsubscribe (its page, then the POST).
  const mail = ((await call(base, 'GET', '/_local/emails')).json.emails as any[]).find((e) => e.to.includes(all.email));
  const link = new URL(/^<([^>]+)>$/.exec(mail.headers['List-Unsubscribe'])![1]!);
  await ok(call(base, 'GET', `${link.pathname}${link.search}`), 200, 'unsubscribe page');
  await ok(call(base, 'POST', `${link.pathname}${link.search}`, { raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 200, 'unsubscribe');

  await bigMessage();
}

/**
 * Issue 12: a message with more than FANOUT_THRESHOLD frames and pushes goes from the stream record
 * to the `fanout-work` queue (SendMessageBatch) and `fanout-worker` sends it: 26 agents with scope
 * all, each with a socket and a device, one with a connection gone stale (410: its items and the
 * target copies go) and one whose device the platform disabled (the device and its copies marked).
 * Email is on, so the workers record what is owed; then the reminder as its rule runs it (the
 * dispatcher hands the `due` index's partitions to `reminder-work`, the workers email), and a worker
 * whose time has run out queues the rest of its partition.
 */
async function bigMessage() {
  const ws = uid('big');
  const base = stack.httpUrl;
  const crowd: { agentId: string; email: string; deviceToken: string; sock: AgentSocket }[] = [];
  for (let i = 0; i < Math.floor(FANOUT_THRESHOLD / 2) + 1; i++) {
    const agentId = uid('crowd');
    const email = `${agentId}@example.com`;
    const token = await stack.issuer.sign({ workspaceId: ws, agentId, email, name: `Crowd ${i}` });
    await ok(call(base, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, scope: 'all', email: true, emailUnreadReminder: true } }), 200, 'crowd settings');
    const deviceToken = uid('gcm');
    await ok(call(base, 'POST', '/v1/me/devices', { token, body: { platform: 'GCM', token: deviceToken } }), 201, 'crowd device');
    crowd.push({ agentId, email, deviceToken, sock: await AgentSocket.open(stack.wsUrl, token) });
  }
  const [stale, disabled, quiet] = crowd;
  // One of the crowd in do-not-disturb: its catch-up is sent by the reminder's workers (below).
  const quietUntil = Date.now() + 2_000;
  await setDoNotDisturb(ws, quiet!.agentId, new Date(quietUntil).toISOString());
  await putConnection(dynamo(), stack.tableName, { connectionId: uid('stale'), workspaceId: ws, agentId: stale!.agentId, connectedAt: new Date().toISOString() });
  await ok(call(base, 'POST', '/_local/push/disable', { body: { token: disabled!.deviceToken } }), 200, 'disable crowd endpoint');
  const conv = await ok(call(base, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Many' }, message: { body: 'hello all' } } }), 201, 'big conversation');
  const { conversationId } = conv.json;
  for (const c of crowd) await c.sock.waitFor((f) => f.type === 'chat.message' && f.conversationId === conversationId, 'the big message frame');
  const worker = (action: string) => readCalls(logDir).some((c) => c.function === 'fanout-worker' && c.action === action);
  await eventually(() => worker('sns:Publish') && worker('dynamodb:DeleteItem') && worker('dynamodb:UpdateItem'), 'the workers done with the big message');
  await Promise.all(crowd.map((c) => c.sock.close().catch(() => undefined)));

  // The reminder's scheduled event, as the offline stack's schedule sends it (local/stack.ts;
  // test/e2e/reminder-schedule.test.ts): with the work queue there, the dispatcher only sends.
  const reminder = await loadHandler('reminder');
  await eventually(() => Date.now() > quietUntil, "the end of the crowd member's do-not-disturb");
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await reminder.invoke({ version: '0', id: uid('ev'), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: now, region: 'us-east-1', resources: [], detail: {} });
  await eventually(
    async () => {
      const r = await call(base, 'GET', '/_local/emails');
      return crowd.every((c) => (r.json.emails as any[]).some((e) => e.to.includes(c.email)));
    },
    'the workers emailing the crowd',
    180_000,
  );
  await eventually(
    async () => {
      const r = await call(base, 'GET', '/_local/push');
      return (r.json.pushes as any[]).some((p) => p.token === quiet!.deviceToken && p.payload.fcmV1Message?.message?.data?.type === 'catch-up');
    },
    "the workers' catch-up push",
    60_000,
  );

  // A worker invoked with no time left takes no agent and queues its partition as a continuation.
  const record = {
    messageId: uid('m'),
    receiptHandle: 'r',
    body: JSON.stringify({ partition: 'DUE' }),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:reminder-work',
    awsRegion: 'us-east-1',
  };
  // Imported here, as loadHandler does: after the stack has set the environment.
  const { handler: reminderWorker } = await import('../../lambdas/handlers/reminder-worker.js');
  await asFunction('reminder-worker', () => reminderWorker({ Records: [record as any] }, { getRemainingTimeInMillis: () => 0 }));
}

/**
 * Do-not-disturb as `PUT /v1/me/do-not-disturb` stores it (on the profile and the agent's list
 * items). Planted directly, outside any handler (not recorded).
 */
async function setDoNotDisturb(ws: string, agentId: string, until: string): Promise<void> {
  for (const key of [k.agent(ws, agentId), { pk: k.recipientsAllPk(ws), sk: agentId }, { pk: k.recipientsUnassignedPk(ws), sk: agentId }]) {
    await dynamo()
      .send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: key,
          UpdateExpression: 'SET doNotDisturbUntil = :u',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':u': until },
        }),
      )
      .catch((e: { name?: string }) => {
        if (e.name !== 'ConditionalCheckFailedException') throw e;
      });
  }
}

/** An SES configuration-set Bounce event wrapped in its SNS delivery (test/e2e/agents-leave.test.ts). */
function sesBounce(ws: string, agentId: string, email: string) {
  const now = new Date().toISOString();
  const event = {
    eventType: 'Bounce',
    bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email, action: 'failed', status: '5.1.1' }], timestamp: now, feedbackId: 'f-1' },
    mail: { timestamp: now, source: 'notifications@agent-chat.local', sendingAccountId: '000000000000', messageId: 'm-1', destination: [email], tags: { workspace: [ws], agent: [agentId] } },
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:ses-events:1',
        Sns: {
          Type: 'Notification',
          MessageId: 'sns-1',
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:ses-events',
          Subject: null,
          Message: JSON.stringify(event),
          Timestamp: now,
          MessageAttributes: {},
        },
      },
    ],
  };
}

let report: IamReport;

test('a tour of every route and background function makes only calls its function may make', async () => {
  await tour();
  // $disconnect runs after the socket has closed: wait until it has been recorded.
  await eventually(() => readCalls(logDir).some((c) => c.function === 'ws/disconnect'), 'the $disconnect calls');
  report = await checkCalls(readCalls(logDir), { unused: true });
  console.log(formatReport(report));
  expect(report.denied).toEqual([]);
}, 400_000);

test('every function of the route table was called, and every action granted to it was used', () => {
  expect(report).toBeDefined();
  const notToured = ALL_HANDLERS.filter((h) => !report.functionsSeen.includes(h) && report.grantedUnits.some((u) => u.function === h));
  if (notToured.length) {
    throw new Error(
      `${notToured.join(', ')}: granted AWS actions but never invoked by the tour, so nothing proves its grants are used. ` +
        `Add a step to tour() in test/e2e/least-privilege.test.ts that makes each of its AWS calls (each path that calls something different).`,
    );
  }
  expect(report.unused).toEqual([]);
});

test('the check can fail: the anonymous function writing an agent item, a Query on the due index, a foreign from-address or configuration set, an unknown handler', async () => {
  const r = await checkCalls(
    [
      { function: 'http/create-conversation', action: 'dynamodb:PutItem', command: 'TransactWriteItems', table: 't', pk: 'AGENT#ws#a' },
      { function: 'http/list-conversations', action: 'dynamodb:Query', command: 'Query', table: 't', index: 'due', pk: 'DUE' },
      { function: 'http/delete-device', action: 'sns:CreatePlatformEndpoint', command: 'CreatePlatformEndpoint', arn: 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat-local' },
      { function: 'reminder', action: 'ses:SendRawEmail', command: 'SendRawEmail', from: 'someone@else.example' },
      { function: 'reminder', action: 'ses:SendRawEmail', command: 'SendRawEmail', from: 'notifications@agent-chat.local', configurationSet: 'events' },
      { function: 'http/not-a-route', action: 'dynamodb:GetItem', command: 'GetItem', table: 't', pk: 'CONV#c' },
    ],
    { unused: false },
  );
  expect(r.denied).toEqual([
    expect.stringMatching(
      /^http\/create-conversation called dynamodb:PutItem key AGENT#\* \(inside TransactWriteItems\).*Add \{ table: \['PutItem'\], keys: \['AGENT#\*'\] \} to the grants of 'http\/create-conversation' in lib\/routes\.ts/,
    ),
    expect.stringMatching(/^http\/delete-device called sns:CreatePlatformEndpoint.*Add \{ sns: \['CreatePlatformEndpoint'\] \}/),
    expect.stringMatching(/^http\/list-conversations called dynamodb:Query on index due.*Add \{ query: 'due' \}/),
    expect.stringMatching(/^http\/not-a-route: .*no function for this handler/),
    expect.stringMatching(/^reminder called ses:SendRawEmail from notifications@agent-chat\.local with configuration set events.*'ses:send' statement/),
    expect.stringMatching(/^reminder called ses:SendRawEmail from someone@else\.example/),
  ]);
});
