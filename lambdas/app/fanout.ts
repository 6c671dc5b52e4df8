/**
 * The fan-out as a use case (SPEC §1–3, issue 12 items 1–3). For each new visitor message: read the
 * conversation and its candidates as they are now — settings and, copied on the same items, their
 * live connections and enabled devices (store/targets.ts) — in a fixed number of requests (GetItem
 * conversation ∥ Query scope-all list, then Query unassigned list or GetItem assignee profile),
 * decide who hears about it (domain planFanout / planSends), then send.
 *
 * Exactly-once per target (store/notifications.ts): the guard of the message is read once, what is
 * done is skipped, and each channel's settled targets are recorded in one write after the sends.
 *
 * Big messages do not hold a shard: above `threshold` sends, the stream record only writes the
 * sends as work items (grouped by the agent's bucket, one guard part per bucket) to the `fanout-work` queue and returns; `fanout-worker` sends them with the same guard, one
 * guard part per bucket, and reports the items with a failed send for SQS to deliver again.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';
import { sendBatch } from '../platform/queue.js';
import { messageFromRecord } from '../store/stream-message.js';
import { conversationWithCandidates } from '../store/recipients.js';
import { recordDue } from '../store/positions.js';
import { backfillTargets } from './targets-backfill.js';
import { readDone, recordDone, type GuardChannel, type Settled } from '../store/notifications.js';
import { planRecipients, planSends, sendKey, workItems, type Send, type WorkItem } from '../domain/fanout-plan.js';
import { attentionOf } from '../domain/attention-plan.js';

export { WORK_BUCKETS, WORK_ITEM_SENDS, workItems, type WorkItem } from '../domain/fanout-plan.js';
import { chatMessageFrame } from '../domain/frames.js';
import { markRecipientsUnread, recordCatchUps } from './fanout-attention.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { postFrame } from '../channels/desktop.js';
import { publishPush } from '../channels/mobile.js';
import { emptyReport, errorName, type ChannelReport } from '../channels/report.js';
import type { SendResult } from '../domain/delivery-log.js';
import { attachLog, logEntries, measureMessage, messageLog, recordMessageDeliveries, SendResults, suppressionsFrom, type LoggedWorkItem } from './delivery-log.js';

export interface FanoutDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  connections: () => ApiGatewayManagementApiClient;
  /** The work queue; without it every message is sent by the stream record itself. */
  sqs?: SQSClient;
  queueUrl?: string;
  /** Sends above which a message goes to the work queue (default FANOUT_THRESHOLD). */
  threshold?: number;
  /** SPEC §10.4 AgentInactiveDays (0 = off). */
  inactiveDays: number;
  now?: () => number;
}

/**
 * Above this many frames and pushes, a message is handed to the workers. 100 inline sends take a
 * fraction of a second, and stay off the queue hop (its poll and batching window) a team of 100 would
 * otherwise wait for on every message.
 */
export const FANOUT_THRESHOLD = 100;
/** Conversations handled side by side; records of one conversation stay in stream order. */
const CONVERSATION_CONCURRENCY = 4;
/** Sends of one message (or work item) in flight at once. */
const SEND_CONCURRENCY = 32;
/** Legacy recipients read and copied at once (once per agent, after a deploy). */
const BACKFILL_CONCURRENCY = 16;
/** Email obligations recorded at once. */
const DUE_CONCURRENCY = 16;

/** The part of the guard the stream record's own sends are recorded in. */
export const INLINE_PART = 'all';
export const bucketPart = (bucket: number) => `b${String(bucket).padStart(2, '0')}`;

type Report = ChannelReport & { queued: number };

/**
 * Send what is not done yet, then record each channel's settled targets in one write per channel.
 * A send that throws counts as failed and is not recorded: the retry sends it.
 */
async function deliver(
  deps: FanoutDeps,
  m: VisitorMessage,
  assigneeId: string | null,
  sends: readonly Send[],
  done: Set<string>,
  part: string,
  badges: ReadonlyMap<string, number> = new Map(),
  results?: Map<string, SendResult>,
): Promise<ChannelReport> {
  const todo = sends.filter((s) => !done.has(`${s.channel}#${sendKey(s)}`));
  const report = { ...emptyReport(), skipped: sends.length - todo.length };
  if (todo.length === 0) return report;
  // Frames differ per recipient (`notify`, the badge): each agent's is encoded once, not per connection.
  const frames = new Map<string, Uint8Array>();
  const frameFor = (s: Extract<Send, { channel: 'desktop' }>) => {
    let f = frames.get(s.agentId);
    if (!f) frames.set(s.agentId, (f = new TextEncoder().encode(JSON.stringify(chatMessageFrame(m, assigneeId, { notify: s.notify ?? true, unreadConversations: badges.get(s.agentId) })))));
    return f;
  };
  const settled: Record<GuardChannel, Array<{ target: string; settled: Settled }>> = { desktop: [], mobile: [] };
  await mapLimit(todo, SEND_CONCURRENCY, async (s) => {
    try {
      const r =
        s.channel === 'desktop'
          ? await postFrame(deps, { workspaceId: m.workspaceId, agentId: s.agentId, connectionId: s.connectionId }, frameFor(s), m.messageId)
          : await publishPush(deps, { workspaceId: m.workspaceId, agentId: s.agentId, deviceId: s.deviceId, platform: s.platform, endpointArn: s.endpointArn }, m, {
              ...(s.preview ? { preview: s.preview } : {}),
              badge: badges.get(s.agentId),
            });
      settled[s.channel].push({ target: sendKey(s), settled: r });
      results?.set(`${s.channel}#${sendKey(s)}`, r);
      if (r.outcome === 'sent') report.sent++;
      else report.dropped++;
    } catch (e) {
      report.failed++;
      results?.set(`${s.channel}#${sendKey(s)}`, 'failed');
      logger.warn('send failed, left for the retry', { messageId: m.messageId, channel: s.channel, agentId: s.agentId, error: errorName(e) });
    }
  });
  // If a guard write fails, the targets it named are sent again by the retry (the window the
  // collapse keys and the console's messageId check cover).
  await Promise.all((['desktop', 'mobile'] as const).map((channel) => recordDone(deps.db, deps.tableName, { messageId: m.messageId, part, channel }, settled[channel])));
  return report;
}

