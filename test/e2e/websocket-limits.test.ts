/**
 * The WebSocket limits of SPEC §7 and §10.3–10.4 over the offline stack, with real sockets: a
 * client frame over 32 KB closes the connection with 1009 (as API Gateway does), an agent keeps at
 * most 20 live connections (the 21st closes the oldest), and a connection ends with its token.
 *
 * The expiry sweep's schedule is off here: the test runs the sweep's handler itself when it wants
 * it (connection-expiry-schedule.test.ts shows the schedule running it), so what happens between
 * a token's expiry and the sweep can be seen.
 */
import type { OfflineStack } from '../../local/stack.js';
import { tableReader, type TableReader } from '../support/table-snapshot.js';
import { AgentSocket, agentToken, call, eventually, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;
let table: TableReader;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ connectionExpiryIntervalS: 0 });
  table = tableReader(stack.dynamoEndpoint, stack.tableName);
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  table?.close();
  await stack?.stop();
});

async function open(token: string): Promise<AgentSocket> {
  const s = await AgentSocket.open(stack.wsUrl, token);
  sockets.push(s);
  return s;
}

/** The connection items stored for an agent: under the agent, and by id. */
async function connectionItems(workspaceId: string, agentId: string): Promise<{ underAgent: number; byId: number }> {
  const snap = await table.snapshot();
  let underAgent = 0;
  let byId = 0;
  for (const [key, value] of snap) {
    if (key.startsWith(`AGENT#${workspaceId}#${agentId} | CONN#`)) underAgent++;
    const it = JSON.parse(value) as { pk: string; agentId?: string; workspaceId?: string };
    if (it.pk.startsWith('CONN#') && it.agentId === agentId && it.workspaceId === workspaceId) byId++;
  }
  return { underAgent, byId };
}

/** A new conversation with a first visitor message; its id names the chat.message frames it causes. */
async function visitorWrites(workspaceId: string, body: string): Promise<string> {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: 'Val' }, message: { body } } });
  expect(r.status).toBe(201);
  return r.json.conversationId as string;
}

const gotMessage = (s: AgentSocket, conversationId: string) => s.chatMessages().some((f) => f.conversationId === conversationId);

function expiryOf(token: string): number {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp;
}

async function shortToken(workspaceId: string, agentId: string, seconds: number): Promise<string> {
  const r = await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: { workspaceId, agentId, name: 'Short', expiresInSeconds: seconds } });
  expect(r.status).toBe(200);
  return r.json.token;
}

async function runSweep(): Promise<{ closed: number; gone: number; failed: number }> {
  const { handler } = await import('../../lambdas/handlers/connection-expiry.js');
  return handler();
}

describe('frame size (SPEC §7)', () => {
  test('a 33 KB frame closes the connection with 1009; a 31 KB frame is answered and the connection stays open', async () => {
    const ws = uid('ws');
    const token = await agentToken(stack, { workspaceId: ws, agentId: uid('agent') });
    const small = await open(token);
    small.send({ action: 'ping', pad: 'x'.repeat(31 * 1024) });
    await small.waitFor((f) => f.type === 'pong', 'the pong to a 31 KB frame');
    expect(small.closed).toBeUndefined();

    const big = await open(token);
    big.send({ action: 'ping', pad: 'x'.repeat(33 * 1024) });
    const closed = await eventually(() => big.closed, 'the close of the 33 KB sender');
    expect(closed.code).toBe(1009);
    expect(big.frames).toEqual([]);

    small.send({ action: 'ping' });
    await eventually(() => small.frames.filter((f) => f.type === 'pong').length >= 2, 'a second pong');
    expect(small.closed).toBeUndefined();
  });
});

describe('connection cap (SPEC §10.3)', () => {
  test('the 21st connection of an agent closes the oldest (1008) and forgets it; the other 20 still get chat.message', async () => {
    const ws = uid('ws');
    const agentId = uid('agent');
    const token = await agentToken(stack, { workspaceId: ws, agentId });
    const conns: AgentSocket[] = [];
    for (let i = 0; i < 20; i++) conns.push(await open(token));
    expect(await connectionItems(ws, agentId)).toEqual({ underAgent: 20, byId: 20 });
    expect(conns.every((s) => !s.closed)).toBe(true);

    conns.push(await open(token));
    const closed = await eventually(() => conns[0]!.closed, 'the oldest connection closing');
    expect(closed.code).toBe(1008);
    // Told why first, since a close code cannot say it on AWS: a console must not redial at once.
    expect(conns[0]!.frames).toEqual([{ type: 'error', code: 'too_many_connections', message: expect.any(String) }]);
    await eventually(async () => {
      const n = await connectionItems(ws, agentId);
      return n.underAgent === 20 && n.byId === 20;
    }, 'the oldest connection forgotten');
    expect(conns.slice(1).every((s) => !s.closed)).toBe(true);

    const messageId = await visitorWrites(ws, 'anyone there?');
    await eventually(() => conns.slice(1).every((s) => gotMessage(s, messageId)), 'chat.message on the 20 live connections');
    expect(gotMessage(conns[0]!, messageId)).toBe(false);
  });
});

describe('token expiry (SPEC §10.4)', () => {
  test('an expired connection gets no chat.message, a frame on it is refused and closes it, and the sweep closes and forgets the rest', async () => {
    const ws = uid('ws');
    const agentId = uid('agent');
    const fresh = await open(await agentToken(stack, { workspaceId: ws, agentId }));
    const short = await shortToken(ws, agentId, 3);
    const [pinger, idle] = [await open(short), await open(short)];
    expect(await connectionItems(ws, agentId)).toEqual({ underAgent: 3, byId: 3 });

    // Past the token's exp (no sweep has run: the schedule is off in this file).
    const exp = expiryOf(short);
    await eventually(() => Date.now() > (exp + 1) * 1000, 'the token to expire', 10_000);

    const messageId = await visitorWrites(ws, 'hello?');
    await fresh.waitFor((f) => f.type === 'chat.message' && f.conversationId === messageId, 'chat.message on the fresh connection');
    // The fan-out wrote to the fresh connection; the expired ones were not among its targets.
    expect(gotMessage(pinger, messageId)).toBe(false);
    expect(gotMessage(idle, messageId)).toBe(false);

    pinger.send({ action: 'ping' });
    const refused = await pinger.waitFor((f) => f.type === 'error', 'the error frame');
    expect(refused).toEqual({ type: 'error', code: 'unauthorized', message: expect.any(String) });
    expect((await eventually(() => pinger.closed, 'the expired pinger closing')).code).toBe(1008);
    expect(pinger.frames.some((f) => f.type === 'pong')).toBe(false);
    expect(idle.closed).toBeUndefined();

    const summary = await runSweep();
    expect(summary.closed).toBeGreaterThanOrEqual(1);
    expect((await eventually(() => idle.closed, 'the idle expired connection closing')).code).toBe(1008);
    await eventually(async () => {
      const n = await connectionItems(ws, agentId);
      return n.underAgent === 1 && n.byId === 1;
    }, 'only the fresh connection remembered');
    expect(fresh.closed).toBeUndefined();

    // A second sweep finds nothing more of this agent's to close, and the fresh one is still served.
    await runSweep();
    const next = await visitorWrites(ws, 'still there?');
    await fresh.waitFor((f) => f.type === 'chat.message' && f.conversationId === next, 'the next chat.message');
    expect(fresh.closed).toBeUndefined();
  });
});
