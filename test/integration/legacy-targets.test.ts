/**
 * Agents stored before the target copies (issue 12 item 1): profile, list items, connection and
 * device items in the shape the earlier code wrote them (git show 2dfaa22:lambdas/store/devices.ts,
 * connections.ts), no copies, no `tv`. Their phone and console still hear about a visitor message,
 * their targets are copied once (by the fan-out, or at their next request), and then the fan-out
 * reads them off the list items again: no Query of the agent's partition.
 * Against DynamoDB Local, the local SNS and a local @connections server.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CreatePlatformEndpointCommand, SNSClient } from '@aws-sdk/client-sns';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { fanOutMessage, type FanoutDeps } from '../../lambdas/app/fanout.js';
import { backfillTargets } from '../../lambdas/app/targets-backfill.js';
import { admitAgent } from '../../lambdas/app/agent-access.js';
import { ensureAgent } from '../../lambdas/store/agents.js';
import { connectionsOf, putConnection } from '../../lambdas/store/connections.js';
import { listDevices } from '../../lambdas/store/devices.js';
import { createConversation, appendMessage } from '../../lambdas/store/messages.js';
import { getConversation } from '../../lambdas/store/conversations.js';
import { assignConversation } from '../../lambdas/app/assign.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';
import { deviceIdFor, newId } from '../../lambdas/domain/ids.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { startConnectionsServer, type ConnectionsServer } from '../support/ws-connections-server.js';
import { startSnsServer, type SnsServer } from '../../local/sns-server.js';
import { localClientConfig } from '../../local/client-config.js';

let t: TestTable;
let sns: SnsServer;
let conns: ConnectionsServer;
const GCM_APP = 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat';

beforeAll(async () => {
  t = await createTestTable('legacy');
  sns = await startSnsServer({ port: 0 });
  conns = await startConnectionsServer();
});

afterAll(async () => {
  await Promise.all([sns?.close(), conns?.close()]);
});

/** A document client that records the partition key of every Query sent through it. */
function countingDb() {
  const queried: string[] = [];
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(process.env.DYNAMODB_ENDPOINT!)), { marshallOptions: { removeUndefinedValues: true } });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName === 'QueryCommand') {
        const input = (args as { input: { ExpressionAttributeValues?: Record<string, unknown> } }).input;
        queried.push(String(input.ExpressionAttributeValues?.[':pk']));
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordQueries' },
  );
  return { db, queried };
}

const deps = (db: FanoutDeps['db'] = t.doc): FanoutDeps => ({
  db,
  tableName: t.tableName,
  sns: new SNSClient(localClientConfig(sns.url)),
  connections: () => new ApiGatewayManagementApiClient(localClientConfig(conns.url)),
  inactiveDays: 0,
});

interface Legacy {
  workspaceId: string;
  agentId: string;
  connectionId: string;
  deviceId: string;
  token: string;
}

const put = (Item: Record<string, unknown>) => t.doc.send(new PutCommand({ TableName: t.tableName, Item }));

/** An agent, a live connection and an enabled phone, written the way the code before the copies wrote them. */
async function legacyAgent(workspaceId: string, agentId: string, over: Partial<NotificationSettings>): Promise<Legacy> {
  const now = new Date().toISOString();
  const settings = { ...defaultSettings(), ...over };
  await put({
    pk: `AGENT#${workspaceId}#${agentId}`,
    sk: 'PROFILE',
    entity: 'agent',
    workspaceId,
    agentId,
    email: `${agentId}@example.test`,
    name: agentId,
    settings,
    createdAt: now,
    lastSeenAt: now,
    workspaceRecorded: true,
  });
  const entry = { entity: 'recipient', agentId, settings, lastSeenAt: now };
  if (settings.scope === 'all') await put({ pk: `WS#${workspaceId}#RCPT#ALL`, sk: agentId, ...entry });
  if (settings.unassigned) await put({ pk: `WS#${workspaceId}#RCPT#UNASSIGNED`, sk: agentId, ...entry });
  const connectionId = newId('conn');
  const c = { connectionId, workspaceId, agentId, connectedAt: now, ttl: Math.floor(Date.now() / 1000) + 2 * 60 * 60 + 10 * 60 };
  await put({ pk: `CONN#${connectionId}`, sk: 'CONN', entity: 'connection', ...c });
  await put({ pk: `AGENT#${workspaceId}#${agentId}`, sk: `CONN#${connectionId}`, entity: 'agentConnection', ...c });
  const token = `tok-${newId('d')}`;
  const endpoint = await new SNSClient(localClientConfig(sns.url)).send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: GCM_APP, Token: token }));
  const deviceId = deviceIdFor('GCM', token);
  await put({
    pk: `AGENT#${workspaceId}#${agentId}`,
    sk: `DEV#${deviceId}`,
    entity: 'device',
    workspaceId,
    agentId,
    deviceId,
    platform: 'GCM',
    token,
    endpointArn: endpoint.EndpointArn!,
    enabled: true,
    createdAt: now,
    updatedAt: now,
  });
  return { workspaceId, agentId, connectionId, deviceId, token };
}

