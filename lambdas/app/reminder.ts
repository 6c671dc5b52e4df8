/**
 * The 5-minute reminder (SPEC §4) as use cases, taking their dependencies:
 *
 *  - `reminderWorkItems` / `dispatchReminder`: the rule's run names one work item per partition of
 *    the `due` index (16 shards and the legacy `DUE` partition) and hands them to the workers;
 *  - `runShard`: one worker's part: the agents of one partition, time-bounded: when its time runs
 *    short it stops taking agents and returns a continuation (the partition and the last agent it
 *    took), which the caller enqueues, so no worker holds a shard past its timeout;
 *  - `runReminderInline`: every partition in this process, one pool of agent workers (the offline
 *    stack's `/_local/reminders/run`, which answers the whole run's summary).
 *
 * Per agent: claim the agent (a lease on the profile), re-read everything that decides the email as
 * it is now, send one digest, record what it listed, release the claim. The rule fires at least
 * once and a run may die: the lease keeps two runs (or two workers) off the same agent, the
 * consistent re-read after claiming sees what an earlier run recorded, so the same messages are not
 * emailed twice; a run that dies before recording leaves the obligations in the index and its lease
 * expires, so the next run after the lease sends them.
 *
 * SES's account send rate is honoured by pacing: each worker sends at `sendRatePerS` (the stack's
 * SesMaxSendRate divided by the most workers that may run at once), instead of leaning on
 * throttling retries.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESClient } from '@aws-sdk/client-ses';
import { errorInfo, logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';
import { mayClaimMore, newestActivityFirst, nextSendSlot, planAgentReminder, planReminder } from '../domain/reminder-plan.js';
import { buildDigest, DIGEST_MAX_CONVERSATIONS, type DigestConversation } from '../domain/digest.js';
import { markEmailFailing } from '../store/agent-status.js';
import { toAgent, type Agent } from '../store/agents.js';
import { getConversation } from '../store/conversations.js';
import { visitorMessagesAfter } from '../store/messages.js';
import { dropDue, getPosition, recordEmailed } from '../store/positions.js';
import { claimAgentProfile, dueAgents, releaseAgent, type DueAgent, type DueCursor } from '../store/reminders.js';
import { duePartitions } from '../store/keys.js';
import { sendEmail } from '../channels/email.js';
import type { SNSClient } from '@aws-sdk/client-sns';
import { catchUpPartitionOf, catchUpPartitions } from '../store/catch-up.js';
import { runCatchUps } from './catch-up.js';
import { signUnsubscribe } from '../domain/unsubscribe-token.js';
import { recordDigest } from './delivery-log.js';

export interface ReminderSummary {
  agentsEmailed: number;
  conversations: number;
  failed: number;
  /** SPEC §11.4: agents sent a catch-up push (present only when there were some). */
  catchUps?: number;
}

/** One worker's job: a partition of the `due` index, from the start or after a cursor. */
export type ReminderWorkItem = DueCursor;

export interface ReminderDeps {
  db: DynamoDBDocumentClient;
  ses: SESClient;
  tableName: string;
  emailFrom: string;
  consoleUrl: string;
  /** One id per attempt: a lease's owner names the attempt that holds it. */
  runId: string;
  inactiveDays: number;
  configurationSet?: string;
  /** SPEC §4 ReminderMinAgeSeconds, in ms: younger owed messages wait for the next check. */
  minAgeMs: number;
  /** This worker's share of SES's maximum send rate (emails per second); 0 or Infinity: unpaced. */
  sendRatePerS: number;
  /** Wall clock (leases, ages). */
  now?: () => number;
  /** Agents worked on at once by this worker. */
  concurrency?: number;
  /** SPEC §11.4's catch-up pushes (app/catch-up.ts); without it no catch-up is sent. */
  sns?: SNSClient;
  /** SPEC §11.7: the API's base URL and the signing key of the one-click unsubscribe link. */
  unsubscribe?: { apiUrl: string; secret: string };
}