async function recordAllDue(deps: FanoutDeps, m: VisitorMessage, agents: readonly string[]): Promise<number> {
  let failed = 0;
  // Idempotent: a redelivery finds the obligation already recorded (or read, or emailed).
  await mapLimit(agents, DUE_CONCURRENCY, async (agentId) => {
    try {
      await recordDue(deps.db, deps.tableName, { workspaceId: m.workspaceId, agentId, conversationId: m.conversationId }, m.seq, arrivedAt(m.createdAt));
    } catch (e) {
      failed++;
      logger.warn('email obligation not recorded', { messageId: m.messageId, agentId, error: errorName(e) });
    }
  });
  return failed;
}

/** One new message from the stream: true when fully handled, false when something must be retried. */
export async function fanOutMessage(deps: FanoutDeps, m: VisitorMessage): Promise<boolean> {
  const found = await conversationWithCandidates(deps.db, deps.tableName, m.workspaceId, m.conversationId);
  if (!found) return true;
  const { conversation: conv, candidates } = found;
  const nowMs = (deps.now ?? Date.now)();
  // SPEC §10.4: agents unseen for AgentInactiveDays get nothing (removed ones are not candidates at all).
  const recipients = planRecipients(m, conv.assigneeId, candidates, { nowMs, inactiveDays: deps.inactiveDays });
  const plan = recipients.filter((d) => d.channels.length > 0);
  const targets = new Map(candidates.map((c) => [c.agentId, c.targets]));
  // Recipients stored before the copies (app/targets-backfill.ts): their targets read the old way,
  // and copied once, so the next message finds them on the list items.
  const legacy = new Set(candidates.filter((c) => c.legacy).map((c) => c.agentId));
  const legacyRecipients = [...new Set(plan.map((d) => d.agentId))].filter((id) => legacy.has(id));
  await mapLimit(legacyRecipients, BACKFILL_CONCURRENCY, async (agentId) => {
    const r = await backfillTargets(deps, { workspaceId: m.workspaceId, agentId });
    if (r) targets.set(agentId, r.targets);
  });
  // SPEC §11.4–11.6, evaluated now (the message's fan-out time): notify, preview, held pushes.
  const attention = new Map(candidates.map((c) => [c.agentId, attentionOf(c, nowMs)]));
  const { sends, due, suppressed } = planSends(
    recipients,
    (id) => targets.get(id),
    Math.floor(nowMs / 1000),
    (id) => attention.get(id),
  );
  // SPEC §11.4: an agent whose alert push was held for do-not-disturb or quiet hours is owed a catch-up.
  const catchUpFailed = await recordCatchUps(deps, m, candidates, suppressed, nowMs);
  // SPEC §11.2: the badge counts for every recipient, whatever their channels.
  const recipientIds = recipients.map((d) => d.agentId);
  const threshold = deps.threshold ?? FANOUT_THRESHOLD;
  // One read of the whole guard: an earlier attempt may have sent some targets inline or through workers.
  const earlier = new Map<string, SendResult>();
  const done = await readDone(deps.db, deps.tableName, m.messageId, undefined, earlier);
  const assigneeId = conv.assigneeId ?? null;
  // SPEC §12: every recipient's entry in the delivery log (app/delivery-log.ts).
  // The plan's suppressions (do-not-disturb, quiet hours, active on desktop…) say why nothing went.
  const pending = messageLog(m, assigneeId, candidates, { nowMs, inactiveDays: deps.inactiveDays }, (id) => targets.get(id), suppressionsFrom(suppressed));
  let total: Report;
  let logged: boolean;
  if (sends.length > threshold && deps.sqs && deps.queueUrl) {
    const items = attachLog(
      workItems(
        m,
        assigneeId,
        sends.filter((s) => !done.has(`${s.channel}#${sendKey(s)}`)),
        due,
      ),
      pending,
    );
    // The workers record the badge of the agents they send to; the others' is recorded here.
    const inItems = new Set(items.items.flatMap((it) => it.sends.map((s) => s.agentId)));
    const [, unread] = await Promise.all([
      sendBatch(deps.sqs, deps.queueUrl, items.items),
      markRecipientsUnread(
        deps,
        m,
        recipientIds.filter((id) => !inItems.has(id)),
        [],
      ),
    ]);
    total = { ...emptyReport(), skipped: sends.length - items.items.reduce((n, it) => n + it.sends.length, 0), queued: items.items.length, failed: unread.failed + catchUpFailed };
    logged = await recordMessageDeliveries(deps, m, logEntries(m, items.unqueued, earlier));
    measureMessage(m, new SendResults(), pending);
  } else {
    // The badge first: every frame and push of this message carries it (one write per recipient).
    const unread = await markRecipientsUnread(deps, m, recipientIds, sends);
    const results = new SendResults();
    const [report, dueFailed] = await Promise.all([deliver(deps, m, assigneeId, sends, done, INLINE_PART, unread.badges, results), recordAllDue(deps, m, due)]);
    total = { ...report, failed: report.failed + dueFailed + unread.failed + catchUpFailed, queued: 0 };
    logged = await recordMessageDeliveries(deps, m, logEntries(m, pending, earlier, results));
    measureMessage(m, results, pending);
  }
  logger.info('message fanned out', {
    messageId: m.messageId,
    conversationId: m.conversationId,
    seq: m.seq,
    recipients: plan.length,
    sends: sends.length,
    suppressed: suppressed.length,
    ...total,
  });
  return total.failed === 0 && logged;
}

