/**
 * What is owed (SPEC §4) and the sharded reminder, against DynamoDB Local and the local SES:
 * ineligible checks keep what is owed, assignment makes the new assignee owed, the grace period,
 * the legacy `DUE` partition drained, a shard worker that stops early hands on the rest, and a
 * randomized run of visitor messages, reads, email toggles, reassignments and reminder runs
 * (some overlapping, some shard by shard with early stops) checked against a model: every owed
 * (agent, conversation, n) is emailed exactly once unless read, never twice.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { createTestTable, type TestTable } from '../support/table.js';
import { startLocalSes, type LocalEmail, type LocalSes } from '../../local/ses.js';
import { reminderDeps } from '../../lambdas/handlers/reminder-wiring.js';
import { handler as worker } from '../../lambdas/handlers/reminder-worker.js';
import { reminderWorkItems, runReminderInline, runShard, type ReminderSummary, type ReminderWorkItem } from '../../lambdas/app/reminder.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { ensureAgent, putSettings, type Agent } from '../../lambdas/store/agents.js';
import { conversationWithCandidates } from '../../lambdas/store/recipients.js';
import { createConversation, appendMessage } from '../../lambdas/store/messages.js';
import { getConversation, type Conversation } from '../../lambdas/store/conversations.js';
import { assignConversation } from '../../lambdas/app/assign.js';
import { readConversation } from '../../lambdas/app/read.js';
import { getPosition, recordDue } from '../../lambdas/store/positions.js';
import { dueOfAgent } from '../../lambdas/store/reminders.js';
import { markRemoved } from '../../lambdas/store/agent-status.js';
import { k } from '../../lambdas/store/keys.js';
import { TABLE } from '../../lambdas/store/table.js';
import { isRecipient, recipients } from '../../lambdas/domain/recipients.js';
import { defaultSettings, wantsEmail, type NotificationSettings } from '../../lambdas/domain/settings.js';
import { newId } from '../../lambdas/domain/ids.js';

const CONSOLE = 'http://console.test';
const EMAIL_ON: Partial<NotificationSettings> = { email: true, emailUnreadReminder: true };

let t: TestTable;
let db: DynamoDBDocumentClient;
let ses: LocalSes;

beforeAll(async () => {
  ses = await startLocalSes({ port: 0 });
  process.env.SES_ENDPOINT = ses.url;
  process.env.CONSOLE_URL = CONSOLE;
  process.env.EMAIL_FROM = 'reminders@example.com';
  process.env.REMINDER_MIN_AGE_S = '0';
  // Unpaced here: the pacing is a unit; these tests are about what is sent.
  process.env.SES_MAX_SEND_RATE = '1000';
});

afterAll(async () => {
  await ses.close();
});

beforeEach(async () => {
  t = await createTestTable('owed');
  db = t.doc;
  resetConfigForTests();
  await ses.clear();
});

const run = (): Promise<ReminderSummary> => runReminderInline(reminderDeps(1000));

async function agent(ws: string, agentId: string, settings: Partial<NotificationSettings>): Promise<Agent> {
  const a = await ensureAgent(db, t.tableName, { workspaceId: ws, agentId, email: `${agentId}@example.com`, name: `Agent ${agentId}` });
  const s = { ...defaultSettings(), ...settings };
  await putSettings(db, t.tableName, a, s);
  return { ...a, settings: s };
}

async function setSettings(a: Agent, settings: Partial<NotificationSettings>): Promise<Agent> {
  const s = { ...a.settings, ...settings };
  await putSettings(db, t.tableName, a, s);
  return { ...a, settings: s };
}

async function conversation(ws: string, visitorName: string): Promise<string> {
  const conversationId = newId('conv');
  await createConversation(db, t.tableName, { conversationId, workspaceId: ws, visitor: { name: visitorName }, visitorTokenHash: 'x' });
  return conversationId;
}

/** A visitor message, and the due obligations the fan-out records for it (recipients and settings now). */
async function visitorSays(conversationId: string, body: string, arrivedAtMs = Date.now()): Promise<number> {
  const c = (await getConversation(db, t.tableName, conversationId)) as Conversation;
  const { seq } = await appendMessage(db, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, fromName: c.visitor.name, body });
  const { candidates } = (await conversationWithCandidates(db, t.tableName, c.workspaceId, conversationId))!;
  for (const r of recipients(candidates, c.assigneeId)) {
    if (wantsEmail(r.settings)) await recordDue(db, t.tableName, { workspaceId: c.workspaceId, conversationId, agentId: r.agentId }, seq, arrivedAtMs);
  }
  return seq;
}

