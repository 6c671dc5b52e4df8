/**
 * The fan-out end to end through DynamoDB Local's real stream: messages are written with the real
 * store, the stream poller feeds the real fan-out handler, and what agents would receive is read
 * at a local @connections server (desktop frames) and the local SNS server (mobile pushes).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsServer } from '../../local/sqs-server.js';
import { fanOutMessage, fanoutWork, type FanoutDeps, type WorkItem } from '../../lambdas/app/fanout.js';
import { removeDevice } from '../../lambdas/app/devices.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { startTestIssuer, type TestIssuer } from '../support/auth.js';
import { startConnectionsServer, type ConnectionsServer } from '../support/ws-connections-server.js';
import { call, httpEvent } from '../support/events.js';
import { startSnsServer, type SnsServer } from '../../local/sns-server.js';
import { startStreamPoller, type StreamPoller } from '../../local/stream-poller.js';
import { FANOUT_FILTER } from '../../lambdas/store/table.js';
import { ensureAgent, putSettings } from '../../lambdas/store/agents.js';
import { putConnection, getConnection, connectionsOf, deleteConnection } from '../../lambdas/store/connections.js';
import { createConversation, appendMessage } from '../../lambdas/store/messages.js';
import { getConversation, type Conversation } from '../../lambdas/store/conversations.js';
import { assignConversation } from '../../lambdas/app/assign.js';
import { readConversation } from '../../lambdas/app/read.js';
import { getPosition } from '../../lambdas/store/positions.js';
import { getDevice } from '../../lambdas/store/devices.js';
import { guardEntries } from '../../lambdas/store/notifications.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';
import { deviceIdFor, newId } from '../../lambdas/domain/ids.js';
import type { Platform } from '../../lambdas/domain/push.js';
import { localClientConfig } from '../../local/client-config.js';

let t: TestTable;
let sns: SnsServer;
let conns: ConnectionsServer;
let issuer: TestIssuer;
let poller: StreamPoller;
let streams: DynamoDBStreamsClient;
let fanout: (e: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
let registerDevice: unknown;

/** Every batch the poller handed to the fan-out, with its answer. */
const calls: Array<{ event: DynamoDBStreamEvent; response: DynamoDBBatchResponse }> = [];

beforeAll(async () => {
  t = await createTestTable('fanout');
  sns = await startSnsServer({ port: 0 });
  conns = await startConnectionsServer();
  issuer = await startTestIssuer();
  process.env.SNS_ENDPOINT = sns.url;
  process.env.WS_CALLBACK_URL = conns.url;
  process.env.PLATFORM_APP_ARN_APNS = 'arn:aws:sns:us-east-1:000000000000:app/APNS/agent-chat';
  process.env.PLATFORM_APP_ARN_APNS_SANDBOX = 'arn:aws:sns:us-east-1:000000000000:app/APNS_SANDBOX/agent-chat';
  process.env.PLATFORM_APP_ARN_GCM = 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat';
  ({ handler: fanout } = await import('../../lambdas/handlers/fanout.js'));
  ({ handler: registerDevice } = await import('../../lambdas/handlers/http/register-device.js'));
  streams = new DynamoDBStreamsClient(localClientConfig(process.env.DYNAMODB_ENDPOINT!));
  poller = startStreamPoller({
    client: streams,
    streamArn: t.streamArn,
    filter: FANOUT_FILTER,
    retryBaseMs: 10,
    handler: async (event) => {
      const response = await fanout(event);
      calls.push({ event, response });
      return response;
    },
  });
});

afterAll(async () => {
  await poller?.stop();
  streams?.destroy();
  await Promise.all([sns?.close(), conns?.close(), issuer?.close()]);
});

// ---------------------------------------------------------------------------------------------

interface TestAgent {
  workspaceId: string;
  agentId: string;
  connectionId: string;
  deviceToken?: string;
}

const wsId = () => newId('ws');

async function setSettings(workspaceId: string, agentId: string, over: Partial<NotificationSettings>) {
  const a = await ensureAgent(t.doc, t.tableName, { workspaceId, agentId, email: `${agentId}@example.test`, name: agentId });
  await putSettings(t.doc, t.tableName, a, { ...a.settings, ...over });
}

async function connect(workspaceId: string, agentId: string, connectionId = newId('conn')) {
  await putConnection(t.doc, t.tableName, { connectionId, workspaceId, agentId, connectedAt: new Date().toISOString() });
  return connectionId;
}