/** The List-Unsubscribe header fields of one agent's email (RFC 2369 and RFC 8058 one-click). */
function unsubscribeHeaders(deps: ReminderDeps, agent: { workspaceId: string; agentId: string }): Record<string, string> {
  if (!deps.unsubscribe?.secret) return {};
  const t = signUnsubscribe(deps.unsubscribe.secret, agent.workspaceId, agent.agentId);
  return {
    'List-Unsubscribe': `<${deps.unsubscribe.apiUrl}/v1/unsubscribe?t=${encodeURIComponent(t)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/** The catch-ups of some partitions, counted into the summary (failures counted as failed). */
async function catchUpsInto(deps: ReminderDeps, partitions: readonly string[], summary: ReminderSummary): Promise<void> {
  if (!deps.sns) return;
  for (const p of partitions) {
    const r = await runCatchUps({ db: deps.db, tableName: deps.tableName, sns: deps.sns, runId: deps.runId, ...(deps.now ? { now: deps.now } : {}) }, p);
    // Only when some were sent: the summary keeps SPEC §9's shape otherwise.
    if (r.catchUps > 0) summary.catchUps = (summary.catchUps ?? 0) + r.catchUps;
    summary.failed += r.failed;
  }
}

/** Under the 5-minute period, so a dead run's agents go out with the next run but one at worst. */
export const LEASE_MS = 4 * 60_000;
/** Don't start a send the lease may not outlive (SES retries with backoff take a while). */
const SEND_MARGIN_MS = 90_000;
/** Agents worked on at once: bounded, so SES and DynamoDB stay calm. */
export const CONCURRENCY = 4;
/** Reads and writes of one agent's conversations in flight at once (an agent may be owed 1,500). */
const READ_CONCURRENCY = 16;
/**
 * A worker stops taking agents with less than this left: one agent's reads, a paced send and SES's
 * retries fit in it, so the worker returns (and hands on the rest) before its Lambda timeout.
 */
export const STOP_MARGIN_MS = 30_000;

type AgentOutcome = { kind: 'emailed'; conversations: number } | { kind: 'failed' } | { kind: 'none' };

interface Listed extends DigestConversation {
  /** The newest visitor seq listed: the emailed position to record. */
  seq: number;
}

/** A due conversation the email will tell about, before its messages are read. */
interface Planned {
  conversationId: string;
  lastActivityAt: string;
  visitorName?: string | null;
  afterSeq: number;
  upToSeq: number;
  dueSeq: number;
}

/** Paces sends at a rate, across the concurrent agents of one worker (monotonic clock: immune to a moved wall clock). */
export class Pacer {
  private last: number | undefined;
  constructor(private readonly ratePerS: number) {}
  async wait(): Promise<void> {
    const now = performance.now();
    const slot = nextSendSlot(this.last, now, this.ratePerS);
    this.last = slot;
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  }
}

const empty = (): ReminderSummary => ({ agentsEmailed: 0, conversations: 0, failed: 0 });

function tally(summary: ReminderSummary, o: AgentOutcome): void {
  if (o.kind === 'emailed') {
    summary.agentsEmailed++;
    summary.conversations += o.conversations;
  } else if (o.kind === 'failed') {
    summary.failed++;
  }
}

/** The dispatcher's work: every partition of the `due` index, the legacy one included (drained until empty). */
export function reminderWorkItems(): ReminderWorkItem[] {
  return duePartitions().map((partition) => ({ partition }));
}

/** The rule's run: one work item per partition to the worker queue. */
export async function dispatchReminder(deps: { enqueue: (items: ReminderWorkItem[]) => Promise<void>; runId: string }): Promise<{ dispatched: number }> {
  const items = reminderWorkItems();
  await deps.enqueue(items);
  logger.info('reminder run dispatched', { runId: deps.runId, workItems: items.length });
  return { dispatched: items.length };
}

export interface ShardResult {
  summary: ReminderSummary;
  /** Set when the worker stopped early: the rest of its partition, to be handed to another worker. */
  continuation?: ReminderWorkItem;
}

/**
 * One partition's agents, `concurrency` at a time, until done or until `remainingMs()` runs short.
 * The agents are taken in index order, so "the last agent taken" is a cursor for the rest.
 */
export async function runShard(deps: ReminderDeps, item: ReminderWorkItem, opts: { remainingMs?: () => number; pacer?: Pacer; marginMs?: number } = {}): Promise<ShardResult> {
  // A quarter of the time the worker starts with, at most STOP_MARGIN_MS: a short-lived invocation
  // (the offline stack's 30 s) still does work before it hands the rest on.
  const margin = opts.marginMs ?? (opts.remainingMs ? Math.min(STOP_MARGIN_MS, opts.remainingMs() / 4) : STOP_MARGIN_MS);
  const summary = empty();
  // The shard's catch-ups (CATCHUP#nn beside DUE#nn) on its first pass: few, and cheap to read.
  const catchUpPartition = item.afterAgent ? undefined : catchUpPartitionOf(item.partition);
  if (catchUpPartition) await catchUpsInto(deps, [catchUpPartition], summary);
  const pacer = opts.pacer ?? new Pacer(deps.sendRatePerS);
  const due = dueAgents(deps.db, deps.tableName, item);
  let lastTaken: string | undefined = item.afterAgent;
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      if (opts.remainingMs && !mayClaimMore(opts.remainingMs(), margin)) {
        stopped = true;
        break;
      }
      // An async generator queues concurrent next() calls: each agent is handed out once, in order.
      const n = await due.next();
      if (n.done) break;
      lastTaken = `${n.value.workspaceId}#${n.value.agentId}#`;
      tally(summary, await remindAgent(deps, n.value, pacer));
    }
  };
  await Promise.all(Array.from({ length: deps.concurrency ?? CONCURRENCY }, worker));
  if (!stopped) return { summary };
  // Stopped early: the rest of the partition goes on from after the last agent taken (if nothing is
  // left, the next worker's Query simply finds nothing).
  await due.return(undefined);
  return { summary, continuation: { partition: item.partition, ...(lastTaken ? { afterAgent: lastTaken } : {}) } };
}

