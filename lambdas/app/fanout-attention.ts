/**
 * The fan-out's attention hooks (SPEC §11.2, §11.4):
 *  - `markRecipientsUnread`: one UpdateItem per recipient on their UNREAD item (store/unread.ts),
 *    before the sends, naming the devices about to get an alert; the answers are the badges the
 *    frames and pushes carry;
 *  - `recordCatchUps`: each agent whose alert push the plan held for do-not-disturb or quiet hours
 *    is owed one catch-up (store/catch-up.ts `recordCatchUp`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';
import { markUnread } from '../store/unread.js';
import { recordCatchUp } from '../store/catch-up.js';
import type { Candidate } from '../store/agents.js';
import { quietEndsAt } from '../domain/attention-push.js';
import type { Send, Suppressed } from '../domain/fanout-plan.js';
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
export async function markRecipientsUnread(deps: Deps, m: VisitorMessage, agentIds: readonly string[], sends: readonly Send[]): Promise<{ badges: Map<string, number>; failed: number }> {
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
 * A catch-up owed to each agent whose alert push the plan held for do-not-disturb or quiet hours
 * (store/catch-up.ts `recordCatchUp`, due when the quiet ends). A failed record counts as failed:
 * the record is retried (the write is idempotent; the push stays held).
 */
export async function recordCatchUps(deps: Deps, m: VisitorMessage, candidates: readonly Candidate[], suppressed: readonly Suppressed[], nowMs: number): Promise<number> {
  const held = new Set(suppressed.filter((x) => x.channel === 'mobile' && (x.detail === 'do_not_disturb' || x.detail === 'quiet_hours')).map((x) => x.agentId));
  if (held.size === 0) return 0;
  const quiet: Array<[string, number]> = [];
  for (const c of candidates) {
    if (!held.has(c.agentId)) continue;
    const end = quietEndsAt(c.settings, c.doNotDisturbUntil, nowMs);
    if (end !== undefined) quiet.push([c.agentId, end]);
  }
  let failed = 0;
  await mapLimit(quiet, UNREAD_CONCURRENCY, async ([agentId, endsAtMs]) => {
    try {
      await recordCatchUp(deps.db, deps.tableName, { workspaceId: m.workspaceId, agentId }, endsAtMs);
    } catch (e) {
      failed++;
      logger.warn('catch-up not recorded', { messageId: m.messageId, agentId, error: errorName(e) });
    }
  });
  if (quiet.length > 0) logger.info('alert pushes held: agents quiet, catch-up owed', { messageId: m.messageId, agents: quiet.length });
  return failed;
}