async function register(workspaceId: string, agentId: string, platform: Platform, token: string) {
  const jwt = await issuer.sign({ workspaceId, agentId, email: `${agentId}@example.test`, name: agentId });
  return call(registerDevice, httpEvent({ method: 'POST', path: '/v1/me/devices', token: jwt, body: { platform, token } }));
}

/** An agent with settings, one live connection and one registered phone. */
async function agent(workspaceId: string, agentId: string, over: Partial<NotificationSettings> = {}, platform: Platform = 'APNS'): Promise<TestAgent> {
  await setSettings(workspaceId, agentId, { ...defaultSettings(), ...over });
  const connectionId = await connect(workspaceId, agentId);
  // 64 hex digits: an APNs token's shape (lambdas/domain/device-token.ts), which FCM accepts too.
  const deviceToken = randomBytes(32).toString('hex');
  const r = await register(workspaceId, agentId, platform, deviceToken);
  expect(r.status).toBe(201);
  return { workspaceId, agentId, connectionId, deviceToken };
}

async function conversation(workspaceId: string, visitorName: string | undefined, assignee?: string): Promise<Conversation> {
  const { conversation } = await createConversation(t.doc, t.tableName, {
    conversationId: newId('conv'),
    workspaceId,
    visitor: visitorName ? { name: visitorName } : {},
    visitorTokenHash: 'x',
  });
  if (assignee) {
    await assignConversation(t.doc, t.tableName, { workspaceId, agentId: assignee, email: '', name: assignee }, conversation.conversationId, assignee);
  }
  return (await getConversation(t.doc, t.tableName, conversation.conversationId))!;
}

async function visitorSays(c: Conversation, body: string) {
  const fresh = (await getConversation(t.doc, t.tableName, c.conversationId))!;
  const r = await appendMessage(t.doc, t.tableName, fresh, { fromType: 'visitor', fromId: fresh.visitorId, fromName: fresh.visitor.name, body });
  await poller.drain();
  return r;
}

const framesOf = (a: TestAgent) => conns.frames(a.connectionId).map((f) => f.frame as Record<string, unknown>);
const pushesOf = (a: TestAgent) => sns.pushes().filter((p) => p.token === a.deviceToken);
const framesFor = (a: TestAgent, messageId: string) => framesOf(a).filter((f) => f.messageId === messageId);
const pushesFor = (a: TestAgent, messageId: string) => pushesOf(a).filter((p) => JSON.stringify(p.payload).includes(messageId));

function notified(a: TestAgent, messageId: string) {
  return { desktop: framesFor(a, messageId).length, mobile: pushesFor(a, messageId).length };
}

const batchesWith = (messageId: string) => calls.filter((c) => JSON.stringify(c.event).includes(messageId));

// ---------------------------------------------------------------------------------------------

