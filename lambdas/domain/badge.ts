/**
 * Whose unread badge a visitor message counts in (SPEC §11.2): every recipient of §2, "whatever
 * their channels" — an agent with desktop, mobile and email all off still sees the count in the
 * console and in GET /v1/me. Agents left out for inactivity (§10.4) get nothing, as in planFanout.
 */
import { recipients, type AgentSettings } from './recipients.js';
import { isInactive } from './agent-activity.js';
import type { Activity } from './fanout-plan.js';
import type { VisitorMessage } from './visitor-message.js';

export function badgeRecipients(
  m: Pick<VisitorMessage, 'fromType' | 'fromId'>,
  assigneeId: string | null | undefined,
  candidates: readonly AgentSettings[],
  activity?: Activity,
): string[] {
  if (m.fromType !== 'visitor') return [];
  return recipients(candidates, assigneeId, m.fromId)
    .filter((r) => !activity || !isInactive(r, activity.nowMs, activity.inactiveDays))
    .map((r) => r.agentId);
}