/**
 * The whole run in this process: every partition, one after another through one pool of
 * `concurrency` agent workers and one pacer (at the full rate: nothing else sends beside it).
 */
export async function runReminderInline(deps: ReminderDeps): Promise<ReminderSummary> {
  logger.info('reminder run start', { runId: deps.runId, mode: 'inline' });
  const summary = empty();
  await catchUpsInto(deps, catchUpPartitions(), summary);
  const pacer = new Pacer(deps.sendRatePerS);
  async function* all(): AsyncGenerator<DueAgent> {
    for (const item of reminderWorkItems()) yield* dueAgents(deps.db, deps.tableName, item);
  }
  const due = all();
  const worker = async () => {
    for (let n = await due.next(); !n.done; n = await due.next()) tally(summary, await remindAgent(deps, n.value, pacer));
  };
  await Promise.all(Array.from({ length: deps.concurrency ?? CONCURRENCY }, worker));
  logger.info('reminder run done', { runId: deps.runId, ...summary });
  return summary;
}

const clock = (deps: ReminderDeps) => (deps.now ?? Date.now)();

export async function remindAgent(deps: ReminderDeps, due: DueAgent, pacer: Pacer): Promise<AgentOutcome> {
  const ids = { workspaceId: due.workspaceId, agentId: due.agentId };
  const log = { runId: deps.runId, ...ids };
  const claimedAt = clock(deps);
  let claim;
  let profile;
  try {
    ({ result: claim, profile } = await claimAgentProfile(deps.db, deps.tableName, ids, deps.runId, claimedAt, LEASE_MS));
  } catch (e) {
    logger.error('reminder claim failed', { ...log, error: errorInfo(e) });
    return { kind: 'failed' };
  }
  if (claim === 'busy') return { kind: 'none' }; // another run has this agent right now
  if (claim === 'missing') {
    // No such agent any more: nobody can be reminded of these.
    await dropAll(deps, due, log);
    return { kind: 'none' };
  }
  try {
    // The profile as the claim wrote it: what decides the email, read in the same request.
    if (!profile) return { kind: 'none' };
    const agent = toAgent(profile);
    // Removed, inactive, unverified or failing: decided before any conversation is read.
    const dnd = typeof profile.doNotDisturbUntil === 'string' ? { doNotDisturbUntil: profile.doNotDisturbUntil } : {};
    const verdict = planAgentReminder({ ...agent, ...dnd }, clock(deps), deps.inactiveDays);
    if (verdict.kind === 'drop') {
      logger.info('reminder obligations dropped', { ...log, reason: verdict.reason, conversations: due.conversationIds.length });
      await dropAll(deps, due, log);
      return { kind: 'none' };
    }
    if (verdict.kind === 'hold') {
      logger.info('reminder held', { ...log, reason: verdict.reason, conversations: due.conversationIds.length });
      return { kind: 'none' };
    }
    const planned = (await mapLimit(due.conversationIds, READ_CONCURRENCY, (conv) => planConversation(deps, agent, conv))).filter((x): x is Planned => x !== undefined);
    if (planned.length === 0) return { kind: 'none' };
    if (!agent.email) {
      logger.warn('reminder skipped: agent has no email address', { ...log, conversations: planned.length });
      return { kind: 'failed' };
    }
    // SPEC §10.3: the newest 50 are listed one by one; the others are one line with a link.
    const ordered = newestActivityFirst(planned);
    const top = ordered.slice(0, DIGEST_MAX_CONVERSATIONS);
    const rest = ordered.slice(DIGEST_MAX_CONVERSATIONS);
    const listed = (await mapLimit(top, READ_CONCURRENCY, (p) => describe(deps, agent, p))).filter((x): x is Listed => x !== undefined);
    if (listed.length === 0) return { kind: 'none' };
    await pacer.wait();
    if (clock(deps) > claimedAt + LEASE_MS - SEND_MARGIN_MS) {
      // Too slow to still trust the lease: leave the obligations for the next run.
      logger.warn('reminder lease too close to expiry, not sending', log);
      return { kind: 'failed' };
    }
    const digest = buildDigest({ agentName: agent.name, consoleUrl: deps.consoleUrl, conversations: listed, more: rest.length });
    const sent = await sendEmail(deps.ses, {
      from: deps.emailFrom,
      to: agent.email,
      ...digest,
      headers: unsubscribeHeaders(deps, agent),
      tags: { workspace: agent.workspaceId, agent: agent.agentId },
      ...(deps.configurationSet ? { configurationSet: deps.configurationSet } : {}),
    });
    if (sent.status === 'failed-permanent') {
      // SPEC §12: a refused digest is in the agent's log.
      await recordDigest(
        deps,
        ids,
        new Date(clock(deps)).toISOString(),
        planned.map((p) => p.conversationId),
        'failed',
        'provider_error',
      );
      if (sent.recipient) {
        // Not retried every 5 minutes: the agent's email is failing until a settings save or a sign-in.
        logger.error('reminder email failed', { ...log, status: sent.status, code: sent.code, emailStatus: 'failing', conversations: planned.length });
        await markEmailFailing(deps.db, deps.tableName, ids, sent.code, new Date(clock(deps)).toISOString());
      } else {
        logger.error('reminder email failed', { ...log, status: sent.status, code: sent.code, cause: 'sending setup', conversations: planned.length });
      }
      return { kind: 'failed' };
    }
    if (sent.status !== 'sent') {
      logger.warn('reminder email failed', { ...log, status: sent.status, code: sent.code, conversations: planned.length });
      return { kind: 'failed' };
    }
    // Every due conversation counts as emailed, the ones past the first 50 too: the email told the
    // agent about all of them (counted, with a link to the unread list); leaving those due would
    // send the next 50 five minutes later, and so on. Reading state is untouched: they stay unread.
    const emailed = [...listed.map((l) => ({ conv: l.conversationId, seq: l.seq })), ...rest.map((p) => ({ conv: p.conversationId, seq: p.upToSeq }))];
    try {
      await mapLimit(emailed, READ_CONCURRENCY, (e) => recordEmailed(deps.db, deps.tableName, e.conv, agent.agentId, e.seq));
    } catch (e) {
      // The email went out; what was not recorded stays due and may be listed once more.
      logger.error('reminder sent but not fully recorded', { ...log, error: errorInfo(e) });
    }
    await recordDigest(
      deps,
      ids,
      new Date(clock(deps)).toISOString(),
      emailed.map((e) => e.conv),
      'sent',
    );
    logger.info('reminder emailed', { ...log, conversations: emailed.length, listed: listed.length });
    return { kind: 'emailed', conversations: emailed.length };
  } catch (e) {
    logger.error('reminder failed for agent', { ...log, error: errorInfo(e) });
    return { kind: 'failed' };
  } finally {
    await releaseAgent(deps.db, deps.tableName, ids, deps.runId).catch((e: unknown) => logger.warn('reminder lease release failed; it will expire', { ...log, error: errorInfo(e) }));
  }
}

