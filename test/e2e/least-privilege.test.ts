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
import { ALL_HANDLERS } from '../../lib/routes.js';
import { DEFAULT_SETTINGS } from '../../lambdas/domain/settings.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { putConnection } from '../../lambdas/store/connections.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';
import { connectionIdOf, connectionsError, PASS, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { checkCalls, formatReport, readCalls, type IamReport } from '../support/iam-check.js';

// Its own log (so the check below sees this tour's calls only), inside the run's log when there is
// one, so the global teardown's suite-wide check counts these calls too.
const previous = process.env.AWS_CALL_LOG;
const logDir = previous ? join(previous, `tour-${process.pid}`) : mkdtempSync(join(tmpdir(), 'iam-tour-'));
let stack: OfflineStack;
let conns: FaultProxy;

beforeAll(async () => {
  // Before the stack loads any handler: the client factory reads it when it builds a client.
  process.env.AWS_CALL_LOG = logDir;
  stack = await startTestStack();
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
  await first('device', (token) => call(base, 'POST', '/v1/me/devices', { token, body: { platform: 'GCM', token: uid('gcm') } }));
  await first('socket', async (token) => (await AgentSocket.open(stack.wsUrl, token)).close());

  const all = await mk('all', { scope: 'all', email: true, emailUnreadReminder: true });
  const other = await mk('other', { scope: 'assigned', unassigned: false });
  await ok(call(base, 'GET', '/v1/me', { token: all.token }), 200, 'get me');

  // WebSocket: connect (authorizer), ping, bad frame ($default); the socket stays for the fan-out.
  const sock = await AgentSocket.open(stack.wsUrl, all.token);
  sock.send({ action: 'ping' });
  sock.send('not json');
  await sock.waitFor((f) => f.type === 'pong', 'pong');
  // A connection whose $disconnect never came (API Gateway's is best-effort): @connections says
  // 410 and the fan-out deletes it. Planted directly, outside any handler, so it is not recorded.
  const staleId = uid('stale');
  await putConnection(dynamo(), stack.tableName, { connectionId: staleId, workspaceId: ws, agentId: all.agentId, connectedAt: new Date().toISOString() });

  // Devices: one registered then disabled by the platform (the fan-out marks it), another deleted.
  const gcmToken = uid('gcm');
  const dev = await ok(call(base, 'POST', '/v1/me/devices', { token: all.token, body: { platform: 'GCM', token: gcmToken } }), 201, 'register device');
  await ok(call(base, 'POST', '/_local/push/disable', { body: { token: gcmToken } }), 200, 'disable endpoint');
  const spare = await ok(call(base, 'POST', '/v1/me/devices', { token: other.token, body: { platform: 'APNS', token: uid('apns') } }), 201, 'register spare');
  await ok(call(base, 'DELETE', `/v1/me/devices/${spare.json.deviceId}`, { token: other.token }), 204, 'delete device');

  // A visitor conversation and message: the fan-out's send to the live socket fails (500) on all
  // three SDK attempts, so the claim is released and the stream delivers the record again.
  let failed = 0;
  conns.setRule((req) => (req.method === 'POST' && connectionIdOf(req) !== staleId && failed++ < 3 ? connectionsError(500) : PASS));
  const conv = await ok(
    call(base, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Vi' }, message: { body: 'hello' } } }),
    201,
    'create conversation',
  );
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
  await ok(call(base, 'GET', `/v1/conversations/${conversationId}/messages`, { token: all.token }), 200, 'list messages');
  await ok(call(base, 'PUT', `/v1/conversations/${conversationId}/assignee`, { token: all.token, body: { agentId: other.agentId } }), 200, 'assign');
  await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: all.token, body: { body: 'on it' } }), 201, 'agent post');
  sock.send({ action: 'sendMessage', conversationId, body: 'over the socket', clientMessageId: uid('c') });
  await sock.waitFor((f) => f.type === 'ack', 'ack');
  const m2 = await ok(call(base, 'POST', `/v1/conversations/${conversationId}/messages`, { token: visitorToken, body: { body: 'thanks' } }), 201, 'visitor again');
  await sock.waitFor((f) => f.type === 'chat.message' && f.messageId === m2.json.messageId, 'the second frame');

  // The reminder emails `all` (email on, unread); then reads clear it.
  await eventually(async () => {
    await ok(call(base, 'POST', '/_local/reminders/run'), 200, 'reminder run');
    const r = await call(base, 'GET', '/_local/emails');
    return (r.json.emails as any[]).some((e) => e.to.includes(all.email));
  }, 'the reminder email', 40_000);
  sock.send({ action: 'markRead', conversationId });
  await sock.waitFor((f) => f.type === 'read', 'read');
  await ok(call(base, 'POST', `/v1/conversations/${conversationId}/read`, { token: other.token, body: {} }), 200, 'mark read');
  await ok(call(base, 'GET', '/v1/conversations?filter=assigned', { token: other.token }), 200, 'list assigned');
  await sock.close();
}

let report: IamReport;

test('a tour of every route and background function makes only calls its function may make', async () => {
  await tour();
  // $disconnect runs after the socket has closed: wait until it has been recorded.
  await eventually(() => readCalls(logDir).some((c) => c.function === 'ws/disconnect'), 'the $disconnect calls');
  report = await checkCalls(readCalls(logDir), { unused: true });
  console.log(formatReport(report));
  expect(report.denied).toEqual([]);
}, 180_000);

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
      { function: 'reminder', action: 'ses:SendEmail', command: 'SendEmail', from: 'someone@else.example' },
      { function: 'reminder', action: 'ses:SendEmail', command: 'SendEmail', from: 'notifications@agent-chat.local', configurationSet: 'events' },
      { function: 'http/not-a-route', action: 'dynamodb:GetItem', command: 'GetItem', table: 't', pk: 'CONV#c' },
    ],
    { unused: false },
  );
  expect(r.denied).toEqual([
    expect.stringMatching(/^http\/create-conversation called dynamodb:PutItem key AGENT#\* \(inside TransactWriteItems\).*Add \{ table: \['PutItem'\], keys: \['AGENT#\*'\] \} to the grants of 'http\/create-conversation' in lib\/routes\.ts/),
    expect.stringMatching(/^http\/delete-device called sns:CreatePlatformEndpoint.*Add \{ sns: \['CreatePlatformEndpoint'\] \}/),
    expect.stringMatching(/^http\/list-conversations called dynamodb:Query on index due.*Add \{ query: 'due' \}/),
    expect.stringMatching(/^http\/not-a-route: .*no function for this handler/),
    expect.stringMatching(/^reminder called ses:SendEmail from notifications@agent-chat\.local with configuration set events.*'ses:send' statement/),
    expect.stringMatching(/^reminder called ses:SendEmail from someone@else\.example/),
  ]);
});
