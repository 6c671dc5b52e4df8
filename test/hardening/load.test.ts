/**
 * Load through the offline stack (issue 8): 50 visitors at once, 20 messages each, with 20
 * agents connected (scope "all", so every agent is due every message on the desktop). Every
 * message must be stored once with distinct, consecutive seqs in its conversation, every due frame
 * must reach every agent's socket exactly once, and no request may answer a 5xx. The counts are
 * printed; how fast it went is the benchmarks' business, not this test's.
 */
import type { OfflineStack } from '../../local/stack.js';
import { call, eventually, startTestStack } from '../support/offline.js';
import { mapLimit } from '../../lambdas/platform/map-limit.js';
import { Scenario, tally, type Agent, type Visitor } from '../support/scenario.js';

const VISITORS = 50;
const MESSAGES = 20;
const AGENTS = 20;
/** A visitor's messages in flight at once (a fast typist, a retrying widget): the seq lock is contended. */
const PER_VISITOR_IN_FLIGHT = 4;

let stack: OfflineStack;
let s: Scenario;

beforeAll(async () => {
  stack = await startTestStack({}, { ownDynamo: true });
  s = new Scenario(stack);
});

afterAll(async () => {
  await s?.close();
  await stack?.stop();
});

test(`${VISITORS} visitors × ${MESSAGES} messages with ${AGENTS} agents connected: stored once, in order, every frame delivered once, no 5xx`, async () => {
  const agents: Agent[] = await s.team(AGENTS, { scope: 'all' }, { sockets: 1, name: 'load' });
  const workspaceId = agents[0]!.workspaceId;
  const visitors: Visitor[] = await mapLimit([...Array(VISITORS).keys()], 10, (i) => s.visitor(workspaceId, `Visitor ${i}`));

  const statuses = new Map<number, number>();
  const posted: Array<{ v: number; body: string; messageId: string; seq: number }> = [];
  await Promise.all(
    visitors.map((v, vi) =>
      mapLimit([...Array(MESSAGES).keys()], PER_VISITOR_IN_FLIGHT, async (mi) => {
        const body = `visitor ${vi} message ${mi}`;
        let r = await call(stack.httpUrl, 'POST', `/v1/conversations/${v.conversationId}/messages`, { token: v.visitorToken, body: { body } });
        // SPEC §10.2: a post that cannot get its seq within about 3 s answers 429 and stores nothing;
        // a widget waits Retry-After and sends it again, as this does.
        while (r.status === 429) {
          statuses.set(429, (statuses.get(429) ?? 0) + 1);
          await new Promise((done) => setTimeout(done, Number(r.headers.get('retry-after') ?? '1') * 1000));
          r = await call(stack.httpUrl, 'POST', `/v1/conversations/${v.conversationId}/messages`, { token: v.visitorToken, body: { body } });
        }
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 201) posted.push({ v: vi, body, messageId: r.json.messageId, seq: r.json.seq });
      }),
    ),
  );

  // Stored once, with distinct consecutive seqs per conversation (read back through the API).
  let stored = 0;
  let seqProblems = 0;
  await mapLimit([...Array(VISITORS).keys()], 10, async (vi) => {
    const r = await call(stack.httpUrl, 'GET', `/v1/conversations/${visitors[vi]!.conversationId}/messages?limit=200`, { token: agents[0]!.token });
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    const messages = r.json.messages as Array<{ seq: number; body: string }>;
    stored += messages.length;
    const seqs = messages.map((m) => m.seq);
    const bodies = new Set(messages.map((m) => m.body));
    const consecutive = seqs.every((q, i) => q === i + 1);
    if (!consecutive || seqs.length !== MESSAGES || bodies.size !== MESSAGES) seqProblems++;
  });

  const ids = posted.map((p) => p.messageId);
  const expectedFrames = ids.length * AGENTS;
  await eventually(
    () => agents.every((a) => a.sockets[0]!.socket.chatMessages().length >= ids.length),
    `${expectedFrames} frames`,
    10 * 60_000,
  );
  await s.flush(agents);

  const due: number[] = [];
  for (const a of agents) {
    const counts = new Map<string, number>();
    for (const f of a.sockets[0]!.socket.chatMessages()) counts.set(f.messageId, (counts.get(f.messageId) ?? 0) + 1);
    for (const id of ids) due.push(counts.get(id) ?? 0);
  }
  const fiveXX = [...statuses].filter(([status]) => status >= 500).reduce((n, [, c]) => n + c, 0);
  console.log(
    `load: ${posted.length} messages posted by ${VISITORS} visitors, ${stored} stored, ${seqProblems} conversations with seq problems; ` +
      `HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${fiveXX} 5xx`,
  );
  const t = tally(`load — desktop frames to ${AGENTS} agents`, due);

  expect(posted).toHaveLength(VISITORS * MESSAGES);
  expect(new Set(ids).size).toBe(VISITORS * MESSAGES);
  expect(stored).toBe(VISITORS * MESSAGES);
  expect(seqProblems).toBe(0);
  expect(fiveXX).toBe(0);
  expect({ lost: t.lost, duplicated: t.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(t.delivered).toBe(expectedFrames);
}, 15 * 60_000);