async function dropAll(deps: ReminderDeps, due: DueAgent, log: Record<string, unknown>): Promise<void> {
  await mapLimit(due.conversationIds, READ_CONCURRENCY, (conv) => dropDue(deps.db, deps.tableName, conv, due.agentId, Number.MAX_SAFE_INTEGER)).catch((e: unknown) =>
    logger.warn("dropping an agent's reminders failed", { ...log, error: errorInfo(e) }),
  );
}

/** One due conversation, decided from its state now: to be emailed, held for a later check, or ended. */
async function planConversation(deps: ReminderDeps, agent: Agent, conv: string): Promise<Planned | undefined> {
  const [conversation, position] = await Promise.all([getConversation(deps.db, deps.tableName, conv), getPosition(deps.db, deps.tableName, conv, agent.agentId)]);
  // The index entry lives on the position item: none means it went away since the index was read.
  if (!position) return undefined;
  const mine = conversation && conversation.workspaceId === agent.workspaceId ? conversation : undefined;
  // An entry from before `dueAtMs` existed (the legacy partition) ages from the conversation's last
  // activity, which is no earlier than its owed message: it too ends within 7 days.
  const lastActivityMs = mine ? Date.parse(mine.lastActivityAt) : NaN;
  const dueAtMs = position.dueAtMs ?? (Number.isFinite(lastActivityMs) ? lastActivityMs : undefined);
  const plan = planReminder({
    agent: { agentId: agent.agentId, settings: agent.settings },
    conversation: mine,
    position: { ...position, ...(dueAtMs !== undefined ? { dueAtMs } : {}) },
    nowMs: clock(deps),
    minAgeMs: deps.minAgeMs,
  });
  // Not eligible now (email off, not a recipient now) or too fresh: keep what is owed (SPEC §4).
  if (plan.kind === 'hold') return undefined;
  if (plan.kind !== 'email' || !mine) {
    // Met or ended, up to the seq this entry was recorded for: a newer obligation written meanwhile survives.
    await dropDue(deps.db, deps.tableName, conv, agent.agentId, position.dueSeq);
    return undefined;
  }
  return {
    conversationId: conv,
    lastActivityAt: mine.lastActivityAt,
    visitorName: mine.visitor.name,
    afterSeq: plan.afterSeq,
    upToSeq: plan.upToSeq,
    dueSeq: position.dueSeq,
  };
}

/** A listed conversation's lines: its newest visitor text and how many are unread. */
async function describe(deps: ReminderDeps, agent: Agent, p: Planned): Promise<Listed | undefined> {
  const messages = await visitorMessagesAfter(deps.db, deps.tableName, p.conversationId, p.afterSeq, p.upToSeq);
  const newest = messages[0];
  if (!newest) {
    await dropDue(deps.db, deps.tableName, p.conversationId, agent.agentId, p.dueSeq);
    return undefined;
  }
  return {
    conversationId: p.conversationId,
    visitorName: p.visitorName,
    newestText: newest.body,
    unreadCount: messages.length,
    seq: newest.seq,
  };
}
