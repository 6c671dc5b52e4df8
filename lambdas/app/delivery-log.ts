/**
 * The fan-out's side of the delivery log (SPEC §12). The fan-out calls `messageLog` once per
 * message with what it read (recipients with their settings and targets), hands the result's pending
 * entries to its work items, and at the end calls `recordMessageDeliveries` with the entries built
 * from the sends' outcomes: this attempt's, and those an earlier attempt left in the guard
 * (store/notifications.ts), so a redelivered record rewrites the same entries and loses nothing.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clearLogId, deliveryOf, digestLogId, messageEntry, pendingEntry, type AgentLogEntry, type LogDelivery, type PendingEntry, type SendResult } from '../domain/delivery-log.js';
import { recipients, type AgentSettings } from '../domain/recipients.js';
import { isInactive } from '../domain/agent-activity.js';
import type { Targets, WorkItem } from '../domain/fanout-plan.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { sha256Hex } from '../domain/ids.js';
import { writeLogEntries } from '../store/delivery-log.js';
import { logger } from '../platform/logger.js';
import { countNotifications, recordFanoutDelay } from '../platform/metrics.js';
import { errorName } from '../channels/report.js';

export interface LogDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/** A work item with the pending log entries of the agents whose sends it holds. */
export type LoggedWorkItem = WorkItem & { log?: PendingEntry[] };

/** Send outcomes by guard key `{channel}#{agentId}#{connectionId|deviceId}`. */
export type Outcomes = ReadonlyMap<string, SendResult>;

/** The fan-out's other suppressions (SPEC §11.4, §11.6), by agent: target-less deliveries with their detail. */
export type Suppressions = ReadonlyMap<string, readonly LogDelivery[]>;

/** Every recipient's pending entry (SPEC §2 recipients; agents left out as inactive get none, as they get nothing). */
export function messageLog(
  m: VisitorMessage,
  assigneeId: string | null,
  candidates: readonly AgentSettings[],
  activity: { nowMs: number; inactiveDays: number },
  targetsOf: (agentId: string) => Targets | undefined,
  suppressed: Suppressions = new Map(),
): PendingEntry[] {
  if (m.fromType !== 'visitor') return [];
  const nowS = Math.floor(activity.nowMs / 1000);
  return recipients(candidates, assigneeId, m.fromId)
    .filter((r) => !isInactive(r, activity.nowMs, activity.inactiveDays))
    .map((r) => pendingEntry(r, assigneeId, targetsOf(r.agentId), nowS, suppressed.get(r.agentId)));
}

/** The deliveries of each agent's targets, from outcomes keyed by guard key. */
function byAgent(outcomes: Iterable<readonly [string, SendResult]>): Map<string, LogDelivery[]> {
  const out = new Map<string, LogDelivery[]>();
  for (const [key, r] of outcomes) {
    const [channel, agentId, target] = key.split('#');
    if ((channel !== 'desktop' && channel !== 'mobile') || !agentId || !target) continue;
    const list = out.get(agentId) ?? [];
    list.push(deliveryOf(channel, target, r));
    out.set(agentId, list);
  }
  return out;
}

/** Entries for `pending`, from the outcomes known (later maps win over earlier ones for the same target only if they know more). */
export function logEntries(m: VisitorMessage, pending: readonly PendingEntry[], ...outcomes: Outcomes[]): AgentLogEntry[] {
  const sends = byAgent(outcomes.flatMap((o) => [...o.entries()]));
  return pending.map((p) => messageEntry(m, p, sends.get(p.agentId) ?? []));
}

/** Give each work item the pending entries of the agents whose sends it carries; the rest are the caller's to write. */
export function attachLog(items: WorkItem[], pending: readonly PendingEntry[]): { items: LoggedWorkItem[]; unqueued: PendingEntry[] } {
  const byId = new Map(pending.map((p) => [p.agentId, p]));
  const queued = new Set<string>();
  const out = items.map((it) => {
    const agents = [...new Set(it.sends.map((s) => s.agentId))];
    agents.forEach((a) => queued.add(a));
    const log = agents.map((a) => byId.get(a)).filter((p): p is PendingEntry => p !== undefined);
    return log.length ? { ...it, log } : it;
  });
  return { items: out, unqueued: pending.filter((p) => !queued.has(p.agentId)) };
}

