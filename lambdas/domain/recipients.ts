/**
 * Who hears about a visitor message (SPEC §2). The same rule serves all three channels and the
 * reminder, which evaluates it again at check time.
 */
import type { NotificationSettings } from './settings.js';

export interface AgentSettings {
  agentId: string;
  settings: NotificationSettings;
  /** Last use (or first sign-in when never refreshed), for the AgentInactiveDays rule (SPEC §10.4). */
  lastSeenAt?: string;
}

/** Candidates the store must load: the assignee (if any) and the agents listed as scope-all or unassigned-on. */
export function isRecipient(agent: AgentSettings, assigneeId: string | null | undefined): boolean {
  if (assigneeId) return agent.agentId === assigneeId || agent.settings.scope === 'all';
  return agent.settings.scope === 'all' || agent.settings.unassigned;
}

/**
 * Recipients of a message in a conversation: from candidates, keep those the rule selects, once
 * each. The author (an agent replying) is never a recipient of their own message.
 */
export function recipients(candidates: readonly AgentSettings[], assigneeId: string | null | undefined, authorAgentId?: string): AgentSettings[] {
  const seen = new Set<string>();
  const out: AgentSettings[] = [];
  for (const c of candidates) {
    if (seen.has(c.agentId) || c.agentId === authorAgentId) continue;
    seen.add(c.agentId);
    if (isRecipient(c, assigneeId)) out.push(c);
  }
  return out;
}
