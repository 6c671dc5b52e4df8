/**
 * The offline stack runs the connection-expiry sweep on its own schedule (here every second instead
 * of every minute): a connection whose token expires is closed without anyone asking, its items
 * are forgotten, and the agent's other connection stays open.
 */
import type { OfflineStack } from '../../local/stack.js';
import { tableReader, type TableReader } from '../support/table-snapshot.js';
import { AgentSocket, agentToken, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;
let table: TableReader;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ connectionExpiryIntervalS: 1 });
  table = tableReader(stack.dynamoEndpoint, stack.tableName);
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  table?.close();
  await stack?.stop();
});

test('a connection whose token expires is closed by the scheduled sweep and forgotten; a fresh one stays', async () => {
  const ws = uid('ws');
  const agentId = uid('agent');
  const fresh = await AgentSocket.open(stack.wsUrl, await agentToken(stack, { workspaceId: ws, agentId }));
  const r = await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: { workspaceId: ws, agentId, name: 'Short', expiresInSeconds: 3 } });
  expect(r.status).toBe(200);
  const short = await AgentSocket.open(stack.wsUrl, r.json.token);
  sockets.push(fresh, short);

  const closed = await eventually(() => short.closed, 'the expired connection closing', 30_000);
  expect(closed.code).toBe(1008);
  const items = await eventually(async () => {
    const keys = [...(await table.snapshot()).keys()].filter((k) => k.startsWith(`AGENT#${ws}#${agentId} | CONN#`));
    return keys.length === 1 ? keys : undefined;
  }, 'only the fresh connection remembered');
  expect(items).toHaveLength(1);

  fresh.send({ action: 'ping' });
  await fresh.waitFor((f) => f.type === 'pong', 'a pong on the fresh connection');
  expect(fresh.closed).toBeUndefined();
});