async function handleRecord(deps: FanoutDeps, r: DynamoDBRecord): Promise<boolean> {
  const m = messageFromRecord(r);
  if (!m || m.fromType !== 'visitor') return true;
  try {
    return await fanOutMessage(deps, m);
  } catch (e) {
    logger.error('fan-out of a message failed', { messageId: m.messageId, conversationId: m.conversationId, error: errorName(e) });
    return false;
  }
}

/** A stream batch: records of one conversation in order, conversations side by side; failed records reported. */
export async function fanoutBatch(event: DynamoDBStreamEvent, deps: FanoutDeps): Promise<DynamoDBBatchResponse> {
  const byConversation = new Map<string, DynamoDBRecord[]>();
  for (const r of event.Records ?? []) {
    const key = r.dynamodb?.Keys?.pk?.S ?? r.eventID ?? '';
    const list = byConversation.get(key) ?? [];
    list.push(r);
    byConversation.set(key, list);
  }
  const failed = new Set<DynamoDBRecord>();
  await mapLimit([...byConversation.values()], CONVERSATION_CONCURRENCY, async (records) => {
    for (const r of records) if (!(await handleRecord(deps, r))) failed.add(r);
  });
  return {
    batchItemFailures: (event.Records ?? []).filter((r) => failed.has(r)).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
  };
}

/** One work item: the bucket's guard read once, the sends not done made, the obligations recorded. */
export async function handleWorkItem(deps: FanoutDeps, item: LoggedWorkItem): Promise<boolean> {
  const part = bucketPart(item.bucket);
  const [done, unread] = await Promise.all([
    readDone(deps.db, deps.tableName, item.message.messageId, part),
    markRecipientsUnread(deps, item.message, [...new Set(item.sends.map((s) => s.agentId))], item.sends),
  ]);
  const results = new SendResults();
  const [report, dueFailed] = await Promise.all([deliver(deps, item.message, item.assigneeId, item.sends, done, part, unread.badges, results), recordAllDue(deps, item.message, item.due)]);
  // The log entries of this item's agents: the bucket's guard read again after this item's own
  // write, so an agent whose sends were split over two items of the bucket keeps both halves.
  let logged = true;
  if (item.log?.length) {
    const settled = new Map<string, SendResult>();
    await readDone(deps.db, deps.tableName, item.message.messageId, part, settled);
    logged = await recordMessageDeliveries(deps, item.message, logEntries(item.message, item.log, settled, results));
  }
  measureMessage(item.message, results, []);
  logger.info('work item sent', { messageId: item.message.messageId, bucket: item.bucket, ...report, dueFailed, unreadFailed: unread.failed });
  return report.failed + dueFailed + unread.failed === 0 && logged;
}

/** The `fanout-worker` consumer: items with a failed send are reported for SQS to deliver again. */
export async function fanoutWork(event: SQSEvent, deps: FanoutDeps): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await mapLimit(event.Records ?? [], 10, async (r) => {
    let ok = false;
    try {
      ok = await handleWorkItem(deps, JSON.parse(r.body) as WorkItem);
    } catch (e) {
      logger.error('work item failed', { sqsMessageId: r.messageId, error: errorName(e) });
    }
    if (!ok) failures.push({ itemIdentifier: r.messageId });
  });
  return { batchItemFailures: failures };
}

/** When the message arrived (the owed entry's age, SPEC §4); a stored date that does not parse counts as now. */
function arrivedAt(createdAt: string): number {
  const t = Date.parse(createdAt);
  return Number.isFinite(t) ? t : Date.now();
}