/** Write a message's entries; false (logged) when they could not be written, so the record is retried (its sends are guarded). */
export async function recordMessageDeliveries(deps: LogDeps, m: Pick<VisitorMessage, 'messageId'>, entries: readonly AgentLogEntry[]): Promise<boolean> {
  try {
    await writeLogEntries(deps.db, deps.tableName, entries);
    return true;
  } catch (e) {
    logger.warn('delivery log not written, left for the retry', { messageId: m.messageId, entries: entries.length, error: errorName(e) });
    return false;
  }
}

/**
 * The reminder's entry (SPEC §12): one per email sent or refused for good, naming its conversations.
 * Its id is the send time and a hash of the conversations, so writing it twice is harmless. A log
 * that cannot be written does not undo the email: it is reported, not thrown.
 */
export async function recordDigest(
  deps: LogDeps,
  a: { workspaceId: string; agentId: string },
  at: string,
  conversationIds: readonly string[],
  outcome: 'sent' | 'failed',
  detail?: string,
): Promise<void> {
  const ids = [...new Set(conversationIds)].sort();
  const entry: AgentLogEntry = {
    ...a,
    id: digestLogId(at, sha256Hex(ids.join(',')).slice(0, 16)),
    entry: { kind: 'digest', at, conversationIds: ids, outcome, ...(detail ? { detail } : {}) },
  };
  countNotifications([{ channel: 'email', outcome }]);
  try {
    await writeLogEntries(deps.db, deps.tableName, [entry]);
  } catch (e) {
    logger.warn('digest not logged', { ...a, error: errorName(e) });
  }
}

/** This attempt's send outcomes, with when the first one was delivered (the fan-out's delay metric). */
export class SendResults extends Map<string, SendResult> {
  firstSentAtMs: number | undefined;
  override set(key: string, r: SendResult): this {
    if (this.firstSentAtMs === undefined && r !== 'failed' && r.outcome === 'sent') this.firstSentAtMs = Date.now();
    return super.set(key, r);
  }
}

/**
 * SPEC §12 metrics of one attempt: the sends it made, by channel and outcome, the suppressions and
 * email obligations of `pending` (the stream record counts those of every recipient, the workers
 * only their sends), and the delay to this attempt's first delivered send.
 */
export function measureMessage(m: Pick<VisitorMessage, 'createdAt'>, results: SendResults, pending: readonly PendingEntry[]): void {
  countNotifications([...byAgent(results.entries()).values()].flat().concat(pending.flatMap((p) => p.base)));
  if (results.firstSentAtMs !== undefined) recordFanoutDelay(m.createdAt, results.firstSentAtMs);
}

/** The fan-out plan's suppressions (`[{agentId, channel, detail}]`) as `messageLog` takes them. */
export function suppressionsFrom(list: ReadonlyArray<{ agentId: string; channel: 'desktop' | 'mobile' | 'email'; detail: string }>): Suppressions {
  const out = new Map<string, LogDelivery[]>();
  for (const s of list) {
    const l = out.get(s.agentId) ?? [];
    l.push({ channel: s.channel, outcome: 'suppressed', detail: s.detail });
    out.set(s.agentId, l);
  }
  return out;
}

/**
 * A clear push's entry (SPEC §11.3, §12): one per (agent, conversation, read position), so the
 * same clear written twice stays one entry. `at` is when the read that caused it happened.
 */
export async function recordClear(
  deps: LogDeps,
  a: { workspaceId: string; agentId: string },
  c: { conversationId: string; readSeq: number; at: string },
  deliveries: readonly LogDelivery[],
): Promise<boolean> {
  try {
    await writeLogEntries(deps.db, deps.tableName, [
      { ...a, id: clearLogId(c.at, `${c.conversationId}#${c.readSeq}`), entry: { kind: 'clear', at: c.at, conversationId: c.conversationId, deliveries: [...deliveries] } },
    ]);
    countNotifications(deliveries);
    return true;
  } catch (e) {
    logger.warn('clear not logged', { ...a, conversationId: c.conversationId, error: errorName(e) });
    return false;
  }
}
