/**
 * Who is notified of a new message, and on which channels (SPEC §1–2), decided from the
 * conversation's assignee and the agents' settings as they are now.
 */
import { recipients, type AgentSettings } from './recipients.js';
import { channelsOn, type Channel } from './settings.js';
import type { VisitorMessage } from './visitor-message.js';

export interface Delivery {
  agentId: string;
  channels: Channel[];
}

export function planFanout(
  m: Pick<VisitorMessage, 'fromType' | 'fromId'>,
  assigneeId: string | null | undefined,
  candidates: readonly AgentSettings[],
): Delivery[] {
  // Only visitor messages notify: an agent's reply notifies nobody, not even other agents.
  if (m.fromType !== 'visitor') return [];
  return recipients(candidates, assigneeId, m.fromId)
    .map((r) => ({ agentId: r.agentId, channels: channelsOn(r.settings) }))
    .filter((d) => d.channels.length > 0);
}
