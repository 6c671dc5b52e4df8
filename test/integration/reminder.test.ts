/**
 * The 5-minute reminder end to end: DynamoDB Local, the local SES (behind a proxy that can inject
 * SES's failures), and the real handler. Obligations are recorded the way the fan-out records
 * them (recipients from settings and assignment at message time, recordDue for those who want email).
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTestTable, type TestTable } from '../support/table.js';
import { startSesFaults, type SesFaults } from '../support/ses-faults.js';
import { startLocalSes, type LocalEmail, type LocalSes } from '../../local/ses.js';
import { handler, type ReminderSummary } from '../../lambdas/handlers/reminder.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { ensureAgent, putSettings, type Agent } from '../../lambdas/store/agents.js';
import { conversationWithCandidates } from '../../lambdas/store/recipients.js';
import { createConversation, appendMessage } from '../../lambdas/store/messages.js';
import { getConversation, type Conversation } from '../../lambdas/store/conversations.js';
import { assignConversation } from '../../lambdas/app/assign.js';
import { readConversation } from '../../lambdas/app/read.js';
import { getPosition, recordDue } from '../../lambdas/store/positions.js';
import { claimAgent, dueAgents, releaseAgent } from '../../lambdas/store/reminders.js';
import { recipients } from '../../lambdas/domain/recipients.js';
import { duePartitions } from '../../lambdas/store/keys.js';
import { defaultSettings, wantsEmail, type NotificationSettings } from '../../lambdas/domain/settings.js';
import { newId } from '../../lambdas/domain/ids.js';
import { mapLimit } from '../../lambdas/platform/map-limit.js';

const CONSOLE = 'http://console.test';
const EMAIL_ON: Partial<NotificationSettings> = { email: true, emailUnreadReminder: true };

let t: TestTable;
let db: DynamoDBDocumentClient;
let ses: LocalSes;
let faults: SesFaults;

beforeAll(async () => {
  ses = await startLocalSes({ port: 0 });
  faults = await startSesFaults(ses.url);
  process.env.SES_ENDPOINT = faults.url;
  process.env.CONSOLE_URL = CONSOLE;
  process.env.EMAIL_FROM = 'reminders@example.com';
  // SPEC §4's grace period off here (its own test sets it): a message is old enough at once.
  process.env.REMINDER_MIN_AGE_S = '0';
});

afterAll(async () => {
  await faults.close();
  await ses.close();
});

// A fresh table per test: the reminder works through everything due in its table, so one test's
// leftovers must not show up in another's summary.
beforeEach(async () => {
  t = await createTestTable('reminder');
  db = t.doc;
  resetConfigForTests();
  faults.heal();
  await ses.clear();
});

// A manual invocation runs every shard itself and answers the whole run's summary.
const run = (): Promise<ReminderSummary> => handler({}, { awsRequestId: randomUUID() }) as Promise<ReminderSummary>;

async function agent(ws: string, agentId: string, settings: Partial<NotificationSettings>, email = `${agentId}@example.com`): Promise<Agent> {
  const a = await ensureAgent(db, t.tableName, { workspaceId: ws, agentId, email, name: `Agent ${agentId}` });
  const s = { ...defaultSettings(), ...settings };
  await putSettings(db, t.tableName, a, s);
  return { ...a, settings: s };
}

async function setSettings(a: Agent, settings: Partial<NotificationSettings>): Promise<Agent> {
  const s = { ...a.settings, ...settings };
  await putSettings(db, t.tableName, a, s);
  return { ...a, settings: s };
}

async function conversation(ws: string, visitorName: string | undefined, assignee?: Agent): Promise<string> {
  const conversationId = newId('conv');
  await createConversation(db, t.tableName, {
    conversationId,
    workspaceId: ws,
    visitor: visitorName ? { name: visitorName } : {},
    visitorTokenHash: 'x',
  });
  if (assignee) await assignConversation(db, t.tableName, assignee, conversationId, assignee.agentId);
  return conversationId;
}

/** A visitor message, and the due obligations the fan-out records for it. */
async function visitorSays(conversationId: string, body: string): Promise<number> {
  const c = (await getConversation(db, t.tableName, conversationId)) as Conversation;
  const { seq } = await appendMessage(db, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, fromName: c.visitor.name, body });
  const { candidates } = (await conversationWithCandidates(db, t.tableName, c.workspaceId, conversationId))!;
  const rcpts = recipients(candidates, c.assigneeId);
  for (const r of rcpts) {
    if (wantsEmail(r.settings)) await recordDue(db, t.tableName, { workspaceId: c.workspaceId, conversationId, agentId: r.agentId }, seq);
  }
  return seq;
}

async function agentReplies(conversationId: string, a: Agent, body: string) {
  const c = (await getConversation(db, t.tableName, conversationId)) as Conversation;
  await appendMessage(db, t.tableName, c, { fromType: 'agent', fromId: a.agentId, body });
}

