/**
 * The catch-up after do-not-disturb or quiet hours (SPEC §11.4), run by the reminder: for each
 * entry of a `CATCHUP#{shard}` partition whose quiet has ended (store/catch-up.ts), re-read the
 * agent (profile: settings, do-not-disturb, enabled devices' copies; UNREAD: the count). Still quiet
 * (DND extended, another window began): the entry moves to the new end. Otherwise the entry is
 * deleted under the condition that it is the one read — an overlapping run or a redelivered work
 * item loses that delete and sends nothing — and, when the agent still has unread conversations and
 * mobile on, each enabled device gets one alert: "While you were away", "N unread conversations",
 * collapse key `catch-up`, badge N. A run that dies between the delete and the sends loses that
 * catch-up (at most once: a doubled alert is what the user complained about; the badge stays right).
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { k } from '../store/keys.js';
import { dueCatchUps, recordCatchUp, takeCatchUp, type CatchUpEntry } from '../store/catch-up.js';
import { getUnreadCount } from '../store/unread.js';
import { targetsOf } from '../store/targets.js';
import { withDefaults, type NotificationSettings } from '../domain/settings.js';
import { quietState } from '../domain/attention.js';
import { catchUpPush, quietEndsAt } from '../domain/attention-push.js';
import { publishAttention } from '../channels/attention-push.js';
import { errorInfo, logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';

export interface CatchUpDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  runId: string;
  now?: () => number;
}

export interface CatchUpSummary {
  /** Agents sent a catch-up (one push per enabled device). */
  catchUps: number;
  failed: number;
}

const CONCURRENCY = 8;

/** One catch-up partition: every entry whose quiet is over. */
export async function runCatchUps(deps: CatchUpDeps, partition: string): Promise<CatchUpSummary> {
  const nowMs = (deps.now ?? Date.now)();
  const summary: CatchUpSummary = { catchUps: 0, failed: 0 };
  const entries = await dueCatchUps(deps.db, deps.tableName, partition, nowMs);
  await mapLimit(entries, CONCURRENCY, async (e) => {
    try {
      if (await catchUpAgent(deps, e, nowMs)) summary.catchUps++;
    } catch (err) {
      summary.failed++;
      logger.error('catch-up failed', { runId: deps.runId, workspaceId: e.workspaceId, agentId: e.agentId, error: errorInfo(err) });
    }
  });
  return summary;
}

async function catchUpAgent(deps: CatchUpDeps, e: CatchUpEntry, nowMs: number): Promise<boolean> {
  const ids = { workspaceId: e.workspaceId, agentId: e.agentId };
  const log = { runId: deps.runId, ...ids };
  const [profileRead, unread] = await Promise.all([
    deps.db.send(new GetCommand({ TableName: deps.tableName, Key: k.agent(e.workspaceId, e.agentId), ConsistentRead: true })),
    getUnreadCount(deps.db, deps.tableName, ids),
  ]);
  const profile = profileRead.Item;
  const settings: NotificationSettings = withDefaults(profile?.settings as Partial<NotificationSettings> | undefined);
  const dnd = typeof profile?.doNotDisturbUntil === 'string' ? profile.doNotDisturbUntil : undefined;
  if (profile && typeof profile.removedAt !== 'string' && quietState(settings, dnd, nowMs)) {
    const end = quietEndsAt(settings, dnd, nowMs);
    if (end !== undefined && end > e.endsAtMs) {
      await recordCatchUp(deps.db, deps.tableName, ids, end);
      logger.info('catch-up moved: agent still quiet', log);
      return false;
    }
  }
  // Ours to send, once: the conditional delete comes first.
  if (!(await takeCatchUp(deps.db, deps.tableName, e))) return false;
  if (!profile || typeof profile.removedAt === 'string' || !settings.mobile || unread === 0) {
    logger.info('catch-up ended without a push', { ...log, unread, mobile: settings.mobile });
    return false;
  }
  const devices = targetsOf(profile).devices;
  const sent = await Promise.all(devices.map((d) => publishAttention(deps.sns, { agentId: e.agentId, ...d }, catchUpPush(d.platform, unread), 'catch-up')));
  logger.info('catch-up sent', { ...log, unread, devices: devices.length, sent: sent.filter((s) => s === 'sent').length });
  return devices.length > 0;
}
