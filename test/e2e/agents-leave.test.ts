/**
 * SPEC §10.3–10.4 through the offline stack: removing an agent, agents inactive for
 * AgentInactiveDays, `email_verified: false`, the reminder's 50-conversation cap, and an address SES
 * refuses for good (or that bounces, through the SES events handler).
 *
 * "Nothing arrived" is never checked by waiting: the fan-out handles a conversation's messages in
 * stream order, so once a later message reached a witness agent, an earlier one has been handled
 * for everyone. Reminder runs are synchronous (`POST /_local/reminders/run`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../../local/stack.js';
import { localClientConfig } from '../../local/client-config.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { k } from '../../lambdas/store/keys.js';
import { listDevices } from '../../lambdas/store/devices.js';
import { connectionsOf } from '../../lambdas/store/connections.js';
import { dueOfAgent } from '../../lambdas/store/reminders.js';
import { startSesFaults, type SesFaults } from '../support/ses-faults.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;
let faults: SesFaults;
let db: DynamoDBDocumentClient;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  // The reminder's SES client is built on first use and nothing was sent yet: put the fault proxy in front.
  faults = await startSesFaults(process.env.SES_ENDPOINT!);
  process.env.SES_ENDPOINT = faults.url;
  resetConfigForTests();
  db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.dynamoEndpoint)));
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
  await faults?.close();
});

afterEach(() => faults.heal());

interface TestAgent {
  workspaceId: string;
  agentId: string;
  email: string;
  token: string;
}

const EMAIL_ON: Partial<Settings> = { email: true, emailUnreadReminder: true };

async function newAgent(workspaceId: string, name: string, settings: Partial<Settings> = {}, role?: 'admin'): Promise<TestAgent> {
  const agentId = uid(name);
  const email = `${agentId}@example.com`;
  const token = await agentToken(stack, { workspaceId, agentId, email, name, ...(role ? { role } : {}) } as never);
  if (Object.keys(settings).length) await setSettings(token, settings);
  return { workspaceId, agentId, email, token };
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

async function device(a: TestAgent): Promise<string> {
  const token = uid('gcm');
  const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: a.token, body: { platform: 'GCM', token } });
  expect(r.status).toBe(201);
  return token;
}

async function newConversation(workspaceId: string, visitorName = 'Ann') {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: visitorName } } });
  expect(r.status).toBe(201);
  return r.json as { conversationId: string; visitorToken: string };
}

async function visitorSays(conv: { conversationId: string; visitorToken: string }, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json.messageId;
}

const pushIdsOf = async (deviceToken: string): Promise<string[]> => {
  const r = await call(stack.httpUrl, 'GET', '/_local/push');
  return (r.json.pushes as any[]).filter((p) => p.token === deviceToken).map((p) => p.payload.fcmV1Message.message.data.messageId);
};
const pushFor = (deviceToken: string, messageId: string) => eventually(async () => (await pushIdsOf(deviceToken)).includes(messageId), `push ${messageId}`);

const emailsTo = async (address: string): Promise<any[]> => {
  const r = await call(stack.httpUrl, 'GET', '/_local/emails');
  return (r.json.emails as any[]).filter((e) => e.to.includes(address));
};
const runReminder = async () => {
  const r = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(r.status).toBe(200);
  return r.json as { agentsEmailed: number; conversations: number; failed: number };
};
const me = (token: string) => call(stack.httpUrl, 'GET', '/v1/me', { token });
const removeAgent = (by: TestAgent, agentId: string) => call(stack.httpUrl, 'DELETE', `/v1/workspace/agents/${agentId}`, { token: by.token });

/** A token of a later sign-in than anything that happened so far (tokens carry whole seconds). */
async function signInAgain(a: TestAgent): Promise<string> {
  const now = Date.now();
  await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + 50));
  return agentToken(stack, { workspaceId: a.workspaceId, agentId: a.agentId, email: a.email, name: a.agentId });
}

async function setLastSeen(a: TestAgent, at: string, onLists: string[]) {
  // As if the agent last used the product then: the profile and the recipient-list copies.
  await db.send(new UpdateCommand({ TableName: stack.tableName, Key: k.agent(a.workspaceId, a.agentId), UpdateExpression: 'SET lastSeenAt = :t', ExpressionAttributeValues: { ':t': at } }));
  for (const pk of onLists) {
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk, sk: a.agentId },
        UpdateExpression: 'SET lastSeenAt = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': at },
      }),
    );
  }
}

