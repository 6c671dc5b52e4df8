/**
 * Load through the offline stack (issue 8, moved here from npm test by issue 11): many visitors at
 * once, each with several messages in flight, and agents connected with scope "all" so every
 * agent is due every message on the desktop. Counted: messages stored once with distinct,
 * consecutive seqs per conversation, every due frame delivered exactly once, 5xx answers, and
 * how long the POSTs took.
 *
 * Why a benchmark and not a test: under CPU contention (a 2-core machine shared with other work)
 * this volume made DynamoDB Local time requests out at 3 s and sockets close, so whether it passed
 * measured the machine, not the product. npm test keeps the correctness half at a volume that does
 * not depend on throughput (test/hardening/load.test.ts).
 */
import type { OfflineStack } from '../local/stack.js';
import { call, eventually } from '../test/support/offline.js';
import { Scenario, tally, type Agent, type Visitor } from '../test/support/scenario.js';
import { mapLimit, range, spread, type Spread } from './util.js';

export interface LoadOptions {
  visitors: number;
  messages: number;
  agents: number;
  /** A visitor's messages in flight at once (a fast typist, a retrying widget): the seq lock is contended. */
  perVisitorInFlight: number;
  progress: (line: string) => void;
}

export interface LoadResult {
  visitors: number;
  messagesPerVisitor: number;
  agents: number;
  posted: number;
  stored: number;
  seqProblems: number;
  statuses: Record<string, number>;
  fiveXX: number;
  framesDue: number;
  framesLost: number;
  framesDuplicated: number;
  post: Spread;
  seconds: number;
}

export async function loadRun(stack: OfflineStack, o: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  const s = new Scenario(stack);
  try {
    const agents: Agent[] = await s.team(o.agents, { scope: 'all' }, { sockets: 1, name: 'load' });
    const workspaceId = agents[0]!.workspaceId;
    const visitors: Visitor[] = await mapLimit(range(o.visitors), 10, (i) => s.visitor(workspaceId, `Visitor ${i}`));
    o.progress(`load: ${o.visitors} visitors × ${o.messages} messages, ${o.perVisitorInFlight} in flight each, ${o.agents} agents`);

    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const posted: string[] = [];
    const postMs: number[] = [];
    await Promise.all(
      visitors.map((v, vi) =>
        mapLimit(range(o.messages), o.perVisitorInFlight, async (mi) => {
          const t0 = performance.now();
          const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${v.conversationId}/messages`, {
            token: v.visitorToken,
            body: { body: `visitor ${vi} message ${mi}` },
          });
          postMs.push(performance.now() - t0);
          count(r.status);
          if (r.status === 201) posted.push(r.json.messageId as string);
        }),
      ),
    );

    let stored = 0;
    let seqProblems = 0;
    await mapLimit(visitors, 10, async (v) => {
      const r = await call(stack.httpUrl, 'GET', `/v1/conversations/${v.conversationId}/messages?limit=200`, { token: agents[0]!.token });
      count(r.status);
      const messages = (r.json?.messages ?? []) as Array<{ seq: number }>;
      stored += messages.length;
      if (!messages.every((m, i) => m.seq === i + 1)) seqProblems++;
    });

    await eventually(() => agents.every((a) => a.sockets[0]!.socket.chatMessages().length >= posted.length), 'every frame', 10 * 60_000).catch(
      () => undefined, // counted below as lost
    );
    await s.flush(agents);
    const due: number[] = [];
    for (const a of agents) {
      const counts = new Map<string, number>();
      for (const f of a.sockets[0]!.socket.chatMessages()) counts.set(f.messageId, (counts.get(f.messageId) ?? 0) + 1);
      for (const id of posted) due.push(counts.get(id) ?? 0);
    }
    const t = tally(`load — desktop frames to ${o.agents} agents`, due);
    const fiveXX = [...statuses].filter(([status]) => status >= 500).reduce((n, [, c]) => n + c, 0);
    return {
      visitors: o.visitors,
      messagesPerVisitor: o.messages,
      agents: o.agents,
      posted: posted.length,
      stored,
      seqProblems,
      statuses: Object.fromEntries([...statuses].map(([k, v]) => [String(k), v])),
      fiveXX,
      framesDue: posted.length * o.agents,
      framesLost: t.lost,
      framesDuplicated: t.duplicated,
      post: spread(postMs),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await s.close();
  }
}