async function item(pk: string, sk: string) {
  return (await t.doc.send(new GetCommand({ TableName: t.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
}
const profileOf = (a: Legacy) => item(`AGENT#${a.workspaceId}#${a.agentId}`, 'PROFILE');
const copies = (it: Record<string, unknown> | undefined) =>
  Object.keys(it ?? {})
    .filter((n) => n.startsWith('conn#') || n.startsWith('dev#'))
    .sort();
const expected = (a: Legacy) => [`conn#${a.connectionId}`, `dev#${a.deviceId}`].sort();

async function visitorMessage(workspaceId: string, assignee?: string) {
  const { conversation } = await createConversation(t.doc, t.tableName, { conversationId: newId('conv'), workspaceId, visitor: { name: 'Vi' }, visitorTokenHash: 'x' });
  if (assignee) await assignConversation(t.doc, t.tableName, { workspaceId, agentId: assignee, email: '', name: assignee }, conversation.conversationId, assignee);
  const fresh = (await getConversation(t.doc, t.tableName, conversation.conversationId))!;
  const r = await appendMessage(t.doc, t.tableName, fresh, { fromType: 'visitor', fromId: fresh.visitorId, body: 'hello?' });
  return {
    workspaceId,
    conversationId: conversation.conversationId,
    messageId: newId('msg'),
    seq: r.seq,
    fromType: 'visitor' as const,
    fromId: fresh.visitorId,
    body: 'hello?',
    createdAt: r.createdAt,
  };
}

const pushesFor = (a: Legacy, messageId: string) => sns.pushes().filter((p) => p.token === a.token && JSON.stringify(p).includes(messageId));
const framesFor = (a: Legacy, messageId: string) => conns.frames(a.connectionId).filter((f) => (f.frame as { messageId?: string }).messageId === messageId);

describe('agents stored before the target copies', () => {
  test('a legacy scope-all agent gets the push and the frame, is copied once, and the next message reads no agent partition', async () => {
    const ws = newId('ws');
    const L = await legacyAgent(ws, 'L', { scope: 'all', unassigned: true });
    const first = countingDb();
    const m1 = await visitorMessage(ws);
    expect(await fanOutMessage(deps(first.db), m1)).toBe(true);
    expect(pushesFor(L, m1.messageId)).toHaveLength(1);
    expect(framesFor(L, m1.messageId)).toHaveLength(1);
    expect(first.queried).toContain(`AGENT#${ws}#L`);
    // Copied onto the profile and both list items, with the mark.
    for (const it of [await profileOf(L), await item(`WS#${ws}#RCPT#ALL`, 'L'), await item(`WS#${ws}#RCPT#UNASSIGNED`, 'L')]) {
      expect(copies(it)).toEqual(expected(L));
      expect(it?.targetsCopied).toBe(true);
    }
    expect(typeof (await profileOf(L))?.tv).toBe('number');

    const second = countingDb();
    const m2 = await visitorMessage(ws);
    expect(await fanOutMessage(deps(second.db), m2)).toBe(true);
    expect(pushesFor(L, m2.messageId)).toHaveLength(1);
    expect(framesFor(L, m2.messageId)).toHaveLength(1);
    expect(second.queried.filter((pk) => pk.startsWith('AGENT#'))).toEqual([]);
  });

  test('a legacy assignee (on no list) is reached through the profile the fan-out reads', async () => {
    const ws = newId('ws');
    const L = await legacyAgent(ws, 'L', { scope: 'assigned', unassigned: false });
    const m = await visitorMessage(ws, 'L');
    expect(await fanOutMessage(deps(), m)).toBe(true);
    expect(pushesFor(L, m.messageId)).toHaveLength(1);
    expect(framesFor(L, m.messageId)).toHaveLength(1);
    expect(copies(await profileOf(L))).toEqual(expected(L));
  });

  test("the agent's next request copies the targets, before any message", async () => {
    const ws = newId('ws');
    const L = await legacyAgent(ws, 'L', { scope: 'all', unassigned: false });
    const admitted = await admitAgent({ db: t.doc, tableName: t.tableName }, { workspaceId: ws, agentId: 'L', email: 'L@example.test', name: 'L' });
    expect(admitted?.agentId).toBe('L');
    expect(copies(await item(`WS#${ws}#RCPT#ALL`, 'L'))).toEqual(expected(L));
    const { db, queried } = countingDb();
    const m = await visitorMessage(ws);
    expect(await fanOutMessage(deps(db), m)).toBe(true);
    expect(pushesFor(L, m.messageId)).toHaveLength(1);
    expect(queried.filter((pk) => pk.startsWith('AGENT#'))).toEqual([]);
  });

  test('a disabled device and an expired connection are not copied', async () => {
    const ws = newId('ws');
    const L = await legacyAgent(ws, 'L', { scope: 'all', unassigned: false });
    const profile = await item(`AGENT#${ws}#L`, `DEV#${L.deviceId}`);
    await put({ ...profile, enabled: false });
    const conn = await item(`AGENT#${ws}#L`, `CONN#${L.connectionId}`);
    await put({ ...conn, ttl: Math.floor(Date.now() / 1000) - 60 });
    const r = await backfillTargets({ db: t.doc, tableName: t.tableName }, L);
    expect(r?.copied).toBe(true);
    expect(copies(await item(`WS#${ws}#RCPT#ALL`, 'L'))).toEqual([]);
    expect((await item(`WS#${ws}#RCPT#ALL`, 'L'))?.targetsCopied).toBe(true);
  });

  test('a backfill racing connects loses gracefully and the copies end up matching the items', async () => {
    const ws = newId('ws');
    const L = await legacyAgent(ws, 'L', { scope: 'all', unassigned: true });
    const more = Array.from({ length: 6 }, () => newId('conn'));
    const b = { db: t.doc, tableName: t.tableName };
    await Promise.all([
      backfillTargets(b, L),
      ...more.map((connectionId) => putConnection(t.doc, t.tableName, { connectionId, workspaceId: ws, agentId: 'L', connectedAt: new Date().toISOString() })),
      backfillTargets(b, L),
    ]);
    // Whatever lost is picked up by the next use.
    await backfillTargets(b, L);
    const live = (await connectionsOf(t.doc, t.tableName, ws, 'L')).map((c) => `conn#${c.connectionId}`);
    const devices = (await listDevices(t.doc, t.tableName, L)).map((d) => `dev#${d.deviceId}`);
    const want = [...live, ...devices].sort();
    expect(want).toHaveLength(8);
    for (const it of [await profileOf(L), await item(`WS#${ws}#RCPT#ALL`, 'L'), await item(`WS#${ws}#RCPT#UNASSIGNED`, 'L')]) {
      expect(copies(it)).toEqual(want);
      expect(it?.targetsCopied).toBe(true);
    }
  });

  test('an agent created now starts marked: never legacy', async () => {
    const ws = newId('ws');
    await ensureAgent(t.doc, t.tableName, { workspaceId: ws, agentId: 'N', email: 'N@example.test', name: 'N' });
    expect((await item(`AGENT#${ws}#N`, 'PROFILE'))?.targetsCopied).toBe(true);
    // Default settings: unassigned on, so the agent is on that list from the start.
    expect((await item(`WS#${ws}#RCPT#UNASSIGNED`, 'N'))?.targetsCopied).toBe(true);
  });
});