describe('DELETE /v1/workspace/agents/{agentId}', () => {
  test('only an admin of the workspace removes; not themselves; an unknown agent is 404', async () => {
    const ws = uid('ws');
    const admin = await newAgent(ws, 'admin', {}, 'admin');
    const plain = await newAgent(ws, 'plain');
    const other = await newAgent(uid('ws'), 'elsewhere');

    const forbidden = await removeAgent(plain, admin.agentId);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.code).toBe('forbidden');
    expect((await removeAgent(admin, admin.agentId)).status).toBe(403);
    expect((await removeAgent(admin, 'nobody-here')).status).toBe(404);
    // Another workspace's agent does not exist here.
    expect((await removeAgent(admin, other.agentId)).status).toBe(404);
    expect((await call(stack.httpUrl, 'DELETE', `/v1/workspace/agents/${plain.agentId}`)).status).toBe(401);
    // Nothing was removed by the refused calls.
    expect((await me(plain.token)).status).toBe(200);
    expect((await me(other.token)).status).toBe(200);
  });

  test('a removed agent gets no frame, no push, no email, has no devices or sockets, and their tokens are refused', async () => {
    const ws = uid('ws');
    const admin = await newAgent(ws, 'admin', {}, 'admin');
    const gone = await newAgent(ws, 'gone', { scope: 'all', ...EMAIL_ON });
    const witness = await newAgent(ws, 'witness', { scope: 'all', ...EMAIL_ON });
    const goneDevice = await device(gone);
    const witnessDevice = await device(witness);
    const goneSocket = await connect(gone);
    const conv = await newConversation(ws, 'Vic');
    const m1 = await visitorSays(conv, 'first');
    await Promise.all([pushFor(goneDevice, m1), goneSocket.waitFor((f) => f.messageId === m1), pushFor(witnessDevice, m1)]);
    // gone is now owed a reminder for m1 (email on) — removal must cancel it.
    await eventually(async () => (await dueOfAgent(db, stack.tableName, ws, gone.agentId)).length === 1, 'the due entry');

    const r = await removeAgent(admin, gone.agentId);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');

    // At once: the socket is closed, the token refused, on HTTP and WebSocket alike.
    await eventually(() => goneSocket.closed, 'the removed agent socket to close');
    const refused = await me(gone.token);
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('unauthorized');
    await expect(AgentSocket.open(stack.wsUrl, gone.token)).rejects.toMatchObject({ statusCode: 401 });
    expect(await listDevices(db, stack.tableName, { workspaceId: ws, agentId: gone.agentId })).toEqual([]);
    expect(await connectionsOf(db, stack.tableName, ws, gone.agentId)).toEqual([]);
    expect(await dueOfAgent(db, stack.tableName, ws, gone.agentId)).toEqual([]);

    const m2 = await visitorSays(conv, 'second');
    const m3 = await visitorSays(conv, 'third');
    await pushFor(witnessDevice, m3);
    expect(await pushIdsOf(goneDevice)).toEqual([m1]);
    expect(goneSocket.chatMessages().map((f) => f.messageId)).toEqual([m1]);

    await runReminder();
    expect(await emailsTo(witness.email)).toHaveLength(1); // the run works
    expect(await emailsTo(gone.email)).toHaveLength(0);
    // Repeating the removal is harmless (and finishes anything an earlier attempt left).
    expect((await removeAgent(admin, gone.agentId)).status).toBe(204);
    void m2;
  });

  test("a removed agent's token stays refused; signing in again restores them and they hear about new messages again", async () => {
    const ws = uid('ws');
    const admin = await newAgent(ws, 'admin', {}, 'admin');
    const back = await newAgent(ws, 'back', { scope: 'all' });
    const witness = await newAgent(ws, 'witness', { scope: 'all' });
    const witnessDevice = await device(witness);
    expect((await removeAgent(admin, back.agentId)).status).toBe(204);
    expect((await me(back.token)).status).toBe(401);

    const fresh = await signInAgain(back);
    const restored = await me(fresh);
    expect(restored.status).toBe(200);
    expect(restored.json.settings.scope).toBe('all'); // their own settings, kept
    // The agent is back: removal refuses the agent, not single tokens, until they sign in again.
    const backSocket = await AgentSocket.open(stack.wsUrl, fresh);
    sockets.push(backSocket);
    const conv = await newConversation(ws, 'Wes');
    const m = await visitorSays(conv, 'hello again');
    await pushFor(witnessDevice, m);
    await backSocket.waitFor((f) => f.type === 'chat.message' && f.messageId === m, 'the restored agent frame');
  });
});