const read = (a: Agent, conversationId: string, upToSeq?: number) => readConversation(db, t.tableName, a, conversationId, upToSeq);

const mailTo = (emails: LocalEmail[], a: Agent) => emails.filter((e) => e.to.includes(a.email));

describe('reminder email (SPEC §3–4)', () => {
  test("seed example: X reads Z's conversation, Z is still emailed; the digest lists name, newest text (escaped), count and link", async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'assigned' });
    const X = await agent('acme', 'x', { ...EMAIL_ON, scope: 'all' });
    const conv = await conversation('acme', 'Ann', Z);
    await visitorSays(conv, 'Hello?');
    await agentReplies(conv, X, 'one moment'); // an agent's message is not counted as unread
    await visitorSays(conv, `<script>alert("x")</script> Tom & Jerry's`);
    await read(X, conv);

    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });

    const emails = await ses.emails();
    expect(emails).toHaveLength(1);
    expect(mailTo(emails, X)).toHaveLength(0);
    const [mail] = mailTo(emails, Z);
    expect(mail).toBeDefined();
    expect(mail!.subject).toBe('2 unread messages from Ann');
    const link = `${CONSOLE}/#/c/${conv}`;
    expect(mail!.text).toContain('Ann');
    expect(mail!.text).toContain('2 unread messages');
    expect(mail!.text).toContain(`<script>alert("x")</script> Tom & Jerry's`);
    expect(mail!.text).toContain(link);
    expect(mail!.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s');
    expect(mail!.html).not.toContain('<script>');
    expect(mail!.html).toContain(`href="${link}"`);
    expect(mail!.html).not.toContain('Hello?'); // only the newest text

    // After the email the conversation counts as read for Z's email: the next check sends nothing.
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect(await ses.emails()).toHaveLength(1);
    // Z's own read position did not move: the email is not a read in the console.
    expect((await getPosition(db, t.tableName, conv, Z.agentId))?.readSeq ?? 0).toBe(0);
  });

  test('email needs both toggles, checked at the time of the check', async () => {
    let emailOnly = await agent('acme', 'e', { ...EMAIL_ON, scope: 'all' });
    let reminderOnly = await agent('acme', 'r', { ...EMAIL_ON, scope: 'all' });
    const both = await agent('acme', 'b', { ...EMAIL_ON, scope: 'all' });
    const neverOn = await agent('acme', 'n', { scope: 'all', email: true, emailUnreadReminder: false });
    const conv = await conversation('acme', 'Ann');
    await visitorSays(conv, 'hi');
    emailOnly = await setSettings(emailOnly, { emailUnreadReminder: false });
    reminderOnly = await setSettings(reminderOnly, { email: false });

    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    const emails = await ses.emails();
    expect(mailTo(emails, both)).toHaveLength(1);
    expect(mailTo(emails, emailOnly)).toHaveLength(0);
    expect(mailTo(emails, reminderOnly)).toHaveLength(0);
    expect(mailTo(emails, neverOn)).toHaveLength(0);
  });

  test('unassigned: scope-all and unassigned-on agents are emailed; one of them reading does not stop the others', async () => {
    const unassignedOn = await agent('acme', 'u1', { ...EMAIL_ON, scope: 'assigned', unassigned: true });
    const scopeAll = await agent('acme', 'u2', { ...EMAIL_ON, scope: 'all', unassigned: false });
    const neither = await agent('acme', 'u3', { ...EMAIL_ON, scope: 'assigned', unassigned: false });
    const reader = await agent('acme', 'u4', { ...EMAIL_ON, scope: 'all', unassigned: true });
    const conv = await conversation('acme', 'Bo');
    await visitorSays(conv, 'anyone?');
    await read(reader, conv);

    expect(await run()).toEqual({ agentsEmailed: 2, conversations: 2, failed: 0 });
    const emails = await ses.emails();
    expect(mailTo(emails, unassignedOn)).toHaveLength(1);
    expect(mailTo(emails, scopeAll)).toHaveLength(1);
    expect(mailTo(emails, neither)).toHaveLength(0);
    expect(mailTo(emails, reader)).toHaveLength(0);
  });

  test('scope all vs assigned, with the assignment as it is at check time', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON, scope: 'assigned', unassigned: true });
    const all = await agent('acme', 'a', { ...EMAIL_ON, scope: 'all', unassigned: false });
    const assignedOnly = await agent('acme', 'y', { ...EMAIL_ON, scope: 'assigned', unassigned: true });
    const other = await agent('acme', 'o', { ...EMAIL_ON, scope: 'assigned', unassigned: false });
    const conv = await conversation('acme', 'Cy');
    // Unassigned when the message arrives: Z and Y are owed a reminder too, through "unassigned".
    await visitorSays(conv, 'help');
    await assignConversation(db, t.tableName, Z, conv, Z.agentId);
    // An assigned-to-someone-else conversation is none of `other`'s business either way.
    const assignedToZ = await conversation('acme', 'Di', Z);
    await visitorSays(assignedToZ, 'hello');

    expect(await run()).toEqual({ agentsEmailed: 2, conversations: 4, failed: 0 });
    const emails = await ses.emails();
    const [toZ] = mailTo(emails, Z);
    const [toAll] = mailTo(emails, all);
    expect(toZ?.subject).toBe('Unread chat messages in 2 conversations');
    expect(toAll?.subject).toBe('Unread chat messages in 2 conversations');
    expect(mailTo(emails, assignedOnly)).toHaveLength(0); // assigned to Z before the check
    expect(mailTo(emails, other)).toHaveLength(0);
  });

  test('no second email for the same messages; a newer visitor message is emailed again, counted from the last email', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON });
    const conv = await conversation('acme', 'Ann', Z);
    await visitorSays(conv, 'first');
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect(await ses.emails()).toHaveLength(1);

    await visitorSays(conv, 'second');
    await visitorSays(conv, 'third');
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    const emails = await ses.emails();
    expect(emails).toHaveLength(2);
    expect(emails[0]!.text).toContain('first');
    expect(emails[1]!.text).toContain('third');
    expect(emails[1]!.text).toContain('2 unread messages');
    expect(emails[1]!.text).not.toContain('first');
  });

  test('reading before the check means no email; reading part of it leaves the rest due', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON });
    const conv = await conversation('acme', 'Ann', Z);
    await visitorSays(conv, 'one');
    await read(Z, conv);
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect(await ses.emails()).toHaveLength(0);

    const two = await visitorSays(conv, 'two');
    await visitorSays(conv, 'three');
    await read(Z, conv, two);
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    const [mail] = await ses.emails();
    expect(mail?.subject).toBe('Unread chat message from Ann');
    expect(mail?.text).toContain('three');
  });

  test('an agent with nothing due gets no email, and an agent reply alone creates nothing due', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON });
    const conv = await conversation('acme', 'Ann', Z);
    await agentReplies(conv, Z, 'hello from us');
    expect(await run()).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
    expect(await ses.emails()).toHaveLength(0);
  });

  test('two overlapping runs send exactly one email per agent', async () => {
    const agents = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => agent('acme', id, { ...EMAIL_ON, scope: 'all' })));
    for (const name of ['Ann', 'Bo']) await visitorSays(await conversation('acme', name), `hi from ${name}`);

    const [r1, r2] = await Promise.all([run(), run()]);
    expect(r1.agentsEmailed + r2.agentsEmailed).toBe(agents.length);
    expect(r1.conversations + r2.conversations).toBe(2 * agents.length);
    expect(r1.failed + r2.failed).toBe(0);
    const emails = await ses.emails();
    expect(emails).toHaveLength(agents.length);
    for (const a of agents) expect(mailTo(emails, a)).toHaveLength(1);
  });

  test('a run that fails after k of n agents: the rest are emailed by the next run, the first k are not emailed again', async () => {
    const agents = await Promise.all(['a', 'b', 'c', 'd'].map((id) => agent('acme', id, { ...EMAIL_ON, scope: 'all' })));
    await visitorSays(await conversation('acme', 'Ann'), 'hi');

    faults.failAfter(2); // SES goes down after two emails, for the rest of this run
    expect(await run()).toEqual({ agentsEmailed: 2, conversations: 2, failed: 2 });
    expect(await ses.emails()).toHaveLength(2);

    faults.heal();
    expect(await run()).toEqual({ agentsEmailed: 2, conversations: 2, failed: 0 });
    const emails = await ses.emails();
    expect(emails).toHaveLength(4);
    for (const a of agents) expect(mailTo(emails, a)).toHaveLength(1);
  });

  test("a run that died holding an agent's claim: the next run after the lease sends it; a live claim is left alone", async () => {
    const dead = await agent('acme', 'dead', { ...EMAIL_ON, scope: 'all' });
    const busy = await agent('acme', 'busy', { ...EMAIL_ON, scope: 'all' });
    await visitorSays(await conversation('acme', 'Ann'), 'hi');
    // As a crashed run leaves them: one claim long expired, one still live (another run at work).
    expect(await claimAgent(db, t.tableName, dead, 'crashed-run', Date.now() - 10 * 60_000, 4 * 60_000)).toBe('claimed');
    expect(await claimAgent(db, t.tableName, busy, 'other-run', Date.now(), 4 * 60_000)).toBe('claimed');

    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    const emails = await ses.emails();
    expect(mailTo(emails, dead)).toHaveLength(1);
    expect(mailTo(emails, busy)).toHaveLength(0);
    // Still owed: once the other run lets go of its claim (or it expires), the next run sends it.
    expect(await firstDue(busy)).toBeDefined();
    await releaseAgent(db, t.tableName, busy, 'other-run');
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    expect(mailTo(await ses.emails(), busy)).toHaveLength(1);
    expect(mailTo(await ses.emails(), dead)).toHaveLength(1);
  });

  test('SES throttling is retried with backoff within the run', async () => {
    const Z = await agent('acme', 'z', { ...EMAIL_ON });
    await visitorSays(await conversation('acme', 'Ann', Z), 'hi');
    faults.throttleNext(2);
    const before = faults.sendAttempts;
    expect(await run()).toEqual({ agentsEmailed: 1, conversations: 1, failed: 0 });
    expect(faults.sendAttempts - before).toBe(3);
    expect(mailTo(await ses.emails(), Z)).toHaveLength(1);
  });

  test("one agent's permanent failure (rejected address) and a missing address do not stop the others", async () => {
    const rejected = await agent('acme', 'p', { ...EMAIL_ON, scope: 'all' }, 'rejected@example.com');
    const noAddress = await agent('acme', 'n', { ...EMAIL_ON, scope: 'all' }, '');
    const q = await agent('acme', 'q', { ...EMAIL_ON, scope: 'all' });
    const r = await agent('acme', 'r', { ...EMAIL_ON, scope: 'all' });
    await visitorSays(await conversation('acme', 'Ann'), 'hi');
    faults.rejectTo([rejected.email]);

    const before = faults.sendAttempts;
    expect(await run()).toEqual({ agentsEmailed: 2, conversations: 2, failed: 2 });
    // A rejection is final for this run: not retried.
    expect(faults.sendAttempts - before).toBe(3);
    const emails = await ses.emails();
    expect(mailTo(emails, q)).toHaveLength(1);
    expect(mailTo(emails, r)).toHaveLength(1);
    expect(emails).toHaveLength(2);
    void noAddress;
  });
});