describe('who is notified (SPEC §2)', () => {
  test("the seed's Z/X example: Z's conversation notifies Z and scope-all X on desktop and mobile, and X reading it does not clear Z's email", async () => {
    const ws = wsId();
    const Z = await agent(ws, 'Z', { scope: 'assigned', unassigned: false, email: true, emailUnreadReminder: true });
    const X = await agent(ws, 'X', { scope: 'all', unassigned: false, email: true, emailUnreadReminder: true });
    const c = await conversation(ws, 'Ann', 'Z');
    const m = await visitorSays(c, 'Hello, is anyone there?');

    expect(notified(Z, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(notified(X, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(framesFor(Z, m.messageId)[0]).toEqual({
      type: 'chat.message',
      workspaceId: ws,
      conversationId: c.conversationId,
      messageId: m.messageId,
      seq: m.seq,
      from: { type: 'visitor', id: c.visitorId, name: 'Ann' },
      preview: 'Hello, is anyone there?',
      assigneeId: 'Z',
      createdAt: m.createdAt,
      notify: true,
      // SPEC §11.2: Z's one unread conversation.
      unreadConversations: 1,
    });

    // Both owe a reminder; X reading the conversation settles X's, not Z's.
    expect((await getPosition(t.doc, t.tableName, c.conversationId, 'Z'))?.dueSeq).toBe(m.seq);
    expect((await getPosition(t.doc, t.tableName, c.conversationId, 'X'))?.dueSeq).toBe(m.seq);
    await readConversation(t.doc, t.tableName, { workspaceId: ws, agentId: 'X', email: '', name: 'X' }, c.conversationId, undefined);
    const z = await getPosition(t.doc, t.tableName, c.conversationId, 'Z');
    expect(z).toMatchObject({ dueSeq: m.seq, readSeq: 0 });
  });

  test('scope "all" hears every conversation; scope "assigned" only its own, even with unassigned on', async () => {
    const ws = wsId();
    const Z = await agent(ws, 'Z', { scope: 'assigned', unassigned: true });
    const A = await agent(ws, 'A', { scope: 'assigned', unassigned: true });
    const B = await agent(ws, 'B', { scope: 'all', unassigned: false });
    const m = await visitorSays(await conversation(ws, 'Bob', 'Z'), 'hi');
    expect(notified(Z, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(notified(A, m.messageId)).toEqual({ desktop: 0, mobile: 0 });
    expect(notified(B, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
  });

  test('an unassigned conversation notifies scope-all agents and agents with unassigned on, nobody else', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'assigned', unassigned: true });
    const B = await agent(ws, 'B', { scope: 'all', unassigned: false });
    const C = await agent(ws, 'C', { scope: 'assigned', unassigned: false });
    const m = await visitorSays(await conversation(ws, undefined), 'anyone?');
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(notified(B, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(notified(C, m.messageId)).toEqual({ desktop: 0, mobile: 0 });
    // No visitor name: the sender shows as "Visitor" in the frame and as the push title.
    expect(framesFor(A, m.messageId)[0]).toMatchObject({ from: { type: 'visitor', name: 'Visitor' }, assigneeId: null });
    expect(pushesFor(A, m.messageId)[0]?.payload).toMatchObject({ aps: { alert: { title: 'Visitor', body: 'anyone?' } } });
  });

  test('assignment and settings are read when the message is fanned out, not earlier', async () => {
    const ws = wsId();
    const Z = await agent(ws, 'Z', { scope: 'assigned', unassigned: false });
    const Y = await agent(ws, 'Y', { scope: 'assigned', unassigned: false });
    const c = await conversation(ws, 'Cy', 'Z');
    const first = await visitorSays(c, 'one');
    expect(notified(Z, first.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(notified(Y, first.messageId)).toEqual({ desktop: 0, mobile: 0 });

    await assignConversation(t.doc, t.tableName, { workspaceId: ws, agentId: 'Z', email: '', name: 'Z' }, c.conversationId, 'Y');
    await setSettings(ws, 'Y', { desktop: false });
    const second = await visitorSays(c, 'two');
    expect(notified(Z, second.messageId)).toEqual({ desktop: 0, mobile: 0 });
    expect(notified(Y, second.messageId)).toEqual({ desktop: 0, mobile: 1 });
  });
});

describe('channels follow the settings (SPEC §1–2)', () => {
  test('desktop off: the push still goes, no frame', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all', desktop: false });
    const m = await visitorSays(await conversation(ws, 'Dee'), 'ping');
    expect(notified(A, m.messageId)).toEqual({ desktop: 0, mobile: 1 });
  });

  test('mobile off: the frame still goes, no push', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all', mobile: false });
    const m = await visitorSays(await conversation(ws, 'Eve'), 'ping');
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 0 });
  });

  test('every live connection of an agent gets the frame', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' });
    const second = await connect(ws, 'A');
    const m = await visitorSays(await conversation(ws, 'Fay'), 'two tabs');
    expect(framesFor(A, m.messageId)).toHaveLength(1);
    expect(conns.frames(second).filter((f) => (f.frame as { messageId: string }).messageId === m.messageId)).toHaveLength(1);
  });

  test('an email-on recipient gets a due position for the reminder; one with only one of the two toggles does not', async () => {
    const ws = wsId();
    await agent(ws, 'E', { scope: 'all', email: true, emailUnreadReminder: true });
    await agent(ws, 'H', { scope: 'all', email: true, emailUnreadReminder: false });
    await agent(ws, 'R', { scope: 'all', email: false, emailUnreadReminder: true });
    const c = await conversation(ws, 'Gus');
    const m = await visitorSays(c, 'mail me');
    expect(await getPosition(t.doc, t.tableName, c.conversationId, 'E')).toMatchObject({ dueSeq: m.seq, readSeq: 0, emailedSeq: 0 });
    expect((await getPosition(t.doc, t.tableName, c.conversationId, 'H'))?.dueSeq ?? 0).toBe(0);
    expect((await getPosition(t.doc, t.tableName, c.conversationId, 'R'))?.dueSeq ?? 0).toBe(0);
  });

  test("an agent's own message notifies nobody", async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all', email: true, emailUnreadReminder: true });
    const B = await agent(ws, 'B', { scope: 'all', email: true, emailUnreadReminder: true });
    const c = await conversation(ws, 'Hal', 'A');
    const r = await appendMessage(t.doc, t.tableName, c, { fromType: 'agent', fromId: 'A', body: 'How can I help?' });
    await poller.drain();
    expect(notified(A, r.messageId)).toEqual({ desktop: 0, mobile: 0 });
    expect(notified(B, r.messageId)).toEqual({ desktop: 0, mobile: 0 });
    expect((await getPosition(t.doc, t.tableName, c.conversationId, 'B'))?.dueSeq ?? 0).toBe(0);
    // The stream filter keeps agent messages away from the fan-out altogether.
    expect(batchesWith(r.messageId)).toHaveLength(0);
  });
});

describe('mobile payloads in the actual push (SPEC §8)', () => {
  test('the text is cut to 500 code points without splitting an emoji, in the push and the frame preview', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' }, 'GCM');
    const body = `${'a'.repeat(499)}😀${'b'.repeat(600)}`;
    const c = await conversation(ws, 'Ivy');
    const m = await visitorSays(c, body);
    const expected = `${'a'.repeat(499)}😀`;
    const push = pushesFor(A, m.messageId);
    expect(push).toHaveLength(1);
    expect(push[0]).toMatchObject({ platform: 'GCM', token: A.deviceToken });
    expect(push[0]!.payload).toEqual({
      fcmV1Message: {
        message: {
          notification: { title: 'Ivy', body: expected },
          data: { workspaceId: ws, conversationId: c.conversationId, messageId: m.messageId, seq: String(m.seq), badge: '1' },
          // SPEC §11.1: a repeated push of the conversation replaces the shown one instead of stacking;
          // §11.2: the badge as notification_count.
          android: { collapse_key: c.conversationId, notification: { tag: c.conversationId, notification_count: 1 } },
        },
      },
    });
    expect(framesFor(A, m.messageId)[0]?.preview).toBe(expected);
  });

  test('APNS and APNS_SANDBOX devices get the aps form with thread-id and the ids beside it', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' }, 'APNS_SANDBOX');
    const c = await conversation(ws, 'Jo');
    const m = await visitorSays(c, '你好，请问有人吗？');
    const [push] = pushesFor(A, m.messageId);
    expect(push?.platform).toBe('APNS_SANDBOX');
    expect(push?.payload).toEqual({
      aps: { alert: { title: 'Jo', body: '你好，请问有人吗？' }, 'thread-id': c.conversationId, sound: 'default', badge: 1 },
      conversationId: c.conversationId,
      messageId: m.messageId,
    });
    // SPEC §11.1: the collapse id (apns-collapse-id) is the conversation, the push type alert.
    expect(push?.attributes).toMatchObject({ 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': c.conversationId, 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'alert' });
  });
});

describe('exactly once and failures (issue 4 item 3)', () => {
  test('the same stream batch delivered twice notifies each target once', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' });
    const m = await visitorSays(await conversation(ws, 'Kim'), 'once please');
    const [batch] = batchesWith(m.messageId);
    expect(batch).toBeDefined();
    const again = await fanout(batch!.event);
    expect(again.batchItemFailures).toEqual([]);
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
  });

  test('a failed connection fails the record; the retry serves it and re-sends nothing already sent', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' });
    const B = await agent(ws, 'B', { scope: 'all' });
    const other = await connect(ws, 'A');
    // More 500s than the SDK's own attempts, so the failure reaches the handler's answer.
    conns.fail(A.connectionId, 3);
    const m = await visitorSays(await conversation(ws, 'Lee'), 'retry me');
    const batches = batchesWith(m.messageId);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches[0]!.response.batchItemFailures).toHaveLength(1);
    expect(batches.at(-1)!.response.batchItemFailures).toEqual([]);
    expect(conns.attempts(A.connectionId)).toBeGreaterThan(3);
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(notified(B, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(conns.frames(other).filter((f) => (f.frame as { messageId: string }).messageId === m.messageId)).toHaveLength(1);
    expect(poller.failures()).toEqual([]);
  });

  test('a 410 forgets that connection without a retry, and the other connection is still served', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' });
    const live = await connect(ws, 'A');
    conns.gone(A.connectionId);
    const c = await conversation(ws, 'Max');
    const m = await visitorSays(c, 'are you there');
    expect(framesFor(A, m.messageId)).toHaveLength(0);
    expect(conns.frames(live).filter((f) => (f.frame as { messageId: string }).messageId === m.messageId)).toHaveLength(1);
    expect(await getConnection(t.doc, t.tableName, A.connectionId)).toBeUndefined();
    expect((await connectionsOf(t.doc, t.tableName, ws, 'A')).map((x) => x.connectionId)).toEqual([live]);
    expect(batchesWith(m.messageId).map((b) => b.response.batchItemFailures)).toEqual([[]]);
    expect(conns.attempts(A.connectionId)).toBe(1);

    const next = await visitorSays(c, 'hello?');
    expect(conns.attempts(A.connectionId)).toBe(1);
    expect(conns.frames(live).filter((f) => (f.frame as { messageId: string }).messageId === next.messageId)).toHaveLength(1);
  });

  test('EndpointDisabled marks the device disabled and skips it; registering the token again re-enables it', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' }, 'GCM');
    const c = await conversation(ws, 'Ned');
    expect(sns.disable(A.deviceToken!)).toBe(true);

    const m1 = await visitorSays(c, 'first');
    expect(notified(A, m1.messageId)).toEqual({ desktop: 1, mobile: 0 });
    const owner = { workspaceId: ws, agentId: 'A' };
    const device = await getDevice(t.doc, t.tableName, owner, deviceIdFor('GCM', A.deviceToken!));
    expect(device?.enabled).toBe(false);
    expect(
      sns
        .refused()
        .filter((r) => r.endpointArn === device!.endpointArn)
        .map((r) => r.code),
    ).toEqual(['EndpointDisabled']);
    // Settled, not failed: a disabled endpoint is not retried.
    expect(batchesWith(m1.messageId).map((b) => b.response.batchItemFailures)).toEqual([[]]);

    const reg = await register(ws, 'A', 'GCM', A.deviceToken!);
    expect(reg).toEqual({ status: 200, body: { deviceId: device!.deviceId, endpointArn: device!.endpointArn } });
    expect((await getDevice(t.doc, t.tableName, owner, device!.deviceId))?.enabled).toBe(true);
    const m2 = await visitorSays(c, 'second');
    expect(notified(A, m2.messageId)).toEqual({ desktop: 1, mobile: 1 });
  });

  test('a disabled device is not even tried for later messages', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' }, 'APNS');
    const c = await conversation(ws, 'Oz');
    sns.disable(A.deviceToken!);
    await visitorSays(c, 'first');
    const refusedBefore = sns.refused().length;
    const m2 = await visitorSays(c, 'second');
    expect(notified(A, m2.messageId)).toEqual({ desktop: 1, mobile: 0 });
    expect(sns.refused()).toHaveLength(refusedBefore);
    const reg = await register(ws, 'A', 'APNS', A.deviceToken!);
    expect(reg.status).toBe(200);
    const m3 = await visitorSays(c, 'third');
    expect(notified(A, m3.messageId)).toEqual({ desktop: 1, mobile: 1 });
  });

  test('SNS throttling beyond the SDK retries fails the record, and the retry delivers the push once', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' });
    sns.failNext('Throttling', 3, 'Publish');
    const m = await visitorSays(await conversation(ws, 'Pia'), 'busy day');
    expect(batchesWith(m.messageId)[0]!.response.batchItemFailures).toHaveLength(1);
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
  });
});

