/**
 * Devices over the offline stack, as agents and their phones see them (SPEC §8, §10.3): a device
 * token has one owner, the agent who registered it last; an agent has at most 10 devices; and
 * what reaches a phone is clean text within the platforms' 4096 bytes.
 *
 * "Nothing arrived" is never checked by waiting: a later message of the same conversation is
 * fanned out after an earlier one, so once its push has arrived, the earlier one's would have.
 */
import { SNSClient, GetEndpointAttributesCommand } from '@aws-sdk/client-sns';
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, AgentSocket, apnsToken, call, eventually, startTestStack, uid } from '../support/offline.js';
import { DEFAULT_SETTINGS } from '../../lambdas/domain/settings.js';
import { hasUnsafeChars } from '../../lambdas/domain/text.js';
import { localClientConfig } from '../../local/client-config.js';

let stack: OfflineStack;
let sns: SNSClient;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  sns = new SNSClient({ ...localClientConfig(process.env.SNS_ENDPOINT!), maxAttempts: 1 });
});

afterAll(async () => {
  sns?.destroy();
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
});

interface TestAgent {
  workspaceId: string;
  agentId: string;
  token: string;
}

async function newAgent(workspaceId: string, name: string): Promise<TestAgent> {
  const agentId = uid(name);
  const token = await agentToken(stack, { workspaceId, agentId, email: `${agentId}@example.com`, name });
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, scope: 'all' } });
  expect(r.status).toBe(200);
  return { workspaceId, agentId, token };
}

const register = (a: TestAgent, token: string, platform = 'GCM') => call(stack.httpUrl, 'POST', '/v1/me/devices', { token: a.token, body: { platform, token } });
const remove = (a: TestAgent, deviceId: string) => call(stack.httpUrl, 'DELETE', `/v1/me/devices/${deviceId}`, { token: a.token });

async function conversation(workspaceId: string, name = 'Ann') {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name } } });
  expect(r.status).toBe(201);
  return r.json as { conversationId: string; visitorToken: string };
}

async function says(conv: { conversationId: string; visitorToken: string }, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  expect(r.status).toBe(201);
  return r.json.messageId;
}

const allPushes = async () => (await call(stack.httpUrl, 'GET', '/_local/push')).json.pushes as any[];
const messageIdOf = (p: any) => (p.platform === 'GCM' ? p.payload.fcmV1Message.message.data.messageId : p.payload.messageId);
const pushesTo = async (deviceToken: string, messageId: string) => (await allPushes()).filter((p) => p.token === deviceToken && messageIdOf(p) === messageId);
const pushArrives = (deviceToken: string, messageId: string) =>
  eventually(
    async () => {
      const got = await pushesTo(deviceToken, messageId);
      return got.length > 0 ? got : undefined;
    },
    `push of ${messageId} to ${deviceToken}`,
    30_000,
  );

