/**
 * A deploy over data stored before the target copies (issue 12 item 1), black-box over the offline
 * stack: an agent with a registered phone and an open console, whose profile and list items are
 * rewritten into the earlier shape (no `conn#`/`dev#` copies, no `tv`, no `targetsCopied`), still
 * gets the push and the frame of a visitor message, and is copied once — by the fan-out, or by the
 * agent's next request.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../../local/stack.js';
import { localClientConfig } from '../../local/client-config.js';
import { DEFAULT_SETTINGS } from '../../lambdas/domain/settings.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';

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

const isCopy = (n: string) => n.startsWith('conn#') || n.startsWith('dev#');
const get = async (pk: string, sk: string) => (await db.send(new GetCommand({ TableName: stack.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;

/** The profile and list items as the code before the copies left them. */
async function intoOldShape(ws: string, agentId: string) {
  for (const [pk, sk] of [
    [`AGENT#${ws}#${agentId}`, 'PROFILE'],
    [`WS#${ws}#RCPT#ALL`, agentId],
    [`WS#${ws}#RCPT#UNASSIGNED`, agentId],
  ] as const) {
    const it = await get(pk, sk);
    if (!it) continue;
    const names = Object.keys(it).filter((n) => isCopy(n) || n === 'tv' || n === 'targetsCopied');
    if (names.length === 0) continue;
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk, sk },
        UpdateExpression: `REMOVE ${names.map((_, i) => `#n${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
      }),
    );
  }
}

async function legacyAgent(ws: string) {
  const agentId = uid('old');
  const token = await agentToken(stack, { workspaceId: ws, agentId, email: `${agentId}@example.com`, name: 'Old' });
  expect((await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, scope: 'all' } })).status).toBe(200);
  const deviceToken = uid('gcm');
  expect((await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform: 'GCM', token: deviceToken } })).status).toBe(201);
  const socket = await AgentSocket.open(stack.wsUrl, token);
  sockets.push(socket);
  await intoOldShape(ws, agentId);
  const list = await get(`WS#${ws}#RCPT#ALL`, agentId);
  expect(Object.keys(list ?? {}).filter(isCopy)).toEqual([]);
  return { agentId, token, deviceToken, socket };
}

async function newConversation(ws: string) {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${ws}/conversations`, { body: { visitor: { name: 'Vi' } } });
  expect(r.status).toBe(201);
  return r.json as { conversationId: string; visitorToken: string };
}

async function visitorSays(conv: { conversationId: string; visitorToken: string }, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json.messageId;
}

const pushFor = (deviceToken: string, messageId: string) =>
  eventually(
    async () => {
      const r = await call(stack.httpUrl, 'GET', '/_local/push');
      return (r.json.pushes as any[]).find((p) => p.token === deviceToken && p.payload?.fcmV1Message?.message?.data?.messageId === messageId);
    },
    `push ${messageId}`,
    60_000,
  );
const frameFor = (s: AgentSocket, messageId: string) => s.waitFor((f) => f.type === 'chat.message' && f.messageId === messageId, `frame ${messageId}`);

const copiedOnList = (ws: string, agentId: string) =>
  eventually(
    async () => {
      const it = await get(`WS#${ws}#RCPT#ALL`, agentId);
      return it?.targetsCopied === true && Object.keys(it).filter(isCopy).length === 2 ? it : undefined;
    },
    'the copies on the list item',
    60_000,
  );

test('an agent stored before the copies gets the push and the frame, and the fan-out copies their targets', async () => {
  const ws = uid('ws');
  const old = await legacyAgent(ws);
  const conv = await newConversation(ws);
  const m1 = await visitorSays(conv, 'anyone there?');
  await Promise.all([pushFor(old.deviceToken, m1), frameFor(old.socket, m1)]);
  await copiedOnList(ws, old.agentId);
  const m2 = await visitorSays(conv, 'still there?');
  await Promise.all([pushFor(old.deviceToken, m2), frameFor(old.socket, m2)]);
});

test("the agent's next request copies their targets before any message", async () => {
  const ws = uid('ws');
  const old = await legacyAgent(ws);
  expect((await call(stack.httpUrl, 'GET', '/v1/conversations', { token: old.token })).status).toBe(200);
  await copiedOnList(ws, old.agentId);
  const conv = await newConversation(ws);
  const m = await visitorSays(conv, 'hello');
  await Promise.all([pushFor(old.deviceToken, m), frameFor(old.socket, m)]);
});
