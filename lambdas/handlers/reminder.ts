/**
 * The 5-minute reminder (SPEC §4), run by an EventBridge rule. For each agent the `due` index names:
 * claim the agent, re-read everything that decides the email as it is now, send one digest, record
 * what it listed, release the claim.
 *
 * Delivery is at least once: EventBridge may fire twice and a run may die. The claim keeps two runs
 * off the same agent, and the consistent re-read after claiming sees what an earlier run recorded,
 * so the same messages are not emailed twice. A run that dies before recording leaves the
 * obligations in the index and its claim expires: the next run after the lease sends them.
 */
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESClient } from '@aws-sdk/client-ses';
import { dynamo, sesClient } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { errorInfo, logger } from '../platform/logger.js';
import { newId } from '../domain/ids.js';
import { newestActivityFirst, planAgentReminder, planReminder } from '../domain/reminder-plan.js';
import { buildDigest, DIGEST_MAX_CONVERSATIONS, type DigestConversation } from '../domain/digest.js';
import { mapLimit } from '../platform/map-limit.js';
import { markEmailFailing } from '../store/agent-status.js';
import { getAgent, type Agent } from '../store/agents.js';
import { getConversation } from '../store/conversations.js';
import { visitorMessagesAfter } from '../store/messages.js';
import { dropDue, getPosition, recordEmailed } from '../store/positions.js';
import { claimAgent, dueAgents, releaseAgent, type DueAgent } from '../store/reminders.js';
import { sendEmail } from '../channels/email.js';

export interface ReminderSummary {
  agentsEmailed: number;
  conversations: number;
  failed: number;
}

/** Under the 5-minute period, so a dead run's agents go out with the next run but one at worst. */
const LEASE_MS = 4 * 60_000;
/** Don't start a send the lease may not outlive (SES retries with backoff take a while). */
const SEND_MARGIN_MS = 90_000;
/** Agents worked on at once: bounded, so SES throttling and DynamoDB stay calm. */
const CONCURRENCY = 4;
/** Reads and writes of one agent's conversations in flight at once (an agent may be owed 1,500). */
const READ_CONCURRENCY = 16;

interface Deps {
  db: DynamoDBDocumentClient;
  ses: SESClient;
  tableName: string;
  emailFrom: string;
  consoleUrl: string;
  runId: string;
  inactiveDays: number;
  configurationSet?: string;
}

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