describe('provider failures that retrying cannot cure (SPEC §8)', () => {
  /** The mobile guard items of a message: what the fan-out recorded for each device. */
  async function mobileGuards(messageId: string) {
    return (await guardEntries(t.doc, t.tableName, messageId))
      .filter((it) => it.channel === 'mobile')
      .map((it) => ({ target: it.target, outcome: it.outcome, detail: it.detail, errorName: it.errorName }));
  }

  test('a deleted endpoint (SNS: InvalidParameter "No endpoint found") marks the device disabled; the record is not retried', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' }, 'GCM');
    const B = await agent(ws, 'B', { scope: 'all' }, 'GCM');
    expect(sns.disable(A.deviceToken!, 'deleted')).toBe(true);
    const m = await visitorSays(await conversation(ws, 'Quin'), 'hello');
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 0 });
    expect(notified(B, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
    expect(batchesWith(m.messageId).map((b) => b.response.batchItemFailures)).toEqual([[]]);
    const deviceId = deviceIdFor('GCM', A.deviceToken!);
    expect((await getDevice(t.doc, t.tableName, { workspaceId: ws, agentId: 'A' }, deviceId))?.enabled).toBe(false);
    expect(await mobileGuards(m.messageId)).toContainEqual({
      target: `A#${deviceId}`,
      outcome: 'disabled',
      detail: 'endpoint_deleted',
      errorName: 'InvalidParameterException',
    });
    // Registering the token again creates a new endpoint, and the next message reaches it.
    const reg = await register(ws, 'A', 'GCM', A.deviceToken!);
    expect(reg.status).toBe(200);
    const next = await visitorSays(await conversation(ws, 'Quin'), 'again');
    expect(notified(A, next.messageId)).toEqual({ desktop: 1, mobile: 1 });
  });

  test.each([
    ['AuthorizationError', 'AuthorizationErrorException'],
    ['InvalidParameter', 'InvalidParameterException'],
    ['PlatformApplicationDisabled', 'PlatformApplicationDisabledException'],
  ])('%s is recorded as refused for good, not retried, and the device stays enabled', async (code, errorName) => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all' }, 'APNS');
    sns.failNext(code, 1, 'Publish');
    const m = await visitorSays(await conversation(ws, 'Rae'), 'hello');
    expect(notified(A, m.messageId)).toEqual({ desktop: 1, mobile: 0 });
    expect(batchesWith(m.messageId).map((b) => b.response.batchItemFailures)).toEqual([[]]);
    expect(await mobileGuards(m.messageId)).toEqual([{ target: `A#${deviceIdFor('APNS', A.deviceToken!)}`, outcome: 'rejected', detail: 'provider_error', errorName }]);
    expect((await getDevice(t.doc, t.tableName, { workspaceId: ws, agentId: 'A' }, deviceIdFor('APNS', A.deviceToken!)))?.enabled).toBe(true);
    expect(poller.failures()).toEqual([]);
  });

  test('a disabled platform application refuses every device on it; the other recipients are notified once and nothing is retried', async () => {
    const ws = wsId();
    // Last in this file: it disables the sandbox application for good.
    const broken = await agent(ws, 'S', { scope: 'all' }, 'APNS_SANDBOX');
    const fine = await agent(ws, 'F', { scope: 'all' }, 'GCM');
    expect(sns.disable(broken.deviceToken!, 'application')).toBe(true);
    const c = await conversation(ws, 'Sam');
    const m1 = await visitorSays(c, 'one');
    const m2 = await visitorSays(c, 'two');
    for (const m of [m1, m2]) {
      expect(notified(broken, m.messageId)).toEqual({ desktop: 1, mobile: 0 });
      expect(notified(fine, m.messageId)).toEqual({ desktop: 1, mobile: 1 });
      expect(batchesWith(m.messageId).map((b) => b.response.batchItemFailures)).toEqual([[]]);
    }
    expect(sns.refused().filter((r) => r.code === 'PlatformApplicationDisabled').length).toBeGreaterThanOrEqual(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 12: the recipient items carry the targets; a fixed number of requests; work items.

/** A document client on the same DynamoDB Local that counts the requests sent through it. */
function countingDb() {
  const counted = { n: 0, byCommand: {} as Record<string, number> };
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(process.env.DYNAMODB_ENDPOINT!)), { marshallOptions: { removeUndefinedValues: true } });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      counted.n++;
      const name = String((context as { commandName?: string }).commandName);
      counted.byCommand[name] = (counted.byCommand[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { db, counted };
}

function appDeps(db: FanoutDeps['db'], over: Partial<FanoutDeps> = {}): FanoutDeps {
  return {
    db,
    tableName: t.tableName,
    sns: new SNSClient(localClientConfig(sns.url)),
    connections: () => new ApiGatewayManagementApiClient(localClientConfig(conns.url)),
    inactiveDays: 0,
    ...over,
  };
}

async function listItem(ws: string, agentId: string, list: 'ALL' | 'UNASSIGNED') {
  const r = await t.doc.send(new GetCommand({ TableName: t.tableName, Key: { pk: `WS#${ws}#RCPT#${list}`, sk: agentId }, ConsistentRead: true }));
  return r.Item;
}
const targetNames = (it: Record<string, unknown> | undefined) =>
  Object.keys(it ?? {})
    .filter((n) => n.startsWith('conn#') || n.startsWith('dev#'))
    .sort();

describe('the recipient items carry where each agent can be reached (issue 12 item 1)', () => {
  test('connect, register, settings saves, disconnect and device removal keep the list items and the profile current', async () => {
    const ws = wsId();
    const A = await agent(ws, 'A', { scope: 'all', unassigned: true }, 'GCM');
    const dev = `dev#${deviceIdFor('GCM', A.deviceToken!)}`;
    const expected = [`conn#${A.connectionId}`, dev].sort();
    expect(targetNames(await listItem(ws, 'A', 'ALL'))).toEqual(expected);
    expect(targetNames(await listItem(ws, 'A', 'UNASSIGNED'))).toEqual(expected);
    expect(targetNames((await t.doc.send(new GetCommand({ TableName: t.tableName, Key: { pk: `AGENT#${ws}#A`, sk: 'PROFILE' } }))).Item)).toEqual(expected);
    // A settings save that keeps the lists keeps the targets; leaving and rejoining a list copies them back.
    await setSettings(ws, 'A', { desktop: false });
    expect(targetNames(await listItem(ws, 'A', 'ALL'))).toEqual(expected);
    await setSettings(ws, 'A', { scope: 'assigned' });
    expect(await listItem(ws, 'A', 'ALL')).toBeUndefined();
    await setSettings(ws, 'A', { scope: 'all', desktop: true });
    expect(targetNames(await listItem(ws, 'A', 'ALL'))).toEqual(expected);
    // Disconnect and device removal take the copies away in the same transaction.
    const c = (await getConnection(t.doc, t.tableName, A.connectionId))!;
    await deleteConnection(t.doc, t.tableName, c);
    await removeDevice({ db: t.doc, tableName: t.tableName, sns: new SNSClient(localClientConfig(sns.url)) }, A, deviceIdFor('GCM', A.deviceToken!));
    expect(targetNames(await listItem(ws, 'A', 'ALL'))).toEqual([]);
    expect(targetNames(await listItem(ws, 'A', 'UNASSIGNED'))).toEqual([]);
  });

  test('concurrent connects, disconnects and settings saves of one agent lose no update', async () => {
    const ws = wsId();
    await setSettings(ws, 'A', { scope: 'all' });
    const ids = Array.from({ length: 12 }, () => newId('conn'));
    const a = await ensureAgent(t.doc, t.tableName, { workspaceId: ws, agentId: 'A', email: 'A@example.test', name: 'A' });
    await Promise.all([
      ...ids.map((id) => connect(ws, 'A', id)),
      putSettings(t.doc, t.tableName, a, { ...a.settings, scope: 'assigned' }),
      putSettings(t.doc, t.tableName, a, { ...a.settings, scope: 'all' }),
    ]);
    await Promise.all(ids.slice(0, 5).map((id) => deleteConnection(t.doc, t.tableName, { connectionId: id, workspaceId: ws, agentId: 'A' })));
    const live = ids
      .slice(5)
      .map((id) => `conn#${id}`)
      .sort();
    expect((await connectionsOf(t.doc, t.tableName, ws, 'A')).map((c) => `conn#${c.connectionId}`).sort()).toEqual(live);
    const profile = (await t.doc.send(new GetCommand({ TableName: t.tableName, Key: { pk: `AGENT#${ws}#A`, sk: 'PROFILE' }, ConsistentRead: true }))).Item;
    expect(targetNames(profile)).toEqual(live);
    const all = await listItem(ws, 'A', 'ALL');
    if (profile?.settings?.scope === 'all') expect(targetNames(all)).toEqual(live);
    else expect(all).toBeUndefined();
  });

  test('the fan-out makes the same number of DynamoDB requests for 3 recipients as for 30, but for one badge write per recipient', async () => {
    const requestsFor = async (n: number) => {
      const ws = wsId();
      for (let i = 0; i < n; i++) await agent(ws, `A${i}`, { scope: 'all', unassigned: false, mobile: i === 0 });
      const c = await conversation(ws, 'Count');
      const fresh = (await getConversation(t.doc, t.tableName, c.conversationId))!;
      const r = await appendMessage(t.doc, t.tableName, fresh, { fromType: 'visitor', fromId: fresh.visitorId, body: 'how many requests?' });
      await poller.drain();
      const { db, counted } = countingDb();
      // A fresh message id: the guard is empty, as on the first delivery.
      const m = { workspaceId: ws, conversationId: c.conversationId, messageId: newId('msg'), seq: r.seq, fromType: 'visitor' as const, fromId: fresh.visitorId, body: 'x', createdAt: r.createdAt };
      expect(await fanOutMessage(appDeps(db), m)).toBe(true);
      return counted;
    };
    const three = await requestsFor(3);
    const thirty = await requestsFor(30);
    // GetItem conversation, Query scope-all, Query unassigned, Query guard, one guard write per channel;
    // SPEC §11.2's one UpdateItem of each recipient's UNREAD item (no Query, no read per recipient),
    // and the delivery log (SPEC §12), one entry per recipient in BatchWriteItem requests of 25.
    const fixed = (c: typeof three, recipients: number) => {
      const { BatchWriteItemCommand: _log, ...rest } = c.byCommand;
      return { ...rest, UpdateItemCommand: (rest.UpdateItemCommand ?? 0) - recipients };
    };
    expect(fixed(thirty, 30)).toEqual(fixed(three, 3));
    expect([three.byCommand.BatchWriteItemCommand, thirty.byCommand.BatchWriteItemCommand]).toEqual([1, 2]);
    expect(thirty.n - 30 - thirty.byCommand.BatchWriteItemCommand!).toBeLessThanOrEqual(6);
  });
});

describe('big messages go to the workers (issue 12 item 3)', () => {
  /** The local SQS (local/sqs-server.ts) with a queue of its own; what the record queued is received as the mapping would. */
  async function localQueue() {
    const server = await startSqsServer({ port: 0 });
    const url = server.createQueue('fanout-work', { visibilityTimeoutS: 60 });
    const sqs = new SQSClient(localClientConfig(server.url));
    const receiveAll = async () => {
      const out: string[] = [];
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
        if (!r.Messages?.length) return out;
        out.push(...r.Messages.map((x) => x.Body!));
      }
    };
    return { sqs, url, receiveAll, close: () => server.close() };
  }
  const sqsEvent = (bodies: string[]): SQSEvent => ({
    Records: bodies.map((body, i) => ({ messageId: `sqs-${i}`, body }) as SQSEvent['Records'][number]),
  });

  test('above the threshold the record only queues work; the worker serves every target once, a redelivered item sends nothing, a failed send is reported alone', async () => {
    const ws = wsId();
    const team = [];
    for (let i = 0; i < 8; i++) team.push(await agent(ws, `W${i}`, { scope: 'all', unassigned: false, email: i === 0, emailUnreadReminder: i === 0 }, 'GCM'));
    const c = await conversation(ws, 'Big');
    const fresh = (await getConversation(t.doc, t.tableName, c.conversationId))!;
    const r = await appendMessage(t.doc, t.tableName, fresh, { fromType: 'visitor', fromId: fresh.visitorId, body: 'to the workers' });
    await poller.drain();
    const m = {
      workspaceId: ws,
      conversationId: c.conversationId,
      messageId: newId('msg'),
      seq: r.seq,
      fromType: 'visitor' as const,
      fromId: fresh.visitorId,
      body: 'to the workers',
      createdAt: r.createdAt,
    };
    const q = await localQueue();
    const deps = appDeps(t.doc, { sqs: q.sqs, queueUrl: q.url, threshold: 4 });
    expect(await fanOutMessage(deps, m)).toBe(true);
    const bodies = await q.receiveAll();
    const frames = (a: TestAgent) => framesFor(a, m.messageId).length;
    const pushes = (a: TestAgent) => pushesFor(a, m.messageId).length;
    expect(team.map(frames)).toEqual(Array(8).fill(0)); // nothing sent by the record itself
    const items = bodies.map((b) => JSON.parse(b) as WorkItem);
    expect(items.reduce((n, it) => n + it.sends.length, 0)).toBe(16);

    // One target fails beyond the SDK's retries: only its item comes back.
    conns.fail(team[3]!.connectionId, 3);
    const first = await fanoutWork(sqsEvent(bodies), deps);
    const failedItem = items.findIndex((it) => it.sends.some((s) => s.agentId === 'W3'));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${failedItem}` }]);
    // SQS delivers every item again (a redelivery) and the failed one once more: nothing twice.
    expect((await fanoutWork(sqsEvent(bodies), deps)).batchItemFailures).toEqual([]);
    expect(team.map(frames)).toEqual(Array(8).fill(1));
    expect(team.map(pushes)).toEqual(Array(8).fill(1));
    // SPEC §11.2 through the workers too: each frame and push carries the agent's badge (this is their one unread conversation).
    expect(team.map((a) => framesFor(a, m.messageId)[0]?.unreadConversations)).toEqual(Array(8).fill(1));
    expect(team.map((a) => (pushesFor(a, m.messageId)[0]?.payload as any)?.fcmV1Message.message.data.badge)).toEqual(Array(8).fill('1'));
    expect((await getPosition(t.doc, t.tableName, c.conversationId, 'W0'))?.dueSeq).toBe(m.seq);
    // A redelivered stream record finds every target done and queues nothing new.
    expect(await fanOutMessage(deps, m)).toBe(true);
    expect((await q.receiveAll()).map((b) => (JSON.parse(b) as WorkItem).sends.length).reduce((a, b) => a + b, 0)).toBe(0);
    await q.close();
  });
});