const mailTo = (emails: LocalEmail[], a: { email: string }) => emails.filter((e) => e.to.includes(a.email));
/** The conversations one email lists (each has its console link). */
const listedIn = (e: LocalEmail) =>
  [...e.text.matchAll(/#\/c\/(conv_[0-9a-z]+)/g)]
    .map((m) => m[1]!)
    .filter((v, i, a) => a.indexOf(v) === i)
    .sort();

describe('what is owed survives an ineligible check', () => {
  test('email off at one check, on at the next: emailed then, once', async () => {
    let Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'all' });
    const conv = await conversation('acme', 'Ann');
    await visitorSays(conv, 'hello?');
    Z = await setSettings(Z, { email: false });
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    Z = await setSettings(Z, { email: true });
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect(mailTo(await ses.emails(), Z)).toHaveLength(1);
  });

  test('reassigned away and back before reading: emailed once it is theirs again', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'assigned', unassigned: false });
    const Y = await agent('acme', 'y', { scope: 'assigned', unassigned: false });
    const conv = await conversation('acme', 'Bo');
    await assignConversation(db, t.tableName, Z, conv, Z.agentId);
    await visitorSays(conv, 'help');
    await assignConversation(db, t.tableName, Z, conv, Y.agentId);
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    await assignConversation(db, t.tableName, Z, conv, Z.agentId);
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    expect(mailTo(await ses.emails(), Z)).toHaveLength(1);
  });

  test('a conversation assigned after the visitor wrote is owed to the new assignee; not once they read it, not with email off', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'assigned', unassigned: false });
    const R = await agent('acme', 'r', { ...EMAIL_ON, scope: 'assigned', unassigned: false });
    const off = await agent('acme', 'o', { scope: 'assigned', unassigned: false });
    const [c1, c2, c3] = [await conversation('acme', 'Cy'), await conversation('acme', 'Di'), await conversation('acme', 'Ed')];
    for (const c of [c1, c2, c3]) await visitorSays(c, 'anyone?');
    await assignConversation(db, t.tableName, Z, c1, Z.agentId);
    await readConversation(db, t.tableName, R, c2, undefined);
    await assignConversation(db, t.tableName, Z, c2, R.agentId);
    await assignConversation(db, t.tableName, Z, c3, off.agentId);
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    const emails = await ses.emails();
    expect(mailTo(emails, Z).map(listedIn)).toEqual([[c1]]);
    expect(mailTo(emails, R)).toHaveLength(0);
    expect(mailTo(emails, off)).toHaveLength(0);
  });

  test('turning email on owes from the next visitor message on, not the history', async () => {
    const Z = await agent('acme', 'z', { scope: 'all' });
    const conv = await conversation('acme', 'Fay');
    await visitorSays(conv, 'old one');
    await setSettings(Z, EMAIL_ON);
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    await visitorSays(conv, 'new one');
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
  });

  test('ReminderMinAgeSeconds: a message younger than the grace period waits for a later check, and is emailed then', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'all' });
    const conv = await conversation('acme', 'Gil');
    await visitorSays(conv, 'just now');
    const deps = { ...reminderDeps(1000), minAgeMs: 60_000 };
    expect(await runReminderInline(deps)).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect((await dueOfAgent(db, t.tableName, 'acme', Z.agentId)).length).toBe(1);
    // The next check, a minute later.
    expect(await runReminderInline({ ...deps, now: () => Date.now() + 61_000 })).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
  });

  test("a removed agent keeps today's behaviour: what they were owed is dropped, not held", async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'all' });
    await visitorSays(await conversation('acme', 'Hal'), 'hi');
    await markRemoved(db, t.tableName, Z, new Date().toISOString());
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect(await dueOfAgent(db, t.tableName, 'acme', Z.agentId)).toEqual([]);
  });
});

