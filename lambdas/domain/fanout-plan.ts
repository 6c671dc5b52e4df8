/**
 * Who is notified of a new message, and on which channels (SPEC §1–2), decided from the
 * conversation's assignee and the agents' settings as they are now.
 */
import { recipients, type AgentSettings } from './recipients.js';
import { channelsOn, type Channel } from './settings.js';
import { isInactive } from './agent-activity.js';
import type { VisitorMessage } from './visitor-message.js';

export interface Delivery {
  agentId: string;
  channels: Channel[];
}

/** SPEC §10.4: agents unseen for `inactiveDays` days are left out (no push, no email obligation). */
export interface Activity {
  nowMs: number;
  inactiveDays: number;
}

export function planFanout(
  m: Pick<VisitorMessage, 'fromType' | 'fromId'>,
  assigneeId: string | null | undefined,
  candidates: readonly AgentSettings[],
  activity?: Activity,
): Delivery[] {
  // Only visitor messages notify: an agent's reply notifies nobody, not even other agents.
  if (m.fromType !== 'visitor') return [];
  return recipients(candidates, assigneeId, m.fromId)
    // An inactive agent has no live connection either (a connection marks them seen), so leaving
    // them out entirely costs no desktop frame anyone could have seen.
    .filter((r) => !activity || !isInactive(r, activity.nowMs, activity.inactiveDays))
    .map((r) => ({ agentId: r.agentId, channels: channelsOn(r.settings) }))
    .filter((d) => d.channels.length > 0);
}
