/**
 * Reminder cost: the consumed read capacity and the time of one reminder run with 3 conversations
 * due among 1,000 already-read (agent, conversation) pairs, then among 100,000. SPEC §4 wants the
 * cost of a run to follow what is due, not the size of the table; the ratio says whether it does.
 *
 * The due conversations go through the real path (visitor messages, the stream, the fan-out's due
 * record); the read pairs are seeded in bulk (seed.ts).
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../local/stack.js';
import { call } from '../test/support/offline.js';
import { TABLE } from '../lambdas/store/table.js';
import { k } from '../lambdas/store/keys.js';
import { withDefaults } from '../lambdas/domain/settings.js';
import { benchId, newAgents, newConversation } from './agents.js';
import { since, type Meter, type Usage } from './meter.js';
import { batchWriteAll, readPairs, seededAgent, seededConversation } from './seed.js';
import { round, sleep } from './util.js';

export interface ReminderRun {
  /** Already-read (agent, conversation) pairs in the table. */
  readPairs: number;
  due: number;
  /** Medians over the repeated runs (each with 3 freshly due conversations). */
  readUnits: number;
  writeUnits: number;
  requests: number;
  ms: number;
  /** Every run's time, in order. */
  runsMs: number[];
  seedSeconds: number;
}

export interface ReminderResult {
  small: ReminderRun;
  large: ReminderRun;
  /** large.readUnits / small.readUnits */
  readUnitRatio: number;
  timeRatio: number;
  /** 10,000 due agents over 100 workspaces through the shard workers (reminderScale). */
  scale: ReminderScaleResult;
}

export interface ReminderOptions {
  /** [agents, conversations] of the small table, then what is added to reach the large one. */
  small: [number, number];
  added: [number, number];
  /** Measured runs per table size. */
  repeat: number;
  progress?: (line: string) => void;
}

const DUE = TABLE.indexes.dueReminders;

async function dueCount(db: DynamoDBDocumentClient, tableName: string, workspaceId: string, agentId: string): Promise<number> {
  const r = await db.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: DUE.name,
      KeyConditionExpression: '#p = :p AND begins_with(#s, :s)',
      ExpressionAttributeNames: { '#p': DUE.partitionKey, '#s': DUE.sortKey },
      ExpressionAttributeValues: { ':p': k.duePk(workspaceId, agentId), ':s': `${workspaceId}#${agentId}#` },
    }),
  );
  return r.Count ?? 0;
}

