/**
 * What the reminder does with one pending obligation (SPEC §4), decided from the state as it is at
 * check time, not as it was when the visitor message arrived: settings, assignee and positions.
 */
import { isRecipient, type AgentSettings } from './recipients.js';
import { wantsEmail } from './settings.js';
import { isDue, type Position } from './read-state.js';
import { isInactive } from './agent-activity.js';

export interface ObligationState {
  agent: AgentSettings;
  /** The conversation as it is now; undefined when it no longer exists. */
  conversation?: { assigneeId: string | null | undefined; lastVisitorSeq: number };
  position: Position;
}

export type ReminderPlan =
  /** List the visitor messages in (afterSeq, upToSeq] in this agent's email. */
  | { kind: 'email'; afterSeq: number; upToSeq: number }
  /** The obligation no longer applies: forget it without emailing. */
  | { kind: 'drop'; reason: 'email-off' | 'not-recipient' | 'conversation-gone' }
  /** Already read or emailed since the obligation was recorded: nothing to send. */
  | { kind: 'nothing-due' };

export function planReminder(s: ObligationState): ReminderPlan {
  if (!s.conversation) return { kind: 'drop', reason: 'conversation-gone' };
  // Both toggles, checked now: switching email off stops reminders already pending.
  if (!wantsEmail(s.agent.settings)) return { kind: 'drop', reason: 'email-off' };
  // The recipient rule again, now: an agent unassigned from a conversation stops hearing about it.
  if (!isRecipient(s.agent, s.conversation.assigneeId)) return { kind: 'drop', reason: 'not-recipient' };
  // Only this agent's own positions count: another agent reading the conversation changes nothing here.
  if (!isDue(s.conversation.lastVisitorSeq, s.position)) return { kind: 'nothing-due' };
  return {
    kind: 'email',
    afterSeq: Math.max(s.position.readSeq, s.position.emailedSeq),
    upToSeq: s.conversation.lastVisitorSeq,
  };
}

/** The agent-level part of the check, before any conversation is read (SPEC §10.3–10.4). */
export interface AgentState {
  removedAt?: string;
  lastSeenAt?: string;
  createdAt?: string;
  /** The token's `email_verified` as last seen; missing = not said, so verified. */
  emailVerified?: boolean;
  emailStatus?: 'failing';
}

export type AgentVerdict =
  | { kind: 'send' }
  /** Nothing owed is ever to be emailed: forget it. */
  | { kind: 'drop'; reason: 'removed' | 'inactive' }
  /** Send nothing now, keep what is owed (it goes out once the cause is fixed). */
  | { kind: 'hold'; reason: 'email-unverified' | 'email-failing' };

export function planAgentReminder(a: AgentState, nowMs: number, inactiveDays: number): AgentVerdict {
  if (a.removedAt) return { kind: 'drop', reason: 'removed' };
  // Away for AgentInactiveDays: no emails until they sign in again, and what they missed meanwhile
  // is in the console, not in a late digest.
  if (isInactive(a, nowMs, inactiveDays)) return { kind: 'drop', reason: 'inactive' };
  if (a.emailVerified === false) return { kind: 'hold', reason: 'email-unverified' };
  // A permanent refusal or a bounce: not retried every 5 minutes; a settings save or sign-in clears it.
  if (a.emailStatus === 'failing') return { kind: 'hold', reason: 'email-failing' };
  return { kind: 'send' };
}

/** The digest's order (SPEC §10.3): newest activity first; ties by id, so the order is stable. */
export function newestActivityFirst<T extends { lastActivityAt: string; conversationId: string }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.lastActivityAt === b.lastActivityAt ? a.conversationId.localeCompare(b.conversationId) : a.lastActivityAt < b.lastActivityAt ? 1 : -1));
}
