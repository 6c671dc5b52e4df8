/**
 * The fan-out's attention hooks (SPEC §11.2, §11.4):
 *  - `unreadMarks`: one UpdateItem per recipient on their UNREAD item (store/unread.ts), made
 *    just before that recipient's sends, naming the devices about to get an alert; its answer is
 *    the badge that recipient's frames and pushes carry;
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

/** The badge writes of one message (or work item): each agent's made once, on first ask. */
export interface UnreadMarks {
  /** The agent's badge after this message (its write made now, or the one already made); undefined if the write failed. */
  badge(agentId: string): Promise<number | undefined>;
  /** Make the writes of `agentIds` not asked for yet (recipients with nothing to send). */
  all(agentIds: readonly string[]): Promise<void>;
  /** Writes that failed: the record (or item) must be retried (the write is idempotent). */
  failed(): number;
}

/**
 * C unread for each agent asked for, up to the message, with the devices of `sends` that are alert
 * pushes for them. The sends ask per agent just before their own frames and pushes (app/fanout.ts
 * `deliver`), so an agent's frames wait for that agent's write only, not for every recipient's. A
 * failed write leaves that agent's badge out of its frames and pushes and counts as failed.
 */
export function unreadMarks(deps: Deps, m: VisitorMessage, sends: readonly Send[]): UnreadMarks {
  const devices = new Map<string, string[]>();
  for (const s of sends) if (s.channel === 'mobile') devices.set(s.agentId, [...(devices.get(s.agentId) ?? []), s.deviceId]);
  const made = new Map<string, Promise<number | undefined>>();
  let failed = 0;
  const badge = (agentId: string) => {
    let p = made.get(agentId);
    if (!p) {
      p = markUnread(deps.db, deps.tableName, { workspaceId: m.workspaceId, agentId }, m.conversationId, m.seq, devices.get(agentId) ?? []).catch((e: unknown) => {
        failed++;
        logger.warn('unread badge not recorded', { messageId: m.messageId, agentId, error: errorName(e) });
        return undefined;
      });
      made.set(agentId, p);
    }
    return p;
  };
  return {
    badge,
    all: async (agentIds) => {
      await mapLimit(
        agentIds.filter((id) => !made.has(id)),
        UNREAD_CONCURRENCY,
        badge,
      );
    },
    failed: () => failed,
  };
}

/** Every one of `agentIds` marked unread (the ones the work items do not send to). */
export async function markRecipientsUnread(deps: Deps, m: VisitorMessage, agentIds: readonly string[], sends: readonly Send[]): Promise<{ failed: number }> {
  const marks = unreadMarks(deps, m, sends);
  await marks.all(agentIds);
  return { failed: marks.failed() };
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