export async function reminderCost(stack: OfflineStack, meter: Meter, seedDb: DynamoDBDocumentClient, o: ReminderOptions): Promise<ReminderResult> {
  const workspaceId = benchId('bench-reminder');
  const { tableName } = stack;
  // The one agent with something due: email and reminders on, and (by default) a recipient of unassigned conversations.
  const [agent] = await newAgents(stack, workspaceId, 1, { email: true, emailUnreadReminder: true });
  const agentId = agent!.agentId;

  const seed = async (prefix: string, [agents, conversations]: [number, number]) => {
    const t = performance.now();
    await batchWriteAll(seedDb, tableName, readPairs(workspaceId, prefix, agents, conversations));
    return (performance.now() - t) / 1000;
  };

  /** One reminder run that has exactly 3 conversations to email the agent about. */
  const runWithThreeDue = async (label: string) => {
    for (let i = 0; i < 3; i++) await newConversation(stack, workspaceId, `Anyone there? (${label}, #${i})`);
    const deadline = Date.now() + 30_000;
    while ((await dueCount(seedDb, tableName, workspaceId, agentId)) < 3) {
      if (Date.now() > deadline) throw new Error('the fan-out did not record 3 due reminders within 30 s');
      await sleep(20);
    }
    await meter.idle(150);
    const before = meter.snapshot();
    const t0 = performance.now();
    const r = await call<{ agentsEmailed: number; conversations: number; failed: number }>(stack.httpUrl, 'POST', '/_local/reminders/run');
    const ms = performance.now() - t0;
    const used = since(before, meter.snapshot());
    if (r.status !== 200 || r.json.agentsEmailed !== 1 || r.json.conversations !== 3 || r.json.failed !== 0) {
      throw new Error(`the reminder run should email 1 agent about 3 conversations, it answered ${r.status} ${r.text}`);
    }
    return { ...used, ms };
  };

  const measure = async (pairs: number, seedSeconds: number): Promise<ReminderRun> => {
    const runs: Array<Usage & { ms: number }> = [];
    for (let i = 0; i < o.repeat; i++) runs.push(await runWithThreeDue(`${pairs} read pairs, run ${i}`));
    const med = (f: (x: (typeof runs)[number]) => number) => median(runs.map(f));
    return {
      readPairs: pairs,
      due: 3,
      readUnits: med((x) => x.readUnits),
      writeUnits: med((x) => x.writeUnits),
      requests: med((x) => x.requests),
      ms: round(med((x) => x.ms)),
      runsMs: runs.map((x) => round(x.ms)),
      seedSeconds: round(seedSeconds),
    };
  };

  // Not measured: the first runs pay for lazy set-up (SES client, first digests, the JIT), not for the table.
  for (let i = 0; i < 10; i++) await runWithThreeDue(`warm-up ${i}`);
  const smallPairs = o.small[0] * o.small[1];
  const largePairs = smallPairs + o.added[0] * o.added[1];
  o.progress?.(`reminder: seeding ${smallPairs} read pairs`);
  const small = await measure(smallPairs, await seed('s', o.small));
  o.progress?.(`reminder: seeding ${largePairs - smallPairs} more read pairs`);
  const large = await measure(largePairs, await seed('l', o.added));
  o.progress?.('reminder: 10,000 due agents over 100 workspaces');
  const scale = await reminderScale(stack, seedDb, { agents: 10_000, workspaces: 100, ...(o.progress ? { progress: o.progress } : {}) });
  return {
    scale,
    small,
    large,
    readUnitRatio: round(large.readUnits / small.readUnits, 3),
    timeRatio: round(large.ms / small.ms, 2),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface ReminderScaleResult {
  dueAgents: number;
  workspaces: number;
  /** Seconds from the dispatch to the last worker's end: the whole run. */
  seconds: number;
  summary: { agentsEmailed: number; conversations: number; failed: number };
  /** Work items run, continuations included. */
  workItems: number;
  /** Distinct `due` partition keys holding the first 1,000 obligations (recorded by the store's recordDue). */
  duePartitionKeys: number;
  /** Obligations per partition for all of them (the spread over the shards). */
  perPartition: Record<string, number>;
  sesMaxSendRate: number;
  workers: number;
  seedSeconds: number;
}

/**
 * `agents` due agents over `workspaces` workspaces, one owed conversation each, then one reminder
 * run the way the deployed stack runs it: the dispatcher's work items (every `due` partition)
 * through REMINDER_MAX_WORKERS shard workers at once, each following its continuations, each pacing
 * at its share of SES_MAX_SEND_RATE. The obligations are recorded by the store's own recordDue;
 * agents, conversations and messages are seeded in bulk (a message is put twice, first under
 * another entity, so the stream's INSERT filter does not fan the history out again).
 */
export async function reminderScale(stack: OfflineStack, seedDb: DynamoDBDocumentClient, o: { agents: number; workspaces: number; progress?: (line: string) => void }): Promise<ReminderScaleResult> {
  const { reminderWorkItems, runShard, Pacer } = await import('../lambdas/app/reminder.js');
  const { reminderDeps } = await import('../lambdas/handlers/reminder-wiring.js');
  const { REMINDER_MAX_WORKERS, REMINDER_WORKER_AGENTS } = await import('../lambdas/app/reminder-limits.js');
  const { perWorkerSendRate } = await import('../lambdas/domain/reminder-plan.js');
  const { recordDue } = await import('../lambdas/store/positions.js');
  const { config } = await import('../lambdas/platform/config.js');
  const { mapLimit } = await import('./util.js');
  const run = benchId('rs');
  const at = new Date(Date.now() - 10 * 60_000).toISOString();
  const settings = withDefaults({ desktop: false, mobile: false, email: true, emailUnreadReminder: true, scope: 'assigned', unassigned: false });
  const owed: Array<{ workspaceId: string; agentId: string; conversationId: string }> = [];
  const items: Record<string, unknown>[] = [];
  const messages: Record<string, unknown>[] = [];
  for (let i = 0; i < o.agents; i++) {
    const workspaceId = `${run}-ws-${i % o.workspaces}`;
    const agentId = `a-${i}`;
    const conversationId = `${run}-conv-${i}`;
    const visitorId = `v-${i}`;
    const body = `Still waiting (${i})`;
    items.push(seededAgent(workspaceId, agentId, settings, at));
    items.push(seededConversation({ workspaceId, conversationId, visitorId, messageId: `m-${i}`, body, at, assigneeId: agentId, statusReadSeq: 0 }));
    messages.push({ ...k.message(conversationId, 1), workspaceId, conversationId, messageId: `m-${i}`, seq: 1, fromType: 'visitor', fromId: visitorId, body, createdAt: at });
    owed.push({ workspaceId, agentId, conversationId });
  }
  const t0 = performance.now();
  o.progress?.(`reminder scale: seeding ${o.agents} agents over ${o.workspaces} workspaces`);
  await batchWriteAll(seedDb, stack.tableName, [...items, ...messages.map((m) => ({ ...m, entity: 'seeded' }))]);
  await batchWriteAll(
    seedDb,
    stack.tableName,
    messages.map((m) => ({ ...m, entity: 'message' })),
  );
  const arrived = Date.parse(at);
  const first = owed.slice(0, 1000);
  await mapLimit(first, 16, (ob) => recordDue(seedDb, stack.tableName, ob, 1, arrived));
  const DUEIX = TABLE.indexes.dueReminders;
  const count = async (partition: string) => {
    let n = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const r = await seedDb.send(
        new QueryCommand({
          TableName: stack.tableName,
          IndexName: DUEIX.name,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': DUEIX.partitionKey },
          ExpressionAttributeValues: { ':p': partition },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      n += r.Count ?? 0;
      start = r.LastEvaluatedKey;
    } while (start);
    return n;
  };
  const partitions = reminderWorkItems().map((w) => w.partition);
  const firstCounts = await Promise.all(partitions.map(count));
  const duePartitionKeys = firstCounts.filter((n) => n > 0).length;
  await mapLimit(owed.slice(1000), 16, (ob) => recordDue(seedDb, stack.tableName, ob, 1, arrived));
  const perPartition = Object.fromEntries(await Promise.all(partitions.map(async (p) => [p, await count(p)] as const)));
  const seedSeconds = (performance.now() - t0) / 1000;

  o.progress?.(`reminder scale: one run over ${partitions.length} partitions, ${REMINDER_MAX_WORKERS} workers`);
  const rate = config().sesMaxSendRate;
  const summary = { agentsEmailed: 0, conversations: 0, failed: 0 };
  let workItems = 0;
  const t1 = performance.now();
  await mapLimit(reminderWorkItems(), REMINDER_MAX_WORKERS, async (start) => {
    // One worker invocation per work item, as the queue hands them out: its own deps and pacer.
    let item: typeof start | undefined = start;
    while (item) {
      workItems++;
      const deps = { ...reminderDeps(perWorkerSendRate(rate, REMINDER_MAX_WORKERS)), concurrency: REMINDER_WORKER_AGENTS };
      const began = performance.now();
      const r = await runShard(deps, item, { pacer: new Pacer(deps.sendRatePerS), remainingMs: () => 120_000 - (performance.now() - began) });
      summary.agentsEmailed += r.summary.agentsEmailed;
      summary.conversations += r.summary.conversations;
      summary.failed += r.summary.failed;
      item = r.continuation;
    }
  });
  const seconds = (performance.now() - t1) / 1000;
  if (summary.agentsEmailed !== o.agents) throw new Error(`the run should email ${o.agents} agents, it emailed ${JSON.stringify(summary)}`);
  return {
    dueAgents: o.agents,
    workspaces: o.workspaces,
    seconds: round(seconds, 1),
    summary,
    workItems,
    duePartitionKeys,
    perPartition,
    sesMaxSendRate: rate,
    workers: REMINDER_MAX_WORKERS,
    seedSeconds: round(seedSeconds),
  };
}