describe('AgentInactiveDays', () => {
  test('an agent unseen for 30 days gets no push and no email; using the API again brings pushes back', async () => {
    const ws = uid('ws');
    const away = await newAgent(ws, 'away', { scope: 'all', ...EMAIL_ON });
    const witness = await newAgent(ws, 'witness', { scope: 'all', ...EMAIL_ON });
    const awayDevice = await device(away);
    const witnessDevice = await device(witness);
    const conv = await newConversation(ws, 'Ida');
    const m0 = await visitorSays(conv, 'while you were here');
    await Promise.all([pushFor(awayDevice, m0), pushFor(witnessDevice, m0)]);

    await setLastSeen(away, new Date(Date.now() - 31 * 86_400_000).toISOString(), [k.recipientsAllPk(ws), k.recipientsUnassignedPk(ws)]);
    const m1 = await visitorSays(conv, 'anyone?');
    const m2 = await visitorSays(conv, 'hello?');
    await pushFor(witnessDevice, m2);
    expect(await pushIdsOf(awayDevice)).toEqual([m0]);
    await runReminder();
    expect(await emailsTo(witness.email)).toHaveLength(1);
    expect(await emailsTo(away.email)).toHaveLength(0); // m0 was owed, but they are away

    // They come back: any use of the API counts.
    expect((await me(away.token)).status).toBe(200);
    const m3 = await visitorSays(conv, 'welcome back');
    await pushFor(awayDevice, m3);
    expect(await pushIdsOf(awayDevice)).toEqual([m0, m3]);
    void m1;
  });
});

describe('email_verified', () => {
  test('a token saying email_verified: false: no reminder email', async () => {
    const ws = uid('ws');
    const agentId = uid('unverified');
    const email = `${agentId}@example.com`;
    const token = await stack.issuer.sign({ workspaceId: ws, agentId, email, name: 'U' }, { extra: { email_verified: false } });
    await setSettings(token, { scope: 'all', ...EMAIL_ON });
    const witness = await newAgent(ws, 'witness', { scope: 'all', ...EMAIL_ON });
    const w = await connect(witness);
    const conv = await newConversation(ws, 'Jo');
    await visitorSays(conv, 'hi');
    const later = await visitorSays(conv, 'still there?');
    await w.waitFor((f) => f.messageId === later, 'the later frame'); // 'hi' is handled for everyone
    await runReminder();
    expect(await emailsTo(witness.email)).toHaveLength(1);
    expect(await emailsTo(email)).toHaveLength(0);
  });
});

