/** The WebSocket route handlers (SPEC §7) against DynamoDB Local. */
import { createTestTable, type TestTable } from '../support/table.js';
import { callWs, wsEvent } from '../support/events.js';
import { connectionsOf, getConnection } from '../../lambdas/store/connections.js';
import { createConversation } from '../../lambdas/store/messages.js';
import { listMessages } from '../../lambdas/store/messages.js';
import { getPosition } from '../../lambdas/store/positions.js';
import { newId } from '../../lambdas/domain/ids.js';

let t: TestTable;
const h: Record<string, unknown> = {};
const amy = { agentId: 'amy', workspaceId: 'acme', email: 'amy@example.com', name: 'Amy' };

beforeAll(async () => {
  t = await createTestTable('ws');
  for (const n of ['connect', 'disconnect', 'ping', 'mark-read', 'send-message', 'default']) {
    h[n] = (await import(`../../lambdas/handlers/ws/${n}.js`)).handler;
  }
});

async function conversation(ws = 'acme') {
  const { conversation } = await createConversation(t.doc, t.tableName, {
    conversationId: newId('conv'),
    workspaceId: ws,
    visitor: { name: 'Vic' },
    visitorTokenHash: 'h',
    firstMessage: 'hello',
  });
  return conversation.conversationId;
}

test('connect remembers the connection under the agent; disconnect forgets it', async () => {
  const r = await callWs(h.connect, wsEvent({ routeKey: '$connect', connectionId: 'c-1=', authorizer: amy }));
  expect(r.statusCode).toBe(200);
  expect((await connectionsOf(t.doc, t.tableName, 'acme', 'amy')).map((c) => c.connectionId)).toEqual(['c-1=']);
  await callWs(h.disconnect, wsEvent({ routeKey: '$disconnect', connectionId: 'c-1=' }));
  expect(await connectionsOf(t.doc, t.tableName, 'acme', 'amy')).toEqual([]);
  expect(await getConnection(t.doc, t.tableName, 'c-1=')).toBeUndefined();
});

test('connect without an authorized agent is refused', async () => {
  const r = await callWs(h.connect, wsEvent({ routeKey: '$connect', connectionId: 'c-x' }));
  expect(r.statusCode).toBe(401);
});

test('ping → pong', async () => {
  expect((await callWs(h.ping, wsEvent({ routeKey: 'ping', connectionId: 'c', body: { action: 'ping' }, authorizer: amy }))).frame).toEqual({ type: 'pong' });
});

test('markRead → read frame and the position moves', async () => {
  const conversationId = await conversation();
  const r = await callWs(h['mark-read'], wsEvent({ routeKey: 'markRead', connectionId: 'c', body: { action: 'markRead', conversationId }, authorizer: amy }));
  expect(r.frame).toEqual({ type: 'read', conversationId, readSeq: 1 });
  expect((await getPosition(t.doc, t.tableName, conversationId, 'amy'))?.readSeq).toBe(1);
});

test('sendMessage → ack, stored as the agent; a repeat with the same clientMessageId stores nothing new', async () => {
  const conversationId = await conversation();
  const frame = { action: 'sendMessage', conversationId, body: 'On it!', clientMessageId: 'k1' };
  const a = await callWs(h['send-message'], wsEvent({ routeKey: 'sendMessage', connectionId: 'c', body: frame, authorizer: amy }));
  expect(a.frame).toEqual({ type: 'ack', clientMessageId: 'k1', messageId: expect.any(String), seq: 2 });
  const b = await callWs(h['send-message'], wsEvent({ routeKey: 'sendMessage', connectionId: 'c', body: frame, authorizer: amy }));
  expect(b.frame).toEqual(a.frame);
  const { messages } = await listMessages(t.doc, t.tableName, conversationId, undefined);
  expect(messages.map((m) => [m.seq, m.from.type, m.from.id])).toEqual([
    [1, 'visitor', expect.any(String)],
    [2, 'agent', 'amy'],
  ]);
});

test.each([
  ["another workspace's conversation", 'send-message', async () => ({ action: 'sendMessage', conversationId: await conversation('globex'), body: 'x' }), 'not_found'],
  ['a body over 10000 characters', 'send-message', async () => ({ action: 'sendMessage', conversationId: await conversation(), body: 'x'.repeat(10001) }), 'payload_too_large'],
  ['a missing conversationId', 'mark-read', async () => ({ action: 'markRead' }), 'validation_error'],
  ['an unknown field', 'mark-read', async () => ({ action: 'markRead', conversationId: 'conv_1', x: 1 }), 'validation_error'],
])('%s → error frame', async (_n, route, make, code) => {
  const r = await callWs(h[route], wsEvent({ routeKey: 'x', connectionId: 'c', body: await make(), authorizer: amy }));
  expect(r.frame).toMatchObject({ type: 'error', code });
});

test('$default answers non-JSON, unknown actions and oversized frames with an error frame', async () => {
  expect((await callWs(h.default, wsEvent({ routeKey: '$default', connectionId: 'c', rawBody: 'hello' }))).frame).toMatchObject({ type: 'error', code: 'bad_request' });
  expect((await callWs(h.default, wsEvent({ routeKey: '$default', connectionId: 'c', body: { action: 'dance' } }))).frame).toMatchObject({ type: 'error', code: 'unknown_action' });
  expect((await callWs(h.default, wsEvent({ routeKey: '$default', connectionId: 'c', rawBody: 'x'.repeat(33 * 1024) }))).frame).toMatchObject({ type: 'error', code: 'payload_too_large' });
});