describe('one token, one owner (SPEC §8)', () => {
  test('an agent of another workspace registering the token takes it: the earlier holder deleting "its" device does not stop the new holder\'s pushes', async () => {
    const a = await newAgent(uid('ws'), 'a');
    const b = await newAgent(uid('ws'), 'b');
    const phone = uid('phone');
    const first = await register(a, phone);
    expect(first.status).toBe(201);
    const moved = await register(b, phone);
    expect(moved.status).toBe(201);
    expect(moved.json.endpointArn).toBe(first.json.endpointArn); // the endpoint is kept and reused

    // The issue: the earlier holder deletes its device, and the new holder's pushes must go on.
    const deleted = await remove(a, first.json.deviceId);
    const convB = await conversation(b.workspaceId, 'Bea');
    const mB = await says(convB, 'for the new holder');
    expect(await pushArrives(phone, mB)).toHaveLength(1);
    // The earlier holder no longer had the device: a 404, and the endpoint is untouched.
    expect(deleted.status).toBe(404);
    expect((await sns.send(new GetEndpointAttributesCommand({ EndpointArn: moved.json.endpointArn }))).Attributes?.Enabled).toBe('true');

    // A's workspace no longer reaches the phone. A's other phone tells when that message was handled.
    const other = uid('phone');
    expect((await register(a, other)).status).toBe(201);
    const convA = await conversation(a.workspaceId, 'Cy');
    const mA = await says(convA, 'for the earlier holder');
    const mA2 = await says(convA, 'and again');
    await pushArrives(other, mA2);
    expect(await pushesTo(phone, mA)).toEqual([]);
    expect(await pushesTo(phone, mA2)).toEqual([]);
  });

  test('two agents of one workspace with the same phone: one push per message, to the agent who registered it last', async () => {
    const ws = uid('ws');
    const a = await newAgent(ws, 'a');
    const b = await newAgent(ws, 'b');
    const phone = apnsToken();
    await register(a, phone, 'APNS');
    await register(b, phone, 'APNS');
    const conv = await conversation(ws, 'Dee');
    const m1 = await says(conv, 'one');
    const m2 = await says(conv, 'two');
    await pushArrives(phone, m2);
    expect(await pushesTo(phone, m1)).toHaveLength(1);
    expect(await pushesTo(phone, m2)).toHaveLength(1);
    // B removing the device deletes the endpoint: B held the token, nobody else does.
    const b1 = await register(b, phone, 'APNS');
    expect(b1.status).toBe(200);
    expect((await remove(b, b1.json.deviceId)).status).toBe(204);
    await expect(sns.send(new GetEndpointAttributesCommand({ EndpointArn: b1.json.endpointArn }))).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});

test('an 11th device removes the least recently registered: the 10 newest get the push, the oldest does not (SPEC §10.3)', async () => {
  const a = await newAgent(uid('ws'), 'many');
  const phones = Array.from({ length: 11 }, (_, i) => `${uid('phone')}-${i}`);
  for (const p of phones) expect((await register(a, p)).status).toBe(201);
  const conv = await conversation(a.workspaceId, 'Eve');
  const m1 = await says(conv, 'who has a phone?');
  const m2 = await says(conv, 'still there?');
  for (const p of phones.slice(1)) {
    await pushArrives(p, m2);
    expect(await pushesTo(p, m1)).toHaveLength(1);
  }
  expect(await pushesTo(phones[0]!, m1)).toEqual([]);
  expect(await pushesTo(phones[0]!, m2)).toEqual([]);
});

test('a long name and a body of control, bidi and escaped characters reach the phone clean and within 4096 bytes (SPEC §8)', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'clean');
  const socket = await AgentSocket.open(stack.wsUrl, a.token);
  sockets.push(socket);
  const apns = apnsToken();
  const gcm = uid('phone');
  await register(a, apns, 'APNS');
  await register(a, gcm, 'GCM');
  const conv = await conversation(ws, '😀'.repeat(100));
  // 1000 code points: controls (6 bytes each as JSON), U+202E, quotes and backslashes (2 each), 4-byte emoji.
  const body = '\u0001\u202E"\\😀'.repeat(200);
  const m = await says(conv, body);
  const expected = '"\\😀'.repeat(166) + '"\\'; // the first 500 code points of what is left
  for (const [token, text] of [
    [apns, (p: any) => p.payload.aps.alert],
    [gcm, (p: any) => p.payload.fcmV1Message.message.notification],
  ] as const) {
    const [push] = await pushArrives(token, m);
    expect(Buffer.byteLength(JSON.stringify(push.payload), 'utf8')).toBeLessThanOrEqual(4096);
    expect(text(push)).toEqual({ title: '😀'.repeat(100), body: expected });
    expect(hasUnsafeChars(text(push).body)).toBe(false);
    expect(push.attributes).toEqual(expect.any(Object));
  }
  const frame = await socket.waitFor((f) => f.type === 'chat.message' && f.messageId === m, 'the frame');
  expect(frame.preview).toBe(expected);
});