export const handler = async (_event?: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<ReminderSummary> => {
  const c = config();
  const deps: Deps = {
    db: dynamo(),
    ses: sesClient(),
    tableName: c.tableName,
    emailFrom: c.emailFrom,
    consoleUrl: c.consoleUrl,
    inactiveDays: c.agentInactiveDays,
    ...(c.sesConfigurationSet ? { configurationSet: c.sesConfigurationSet } : {}),
    // One id per attempt, not the request id: Lambda reuses that when it retries an event, and a
    // lease's owner should name the attempt that holds it.
    runId: newId('run'),
  };
  logger.info('reminder run start', { runId: deps.runId, requestId: context?.awsRequestId });
  const summary: ReminderSummary = { agentsEmailed: 0, conversations: 0, failed: 0 };
  const due = dueAgents(deps.db, deps.tableName);
  // Workers pull from one generator: an async generator queues concurrent next() calls.
  const worker = async () => {
    for (let n = await due.next(); !n.done; n = await due.next()) {
      const outcome = await remindAgent(deps, n.value);
      if (outcome.kind === 'emailed') {
        summary.agentsEmailed++;
        summary.conversations += outcome.conversations;
      } else if (outcome.kind === 'failed') {
        summary.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  logger.info('reminder run done', { runId: deps.runId, ...summary });
  return summary;
};

async function remindAgent(deps: Deps, due: DueAgent): Promise<AgentOutcome> {
  const ids = { workspaceId: due.workspaceId, agentId: due.agentId };
  const log = { runId: deps.runId, ...ids };
  const claimedAt = Date.now();
  let claim;
  try {
    claim = await claimAgent(deps.db, deps.tableName, ids, deps.runId, claimedAt, LEASE_MS);
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
    const agent = await getAgent(deps.db, deps.tableName, due.workspaceId, due.agentId);
    if (!agent) return { kind: 'none' };
    // Removed, inactive, unverified or failing: decided before any conversation is read.
    const verdict = planAgentReminder(agent, Date.now(), deps.inactiveDays);
    if (verdict.kind === 'drop') {
      logger.info('reminder obligations dropped', { ...log, reason: verdict.reason, conversations: due.conversationIds.length });
      await dropAll(deps, due, log);
      return { kind: 'none' };
    }
    if (verdict.kind === 'hold') {
      logger.info('reminder held', { ...log, reason: verdict.reason, conversations: due.conversationIds.length });
      return { kind: 'none' };
    }
    const planned = (await mapLimit(due.conversationIds, READ_CONCURRENCY, (conv) => planConversation(deps, agent, conv))).filter(
      (x): x is Planned => x !== undefined,
    );
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
    if (Date.now() > claimedAt + LEASE_MS - SEND_MARGIN_MS) {
      // Too slow to still trust the lease: leave the obligations for the next run.
      logger.warn('reminder lease too close to expiry, not sending', log);
      return { kind: 'failed' };
    }
    const digest = buildDigest({ agentName: agent.name, consoleUrl: deps.consoleUrl, conversations: listed, more: rest.length });
    const sent = await sendEmail(deps.ses, {
      from: deps.emailFrom,
      to: agent.email,
      ...digest,
      tags: { workspace: agent.workspaceId, agent: agent.agentId },
      ...(deps.configurationSet ? { configurationSet: deps.configurationSet } : {}),
    });
    if (sent.status === 'failed-permanent') {
      if (sent.recipient) {
        // Not retried every 5 minutes: the agent's email is failing until a settings save or a sign-in.
        logger.error('reminder email failed', { ...log, status: sent.status, code: sent.code, emailStatus: 'failing', conversations: planned.length });
        await markEmailFailing(deps.db, deps.tableName, ids, sent.code, new Date().toISOString());
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
    logger.info('reminder emailed', { ...log, conversations: emailed.length, listed: listed.length });
    return { kind: 'emailed', conversations: emailed.length };
  } catch (e) {
    logger.error('reminder failed for agent', { ...log, error: errorInfo(e) });
    return { kind: 'failed' };
  } finally {
    await releaseAgent(deps.db, deps.tableName, ids, deps.runId).catch((e: unknown) =>
      logger.warn('reminder lease release failed; it will expire', { ...log, error: errorInfo(e) }),
    );
  }
}

async function dropAll(deps: Deps, due: DueAgent, log: Record<string, unknown>): Promise<void> {
  await mapLimit(due.conversationIds, READ_CONCURRENCY, (conv) => dropDue(deps.db, deps.tableName, conv, due.agentId, Number.MAX_SAFE_INTEGER)).catch(
    (e: unknown) => logger.warn("dropping an agent's reminders failed", { ...log, error: errorInfo(e) }),
  );
}

/** One due conversation, decided from its state now: to be emailed, or its obligation dropped. */
async function planConversation(deps: Deps, agent: Agent, conv: string): Promise<Planned | undefined> {
  const [conversation, position] = await Promise.all([
    getConversation(deps.db, deps.tableName, conv),
    getPosition(deps.db, deps.tableName, conv, agent.agentId),
  ]);
  // The index entry lives on the position item: none means it went away since the index was read.
  if (!position) return undefined;
  const mine = conversation && conversation.workspaceId === agent.workspaceId ? conversation : undefined;
  const plan = planReminder({ agent: { agentId: agent.agentId, settings: agent.settings }, conversation: mine, position });
  if (plan.kind !== 'email' || !mine) {
    // Up to the seq this entry was recorded for: a newer obligation written meanwhile survives.
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
async function describe(deps: Deps, agent: Agent, p: Planned): Promise<Listed | undefined> {
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
