/**
 * The fan-out's attention hooks (SPEC §11.2, §11.4):
 *  - `markRecipientsUnread`: one UpdateItem per recipient on their UNREAD item (store/unread.ts),
 *    before the sends, naming the devices about to get an alert; the answers are the badges the
 *    frames and pushes carry;
 *  - `withholdQuietPushes`: the alert pushes of agents in do-not-disturb or quiet hours are not
 *    sent, and each such agent is owed one catch-up (store/catch-up.ts `recordCatchUp`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';
import { markUnread } from '../store/unread.js';
import { recordCatchUp } from '../store/catch-up.js';
import type { Candidate } from '../store/agents.js';
import { quietState } from '../domain/attention.js';
import { quietEndsAt } from '../domain/attention-push.js';
import type { Send } from '../domain/fanout-plan.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { errorName } from '../channels/report.js';

interface Deps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/** Badge writes in flight at once. */
const UNREAD_CONCURRENCY = 32;

/**
 * C unread for each of `agentIds` up to the message, with the devices of `sends` that are alert
 * pushes for them. A failed write leaves that agent's badge out of its frames and pushes and counts
 * as failed, so the record is retried (the write is idempotent).
 */
export async function markRecipientsUnread(
  deps: Deps,
  m: VisitorMessage,
  agentIds: readonly string[],
  sends: readonly Send[],
): Promise<{ badges: Map<string, number>; failed: number }> {
  const devices = new Map<string, string[]>();
  for (const s of sends) if (s.channel === 'mobile') devices.set(s.agentId, [...(devices.get(s.agentId) ?? []), s.deviceId]);
  const badges = new Map<string, number>();
  let failed = 0;
  await mapLimit(agentIds, UNREAD_CONCURRENCY, async (agentId) => {
    try {
      badges.set(agentId, await markUnread(deps.db, deps.tableName, { workspaceId: m.workspaceId, agentId }, m.conversationId, m.seq, devices.get(agentId) ?? []));
    } catch (e) {
      failed++;
      logger.warn('unread badge not recorded', { messageId: m.messageId, agentId, error: errorName(e) });
    }
  });
  return { badges, failed };
}

/**
 * The sends without the alert pushes of quiet agents (their frames stay), and a catch-up recorded
 * for each of them. A failed record counts as failed (the record is retried; the push stays withheld).
 */
export async function withholdQuietPushes(
  deps: Deps,
  m: VisitorMessage,
  candidates: readonly Candidate[],
  sends: readonly Send[],
  nowMs: number,
): Promise<{ sends: Send[]; failed: number }> {
  const byId = new Map(candidates.map((c) => [c.agentId, c]));
  const quiet = new Map<string, number>();
  for (const s of sends) {
    if (s.channel !== 'mobile' || quiet.has(s.agentId)) continue;
    const c = byId.get(s.agentId);
    if (!c || !quietState(c.settings, c.doNotDisturbUntil, nowMs)) continue;
    const end = quietEndsAt(c.settings, c.doNotDisturbUntil, nowMs);
    if (end !== undefined) quiet.set(s.agentId, end);
  }
  if (quiet.size === 0) return { sends: [...sends], failed: 0 };
  let failed = 0;
  await mapLimit([...quiet.entries()], UNREAD_CONCURRENCY, async ([agentId, endsAtMs]) => {
    try {
      await recordCatchUp(deps.db, deps.tableName, { workspaceId: m.workspaceId, agentId }, endsAtMs);
    } catch (e) {
      failed++;
      logger.warn('catch-up not recorded', { messageId: m.messageId, agentId, error: errorName(e) });
    }
  });
  logger.info('alert pushes withheld: agents quiet', { messageId: m.messageId, agents: quiet.size });
  return { sends: sends.filter((s) => !(s.channel === 'mobile' && quiet.has(s.agentId))), failed };
}