describe('the reminder email', () => {
  test('60 unread conversations: one email listing the newest 50, then "… and 10 more unread conversations"; none of them again', async () => {
    const ws = uid('ws');
    const busy = await newAgent(ws, 'busy', { scope: 'all', ...EMAIL_ON, desktop: true });
    const s = await connect(busy);
    for (let i = 1; i <= 60; i++) await visitorSays(await newConversation(ws, `Visitor ${String(i).padStart(2, '0')}`), `message ${i}`);
    await eventually(() => s.chatMessages().length >= 60, '60 frames');

    await runReminder();
    const [mail, ...others] = await emailsTo(busy.email);
    expect(others).toHaveLength(0);
    for (const part of [mail.text, mail.html]) {
      expect(part.match(/#\/c\//g)).toHaveLength(50);
      expect(part).toContain('… and 10 more unread conversations');
      expect(part).toContain(`${stack.httpUrl}/#/?filter=unread`);
      // Newest activity first: the last visitor is listed first, the first ten are not listed.
      expect(part.indexOf('Visitor 60')).toBeLessThan(part.indexOf('Visitor 59'));
      expect(part).not.toContain('Visitor 10');
      expect(part).toContain('Visitor 11');
    }
    expect(mail.subject).toBe('Unread chat messages in 60 conversations');
    await runReminder();
    expect(await emailsTo(busy.email)).toHaveLength(1);
    // 60 conversations one after the other (their order is what the email is checked for): on a busy
    // machine that takes a while, so this test gets a deadline for a hung run, not for speed.
  }, 300_000);

  test('a visitor name with bidi overrides or controls is refused (400), so it cannot reach a subject; nobody is emailed', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'subj', { scope: 'all', ...EMAIL_ON });
    // The digest strips such characters from subjects too (test/unit/digest.test.ts): text stored
    // before names were checked cannot reach a subject either.
    for (const name of ['Eve\u202Egpj.exe', 'Eve\u0007bell']) {
      const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name }, message: { body: 'hi' } } });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('validation_error');
    }
    await runReminder();
    expect(await emailsTo(a.email)).toHaveLength(0);
  });

  test('SES refuses the address for good: emailStatus failing, no retry at the next run; a settings save clears it and the next run emails', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'rejected', { scope: 'all', ...EMAIL_ON });
    expect((await me(a.token)).json.emailStatus).toBe('ok');
    faults.rejectTo([a.email]);
    await visitorSays(await newConversation(ws, 'Kim'), 'are you there?');
    await eventually(async () => {
      await runReminder();
      return faults.attemptsTo(a.email) > 0;
    }, 'a send attempt');
    expect(faults.attemptsTo(a.email)).toBe(1);
    expect((await me(a.token)).json.emailStatus).toBe('failing');

    await runReminder();
    await runReminder();
    expect(faults.attemptsTo(a.email)).toBe(1); // not retried every 5 minutes
    expect(await emailsTo(a.email)).toHaveLength(0);

    faults.heal(); // the address works again (say, verified in SES)
    await setSettings(a.token, { scope: 'all', ...EMAIL_ON });
    expect((await me(a.token)).json.emailStatus).toBe('ok');
    await runReminder();
    expect(await emailsTo(a.email)).toHaveLength(1); // what was owed was kept
  });

  test('a permanent bounce reported by SES (SNS-wrapped configuration-set event) marks the email failing', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'bounced', { scope: 'all', ...EMAIL_ON });
    const { handler } = (await import('../../lambdas/handlers/ses-events.js')) as typeof import('../../lambdas/handlers/ses-events.js');
    const sesEvent = {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: a.email, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        timestamp: new Date().toISOString(),
        feedbackId: '0100018example-000000',
        reportingMTA: 'dsn; mta.example.com',
      },
      mail: {
        timestamp: new Date().toISOString(),
        source: 'notifications@agent-chat.local',
        sendingAccountId: '123456789012',
        messageId: '0100018example-message',
        destination: [a.email],
        headersTruncated: false,
        tags: { 'ses:configuration-set': ['AgentChat-Reminders'], workspace: [ws], agent: [a.agentId] },
      },
    };
    const snsEvent = {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:bounces:0b1f',
          Sns: {
            Type: 'Notification',
            MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:bounces',
            Subject: null,
            Message: JSON.stringify(sesEvent),
            Timestamp: new Date().toISOString(),
            SignatureVersion: '1',
            Signature: 'EXAMPLE',
            SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
            UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/unsubscribe',
            MessageAttributes: {},
          },
        },
      ],
    };
    expect(await handler(snsEvent as never)).toEqual({ marked: 1, ignored: 0 });
    expect((await me(a.token)).json.emailStatus).toBe('failing');
    const s = await connect(a);
    const conv = await newConversation(ws, 'Lu');
    await visitorSays(conv, 'hi');
    const later = await visitorSays(conv, 'hello?');
    await s.waitFor((f) => f.messageId === later, 'the later frame'); // both are due now
    const before = faults.attemptsTo(a.email);
    await runReminder();
    expect(faults.attemptsTo(a.email)).toBe(before);
    // A settings save clears it, and what was owed is emailed.
    await setSettings(a.token, { scope: 'all', ...EMAIL_ON });
    await runReminder();
    expect(await emailsTo(a.email)).toHaveLength(1);
  });
});
