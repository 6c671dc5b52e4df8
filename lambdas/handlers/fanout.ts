/**
 * The stream fan-out (SPEC §1–3). For each new visitor message: read the conversation and the
 * candidates' settings now, decide who hears about it, then push the desktop frame, the mobile
 * pushes, and record the email obligation the 5-minute reminder will find. Every send is guarded
 * per (message, channel, target), so a redelivered record or a retried batch notifies each target
 * at most once; a record with any failed send is reported in `batchItemFailures` for a retry.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { connectionsClient, dynamo, snsClient } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';
import { messageFromRecord } from '../store/stream-message.js';
import { conversationWithCandidates } from '../store/recipients.js';
import { recordDue } from '../store/positions.js';
import { planFanout, type Delivery } from '../domain/fanout-plan.js';
import { chatMessageFrame } from '../domain/frames.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { notifyDesktop } from '../channels/desktop.js';
import { notifyMobile } from '../channels/mobile.js';
import { addReports, emptyReport, errorName, type ChannelReport } from '../channels/report.js';

export interface FanoutDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  connections: () => ApiGatewayManagementApiClient;
}

/** Conversations handled side by side; records of one conversation stay in stream order. */
const CONVERSATION_CONCURRENCY = 4;
/** Recipients of one message notified side by side: a large workspace must not open hundreds of calls at once. */
const RECIPIENT_CONCURRENCY = 16;

async function notifyRecipient(deps: FanoutDeps, m: VisitorMessage, d: Delivery, assigneeId: string | null): Promise<ChannelReport> {
  const agent = { workspaceId: m.workspaceId, agentId: d.agentId };
  const work: Array<Promise<ChannelReport>> = [];
  if (d.channels.includes('desktop')) work.push(notifyDesktop(deps, agent, chatMessageFrame(m, assigneeId)));
  if (d.channels.includes('mobile')) work.push(notifyMobile(deps, agent, m));
  if (d.channels.includes('email')) {
    // Idempotent: a redelivery finds the obligation already recorded (or read, or emailed).
    work.push(recordDue(deps.db, deps.tableName, { ...agent, conversationId: m.conversationId }, m.seq, arrivedAt(m.createdAt)).then(() => emptyReport()));
  }
  const settled = await Promise.allSettled(work);
  let report = emptyReport();
  for (const s of settled) {
    if (s.status === 'fulfilled') report = addReports(report, s.value);
    else {
      report.failed++;
      logger.warn('recipient channel failed', { messageId: m.messageId, agentId: d.agentId, error: errorName(s.reason) });
    }
  }
  return report;
}

/** When the message arrived (the owed entry's age, SPEC §4); a stored date that does not parse counts as now. */
function arrivedAt(createdAt: string): number {
  const t = Date.parse(createdAt);
  return Number.isFinite(t) ? t : Date.now();
}

/** True when the record was fully handled; false when some target must be retried. */
async function handleRecord(deps: FanoutDeps, r: DynamoDBRecord): Promise<boolean> {
  const m = messageFromRecord(r);
  if (!m || m.fromType !== 'visitor') return true;
  try {
    const found = await conversationWithCandidates(deps.db, deps.tableName, m.workspaceId, m.conversationId);
    if (!found) return true;
    const { conversation: conv, candidates } = found;
    // SPEC §10.4: agents unseen for AgentInactiveDays get nothing (removed ones are not candidates at all).
    const plan = planFanout(m, conv.assigneeId, candidates, { nowMs: Date.now(), inactiveDays: config().agentInactiveDays });
    const reports = await mapLimit(plan, RECIPIENT_CONCURRENCY, (d) => notifyRecipient(deps, m, d, conv.assigneeId));
    const total = reports.reduce(addReports, emptyReport());
    logger.info('message fanned out', {
      messageId: m.messageId,
      conversationId: m.conversationId,
      seq: m.seq,
      recipients: plan.length,
      ...total,
    });
    return total.failed === 0;
  } catch (e) {
    logger.error('fan-out of a message failed', { messageId: m.messageId, conversationId: m.conversationId, error: errorName(e) });
    return false;
  }
}

export async function fanout(event: DynamoDBStreamEvent, deps: FanoutDeps): Promise<DynamoDBBatchResponse> {
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
    batchItemFailures: (event.Records ?? [])
      .filter((r) => failed.has(r))
      .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
  };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  fanout(event, { db: dynamo(), tableName: config().tableName, sns: snsClient(), connections: connectionsClient });
