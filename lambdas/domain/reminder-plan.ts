/**
 * What the reminder does with one pending obligation (SPEC §4), decided from the state as it is at
 * check time, not as it was when the visitor message arrived: settings, assignee and positions.
 */
import { isRecipient, type AgentSettings } from './recipients.js';
import { wantsEmail } from './settings.js';
import { isDue, type Position } from './read-state.js';

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