describe('the sharded due index', () => {
  test('an entry still under the legacy DUE key is emailed (drained), and a new message moves it to its shard', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'all' });
    const conv = await conversation('acme', 'Ivy');
    const seq = await visitorSays(conv, 'before the deploy');
    // As a table written before sharding holds it.
    const DUE = TABLE.indexes.dueReminders;
    const pos = (await getPosition(db, t.tableName, conv, Z.agentId))!;
    await db.send(
      new PutCommand({
        TableName: t.tableName,
        Item: { ...k.position(conv, Z.agentId), ...pos, entity: 'position', dueAtMs: undefined, [DUE.partitionKey]: k.legacyDuePk(), [DUE.sortKey]: k.dueSk('acme', Z.agentId, conv) },
      }),
    );
    expect(await dueOfAgent(db, t.tableName, 'acme', Z.agentId)).toEqual([conv]);
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    expect((await getPosition(db, t.tableName, conv, Z.agentId))?.emailedSeq).toBe(seq);

    // Moved on touch: the next owed message writes the shard key over the legacy one.
    await db.send(
      new PutCommand({
        TableName: t.tableName,
        Item: { ...k.position(conv, Z.agentId), ...pos, emailedSeq: seq, entity: 'position', [DUE.partitionKey]: k.legacyDuePk(), [DUE.sortKey]: k.dueSk('acme', Z.agentId, conv) },
      }),
    );
    await visitorSays(conv, 'after the deploy');
    const raw = await db.send(new GetCommand({ TableName: t.tableName, Key: k.position(conv, Z.agentId) }));
    expect(raw.Item?.[DUE.partitionKey]).toBe(k.duePk('acme', Z.agentId));
  });

  test('a worker that runs short of time stops taking agents and hands on the rest; the continuation finishes the shard, nobody twice', async () => {
    // Agents of one shard: pick ids until 6 land in the same one.
    const shardOf = (id: string) => k.duePk('acme', id);
    const ids: string[] = [];
    for (let i = 0; ids.length < 6; i++) if (shardOf(`s${i}`) === shardOf('s0')) ids.push(`s${i}`);
    const agents = await Promise.all(ids.map((id) => agent('acme', id, { ...EMAIL_ON, scope: 'all' })));
    await visitorSays(await conversation('acme', 'Jo'), 'hi');
    const item: ReminderWorkItem = { partition: shardOf('s0') };
    const deps = { ...reminderDeps(1000), concurrency: 1 };
    // Time for two agents, then "short": the margin check fails.
    let budget = 2;
    const first = await runShard(deps, item, { marginMs: 30_000, remainingMs: () => (budget-- > 0 ? 10 * 60_000 : 0) });
    expect(first.summary).toEqual({ agentsEmailed: 2, conversations: 2, failed: 0 });
    expect(first.continuation?.partition).toBe(item.partition);
    expect(first.continuation?.afterAgent).toBeDefined();
    const rest = await runShard(deps, first.continuation!, { remainingMs: () => 10 * 60_000 });
    expect(rest.summary).toEqual({ agentsEmailed: 4, conversations: 4, failed: 0 });
    expect(rest.continuation).toBeUndefined();
    const emails = await ses.emails();
    for (const a of agents) expect(mailTo(emails, a)).toHaveLength(1);
  });

  test('the worker handler: one SQS record per partition, every partition of the dispatch covered, an unreadable one not retried', async () => {
    const agents = await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5'].map((id) => agent('acme', id, { ...EMAIL_ON, scope: 'all' })));
    await visitorSays(await conversation('acme', 'Kim'), 'hi');
    const record = (body: string) => ({ messageId: randomUUID(), body }) as SQSEvent['Records'][number];
    const items = reminderWorkItems();
    expect(items.length).toBe(17);
    const context = { getRemainingTimeInMillis: () => 100_000 };
    const results = await Promise.all(items.map((it) => worker({ Records: [record(JSON.stringify(it))] }, context)));
    expect(results.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    expect(await worker({ Records: [record('{"partition":"CONNEXP#x"}'), record('not json')] }, context)).toEqual({ batchItemFailures: [] });
    const emails = await ses.emails();
    for (const a of agents) expect(mailTo(emails, a)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// The randomized check of what is owed.

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Model {
  settings: Map<string, NotificationSettings>;
  assignee: Map<string, string | null>;
  lastVisitorSeq: Map<string, number>;
  lastSeq: Map<string, number>;
  /** (agent|conv) → newest owed seq, read seq, emailed seq. */
  owed: Map<string, number>;
  read: Map<string, number>;
  emailed: Map<string, number>;
}

const key = (a: string, c: string) => `${a}|${c}`;
const get = (m: Map<string, number>, k2: string) => m.get(k2) ?? 0;

test.each([1, 2, 3, 4, 5])(
  'randomized (seed %i): every owed (agent, conversation, n) is emailed exactly once unless read, never twice',
  async (seed) => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ws = `ws${seed}`;
    const agentIds = ['a', 'b', 'c', 'd'];
    const agents = new Map<string, Agent>();
    const m: Model = { settings: new Map(), assignee: new Map(), lastVisitorSeq: new Map(), lastSeq: new Map(), owed: new Map(), read: new Map(), emailed: new Map() };
    const initial: Record<string, Partial<NotificationSettings>> = {
      a: { ...EMAIL_ON, scope: 'assigned', unassigned: false },
      b: { ...EMAIL_ON, scope: 'assigned', unassigned: true },
      c: { ...EMAIL_ON, scope: 'all' },
      d: { scope: 'assigned', unassigned: false },
    };
    for (const id of agentIds) {
      const a = await agent(ws, id, initial[id]!);
      agents.set(id, a);
      m.settings.set(id, a.settings);
    }
    const convs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await conversation(ws, `V${i}`);
      convs.push(c);
      m.assignee.set(c, null);
      m.lastSeq.set(c, 0);
      m.lastVisitorSeq.set(c, 0);
    }
    const recipientNow = (a: string, c: string) => isRecipient({ agentId: a, settings: m.settings.get(a)! }, m.assignee.get(c));
    const dueNow = (a: string, c: string) => get(m.owed, key(a, c)) > Math.max(get(m.read, key(a, c)), get(m.emailed, key(a, c)));
    const log: string[] = [];
    let emailsBefore = 0;

    for (let step = 0; step < 60; step++) {
      const r = rnd();
      if (r < 0.35) {
        const c = pick(convs);
        const seq = await visitorSays(c, `m${step}`);
        log.push(`visitor ${c.slice(-4)} #${seq}`);
        m.lastSeq.set(c, seq);
        m.lastVisitorSeq.set(c, seq);
        for (const a of agentIds) if (recipientNow(a, c) && wantsEmail(m.settings.get(a)!)) m.owed.set(key(a, c), Math.max(get(m.owed, key(a, c)), seq));
      } else if (r < 0.5) {
        const a = pick(agentIds);
        const c = pick(convs);
        await readConversation(db, t.tableName, agents.get(a)!, c, undefined);
        log.push(`read ${a} ${c.slice(-4)}`);
        m.read.set(key(a, c), Math.max(get(m.read, key(a, c)), m.lastSeq.get(c)!));
      } else if (r < 0.62) {
        const a = pick(agentIds);
        const s = m.settings.get(a)!;
        const next = rnd() < 0.5 ? { email: !s.email } : { emailUnreadReminder: !s.emailUnreadReminder };
        const updated = await setSettings(agents.get(a)!, next);
        agents.set(a, updated);
        m.settings.set(a, updated.settings);
        log.push(`settings ${a} ${JSON.stringify(next)}`);
      } else if (r < 0.8) {
        const c = pick(convs);
        const to = rnd() < 0.2 ? null : pick(agentIds);
        await assignConversation(db, t.tableName, agents.get('a')!, c, to);
        log.push(`assign ${c.slice(-4)} → ${to}`);
        m.assignee.set(c, to);
        if (to && wantsEmail(m.settings.get(to)!)) {
          const seq = m.lastVisitorSeq.get(c)!;
          if (seq > Math.max(get(m.read, key(to, c)), get(m.emailed, key(to, c)))) m.owed.set(key(to, c), Math.max(get(m.owed, key(to, c)), seq));
        }
      } else {
        // A reminder check: one run, two overlapping runs, or the shards one by one with early stops.
        const mode = pick(['one', 'overlap', 'shards'] as const);
        const expected = new Map<string, string[]>();
        for (const a of agentIds) {
          const listed = convs.filter((c) => dueNow(a, c) && wantsEmail(m.settings.get(a)!) && recipientNow(a, c)).sort();
          if (listed.length) expected.set(a, listed);
        }
        if (mode === 'one') await run();
        else if (mode === 'overlap') await Promise.all([run(), run()]);
        else {
          const deps = { ...reminderDeps(1000), concurrency: 1 };
          for (const start of reminderWorkItems()) {
            let item: ReminderWorkItem | undefined = start;
            while (item) {
              let budget = 1 + Math.floor(rnd() * 2);
              const res = await runShard(deps, item, { marginMs: 30_000, remainingMs: () => (budget-- > 0 ? 10 * 60_000 : 0) });
              item = res.continuation;
            }
          }
        }
        const all = await ses.emails();
        const fresh = all.slice(emailsBefore);
        emailsBefore = all.length;
        log.push(`run (${mode}): ${fresh.length} email(s)`);
        for (const a of agentIds) {
          const got = mailTo(fresh, agents.get(a)!);
          const want = expected.get(a);
          const context = `seed ${seed}, step ${step}, agent ${a}\n${log.join('\n')}`;
          expect({ context, emails: got.length }).toEqual({ context, emails: want ? 1 : 0 });
          if (want) expect({ context, listed: listedIn(got[0]!) }).toEqual({ context, listed: want });
        }
        for (const [a, listed] of expected) for (const c of listed) m.emailed.set(key(a, c), get(m.owed, key(a, c)));
      }
    }
  },
  5 * 60_000,
);
