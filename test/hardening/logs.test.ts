/**
 * What the handlers log during a full flow through the offline stack (issue 8): token-bearing
 * HTTP and WebSocket requests (good and forged), visitor messages with distinctive bodies, agents
 * with distinctive addresses, registered and disabled phones, failing channels, and a reminder run
 * that sends (and has one address rejected). The Powertools logger writes JSON lines to stdout, as
 * in Lambda; they are captured here and searched for every secret the flow used.
 */
import { randomBytes } from 'node:crypto';
import type { OfflineStack } from '../../local/stack.js';
import { AgentSocket, call, eventually, startTestStack } from '../support/offline.js';
import { captureOutput } from '../support/log-capture.js';
import { connectionIdOf, connectionsError, PASS, queryError, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { Scenario, type Agent } from '../support/scenario.js';
import { forgeTokens } from '../support/forge.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';

let stack: OfflineStack;
let s: Scenario;
let proxies: FaultProxy[] = [];
let lines: string[] = [];
/** Everything that must never reach a log line. */
const secrets = new Map<string, string>();
/** Visitor messages of the flow: each must be traceable through the fan-out by its id. */
const visitorMessages: string[] = [];

const mark = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;
function secret(kind: string, value: string): string {
  secrets.set(value, kind);
  return value;
}

beforeAll(async () => {
  stack = await startTestStack();
  const conns = await startFaultProxy(process.env.WS_CALLBACK_URL!);
  const sns = await startFaultProxy(process.env.SNS_ENDPOINT!);
  const ses = await startFaultProxy(process.env.SES_ENDPOINT!);
  proxies = [conns, sns, ses];
  process.env.WS_CALLBACK_URL = conns.url;
  process.env.SNS_ENDPOINT = sns.url;
  process.env.SES_ENDPOINT = ses.url;
  resetConfigForTests();
  s = new Scenario(stack);

  const capture = captureOutput();
  try {
    const reminders = { scope: 'all' as const, email: true, emailUnreadReminder: true };
    // Addresses that share nothing with the agent ids (which may be logged).
    const address = () => `${mark('inbox')}.${mark('person')}@mail.example`;
    const [alice, bob, carol] = (await s.team(3, reminders, { sockets: 1, name: 'logs', email: address })) as [Agent, Agent, Agent];
    for (const a of [alice, bob, carol]) {
      secret('agent JWT', a.token);
      secret('agent JWT signature', a.token.split('.')[2]!);
      secret('agent email', a.email);
    }
    const dana = (await s.team(1, reminders, { sockets: 1, name: 'dana', workspaceId: alice.workspaceId, email: address }))[0]!;
    secret('agent email', dana.email);
    secret('agent JWT', dana.token);

    await s.registerDevice(alice, 'GCM', secret('device token', mark('fcm-device-token')));
    await s.registerDevice(bob, 'APNS', secret('device token', randomBytes(32).toString('hex')));
    await s.registerDevice(carol, 'APNS_SANDBOX', secret('device token', randomBytes(32).toString('hex')));
    // Bob's phone stops accepting pushes; Carol's push is throttled past the SDK's retries once.
    await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: bob.device!.token } });
    let throttles = 3;
    sns.setRule((r) => (r.form.get('Action') === 'Publish' && r.form.get('TargetArn') === carol.device!.endpointArn && throttles-- > 0 ? queryError(400, 'Throttling') : PASS));
    // Dana's socket fails once with a 500 past the SDK's retries; a second socket of hers is gone.
    const gone = await s.connect(dana);
    let fails = 3;
    conns.setRule((r) => {
      const id = connectionIdOf(r);
      if (id === gone.connectionId) return connectionsError(410);
      if (id === dana.sockets[0]!.connectionId && fails-- > 0) return connectionsError(500);
      return PASS;
    });
    // SES rejects Carol's address and says which, as SES does.
    ses.setRule((r) =>
      r.form.get('Action') === 'SendRawEmail' && r.form.get('Destinations.member.1') === carol.email
        ? queryError(400, 'MessageRejected', `Email address is not verified. The following identities failed the check in region US-EAST-1: ${carol.email}`)
        : PASS,
    );

    // A visitor with a distinctive name and address, and distinctive messages.
    const visitorEmail = secret('visitor email', `${mark('visitor')}@visitors.example`);
    const created = await call(stack.httpUrl, 'POST', `/v1/workspaces/${alice.workspaceId}/conversations`, {
      body: { visitor: { name: 'Zed', email: visitorEmail }, message: { body: secret('message body', mark('FIRST-BODY')) } },
    });
    expect(created.status).toBe(201);
    const conv = created.json as { conversationId: string; visitorToken: string };
    secret('visitor token', conv.visitorToken);
    secret('visitor token secret', conv.visitorToken.split('.')[2]!);
    const first = await eventually(() => alice.sockets[0]!.socket.chatMessages().find((f) => f.conversationId === conv.conversationId), 'the first frame');
    visitorMessages.push(first.messageId);

    const path = `/v1/conversations/${conv.conversationId}/messages`;
    for (const body of [mark('SECOND-BODY'), `${mark('LONG-BODY')} ${'x'.repeat(900)}`]) {
      const r = await call(stack.httpUrl, 'POST', path, { token: conv.visitorToken, body: { body: secret('message body', body), clientMessageId: 'c-1' + body.length } });
      expect(r.status).toBe(201);
      visitorMessages.push(r.json.messageId);
      // The widget retries: the same clientMessageId answers 200 and stores nothing new.
      const again = await call(stack.httpUrl, 'POST', path, { token: conv.visitorToken, body: { body, clientMessageId: 'c-1' + body.length } });
      expect(again.status).toBe(200);
    }

    // Agents answer and read, over HTTP and the WebSocket.
    const reply = secret('message body', mark('AGENT-REPLY'));
    alice.sockets[0]!.socket.send({ action: 'sendMessage', conversationId: conv.conversationId, body: reply, clientMessageId: 'a-1' });
    await alice.sockets[0]!.socket.waitFor((f) => f.type === 'ack', 'the ack');
    expect((await call(stack.httpUrl, 'POST', path, { token: bob.token, body: { body: secret('message body', mark('HTTP-REPLY')) } })).status).toBe(201);
    expect((await call(stack.httpUrl, 'GET', path, { token: dana.token })).status).toBe(200);
    expect((await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/read`, { token: dana.token, body: {} })).status).toBe(200);
    bob.sockets[0]!.socket.send({ action: 'markRead', conversationId: conv.conversationId, upToSeq: 1 });
    await bob.sockets[0]!.socket.waitFor((f) => f.type === 'read', 'the read frame');

    // Refused requests carrying tokens, over HTTP and in a WebSocket URL.
    const forged = await forgeTokens(stack, { workspaceId: alice.workspaceId, agentId: alice.agentId, email: alice.email }, 'other-ws');
    for (const [kind, token] of Object.entries(forged)) {
      secret(`forged token (${kind})`, token);
      expect((await call(stack.httpUrl, 'GET', '/v1/me', { token })).status).toBe(401);
    }
    const wrongVisitor = conv.visitorToken.replace(/\.[^.]+$/, `.${'Q'.repeat(43)}`);
    secret('guessed visitor token', wrongVisitor);
    expect((await call(stack.httpUrl, 'POST', path, { token: wrongVisitor, body: { body: 'x' } })).status).toBe(401);
    await expect(AgentSocket.open(stack.wsUrl, forged.expired)).rejects.toMatchObject({ statusCode: 403 });

    // Everything fanned out (Dana's failed post is retried from the stream), then the reminder.
    const last = visitorMessages.at(-1)!;
    for (const a of [alice, bob, carol, dana]) await a.sockets[0]!.socket.waitFor((f) => f.messageId === last, 'the last frame');
    const run = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
    // Alice and Bob (who read only the first message) are emailed, Carol's address is rejected, Dana read it all.
    expect(run.json).toEqual({ agentsEmailed: 2, conversations: 2, failed: 1 });
    expect((await s.emails()).length).toBe(2);

    // The phone goes away; the sockets close.
    expect((await call(stack.httpUrl, 'DELETE', `/v1/me/devices/${alice.device!.deviceId}`, { token: alice.token })).status).toBe(204);
    await s.close();
    await eventually(() => capture.lines().filter((l) => l.includes('"disconnected"')).length >= 5, 'the five sockets disconnected');
  } finally {
    capture.stop();
    lines = capture.lines();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await stack?.stop();
});

/** The handlers' log records: every captured line, parsed. */
function records(): Array<Record<string, unknown>> {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('the flow was logged at all (so the checks below have something to check)', () => {
  const messages = new Set(records().map((r) => r.message));
  for (const m of ['conversation created', 'message posted', 'message fanned out', 'connected', 'device registered', 'reminder emailed', 'reminder email failed', 'websocket connect refused']) {
    expect(messages).toContain(m);
  }
  console.log(`logs: ${lines.length} lines captured, ${secrets.size} secrets searched for`);
});

test('every line is a structured JSON record from the logger', () => {
  for (const line of lines) {
    let parsed: unknown;
    expect(() => (parsed = JSON.parse(line))).not.toThrow();
    expect(parsed).toEqual(expect.objectContaining({ level: expect.any(String), message: expect.any(String), timestamp: expect.any(String), service: 'agent-chat-notifications' }));
  }
});

test('no token, message body, device token or email address reaches the logs', () => {
  const leaks: string[] = [];
  for (const line of lines) {
    for (const [value, kind] of secrets) {
      if (line.includes(value)) leaks.push(`${kind} in: ${line.slice(0, 200)}`);
    }
    // An address's local part alone is as personal as the address.
    for (const [value, kind] of secrets) {
      if (kind.endsWith('email') && line.includes(value.split('@')[0]!)) leaks.push(`${kind} (local part) in: ${line.slice(0, 200)}`);
    }
  }
  expect(leaks).toEqual([]);
});

test('each visitor message can be followed through the fan-out by its id (the correlation id)', () => {
  const fanned = records().filter((r) => r.message === 'message fanned out');
  for (const id of visitorMessages) {
    const mine = fanned.filter((r) => r.messageId === id);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine[0]).toEqual(expect.objectContaining({ conversationId: expect.any(String), seq: expect.any(Number), recipients: expect.any(Number) }));
  }
});

// The per-target lines the fan-out writes while delivering a message — a failed post, a gone
// connection, a failed or disabled push — and 'message posted' name the message, so a message can be
// followed from the POST to every delivery.
test('every line about a delivery names its message (messageId)', () => {
  const perTarget = ['post to connection failed', 'connection gone, forgotten', 'push failed', 'endpoint disabled, device skipped from now on', 'message posted'];
  const lines = records().filter((r) => perTarget.includes(r.message as string));
  expect(new Set(lines.map((r) => r.message))).toEqual(new Set(perTarget)); // the flow wrote each kind at least once
  expect(lines.filter((r) => typeof r.messageId !== 'string')).toEqual([]);
  // Lines written while serving an API request carry that request's id as their correlation id.
  const posted = records().filter((r) => r.message === 'message posted');
  expect(posted.length).toBeGreaterThan(0);
  expect(posted.filter((r) => typeof r.correlation_id !== 'string' || r.correlation_id === '')).toEqual([]);
});