/** One conversation the agent is still owed a reminder for (via the position items, not a Scan). */
async function firstDue(a: Agent): Promise<string | undefined> {
  for (const partition of duePartitions()) for await (const d of dueAgents(db, t.tableName, { partition })) if (d.agentId === a.agentId) return d.conversationIds[0];
  return undefined;
}

describe('the reminder reads what is due, not the table', () => {
  /** Requests and items the handler's DynamoDB client sends and reads, by command. */
  function meter() {
    const counts = { requests: 0, itemsRead: 0, byCommand: {} as Record<string, number> };
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const o = out.output as { Items?: unknown[]; Item?: unknown; Responses?: Record<string, unknown[]> };
        counts.requests++;
        counts.byCommand[context.commandName ?? '?'] = (counts.byCommand[context.commandName ?? '?'] ?? 0) + 1;
        counts.itemsRead += (o.Items?.length ?? 0) + (o.Item ? 1 : 0) + Object.values(o.Responses ?? {}).reduce((n, v) => n + v.length, 0);
        return out;
      },
      { step: 'initialize', name: 'reminderTestMeter' },
    );
    return {
      counts,
      stop: () => dynamo().middlewareStack.remove('reminderTestMeter'),
    };
  }

  // Side by side: ~8 requests each, and DynamoDB Local is shared with other test files.
  async function readConversations(Z: Agent, n: number) {
    await mapLimit([...Array(n).keys()], 8, async (i) => {
      const conv = await conversation('acme', `Old ${i}`, Z);
      await visitorSays(conv, 'old');
      await read(Z, conv);
    });
  }

  async function measureRun(Z: Agent) {
    for (const name of ['Ann', 'Bo']) await visitorSays(await conversation('acme', name, Z), 'new');
    const m = meter();
    try {
      expect(await run()).toEqual({ agentsEmailed: 1, conversations: 2, failed: 0 });
    } finally {
      m.stop();
    }
    return m.counts;
  }

  test(
    'the same reads with 20 or 80 read conversations beside the 2 due ones, and never a Scan',
    async () => {
      const Z = await agent('acme', 'z', { ...EMAIL_ON });
      await readConversations(Z, 20);
      const small = await measureRun(Z);
      await readConversations(Z, 60);
      const large = await measureRun(Z);

      expect(large).toEqual(small);
      expect(small.byCommand.ScanCommand).toBeUndefined();
      // Two due conversations: a handful of items (index entries, agent, conversations, positions, messages).
      expect(small.itemsRead).toBeLessThan(15);
      expect(mailTo(await ses.emails(), Z)).toHaveLength(2);
      // A deadline for a hung run, not a speed check: seeding 80 conversations waits behind whatever
      // else the shared DynamoDB Local is doing.
    },
    5 * 60_000,
  );
});
