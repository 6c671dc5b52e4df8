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
import { benchId, newAgents, newConversation } from './agents.js';
import { since, type Meter, type Usage } from './meter.js';
import { batchWriteAll, readPairs } from './seed.js';
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
  return {
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
