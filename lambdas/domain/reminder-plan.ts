/**
 * What the reminder does with one pending obligation (SPEC §4), decided from the state as it is at
 * check time, not as it was when the visitor message arrived: settings, assignee and positions.
 */
import { isRecipient, type AgentSettings } from './recipients.js';
import { wantsEmail, type NotificationSettings } from './settings.js';
import { quietState } from './attention.js';
import { isDue, type Position } from './read-state.js';
import { isInactive } from './agent-activity.js';

/** What is owed ends after this long (SPEC §4): a week-old unread chat is the console's business. */
export const OWED_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export interface ObligationState {
  agent: AgentSettings;
  /** The conversation as it is now; undefined when it no longer exists. */
  conversation?: { assigneeId: string | null | undefined; lastVisitorSeq: number };
  /** The agent's positions; `dueSeq` is the newest owed visitor message, `dueAtMs` when it arrived. */
  position: Position & { dueSeq?: number; dueAtMs?: number };
  /** The check's clock and SPEC §4's ReminderMinAgeSeconds (ms); both default to "no wait". */
  nowMs?: number;
  minAgeMs?: number;
}

export type ReminderPlan =
  /** List the visitor messages in (afterSeq, upToSeq] in this agent's email. */
  | { kind: 'email'; afterSeq: number; upToSeq: number }
  /** What was owed ends without an email (the conversation is gone, or a week has passed). */
  | { kind: 'drop'; reason: 'conversation-gone' | 'expired' }
  /** Not eligible now, or too fresh: send nothing for it now and keep what is owed for a later check. */
  | { kind: 'hold'; reason: 'email-off' | 'not-recipient' | 'too-recent' }
  /** Already read or emailed up to what was owed: nothing to send, the obligation is met. */
  | { kind: 'nothing-due' };

/**
 * The owed part of the conversation: up to `dueSeq` (what arrived while the agent was a recipient
 * with email on, or was unread when C was assigned to them). An item without `dueSeq` (a caller
 * that only knows the conversation) counts up to the newest visitor message.
 */
function owedUpTo(s: ObligationState): number {
  return s.position.dueSeq ?? s.conversation?.lastVisitorSeq ?? 0;
}

export function planReminder(s: ObligationState): ReminderPlan {
  if (!s.conversation) return { kind: 'drop', reason: 'conversation-gone' };
  const nowMs = s.nowMs ?? Date.now();
  // Only this agent's own positions count: another agent reading the conversation changes nothing here.
  const upToSeq = Math.min(owedUpTo(s), s.conversation.lastVisitorSeq);
  if (!isDue(upToSeq, s.position)) return { kind: 'nothing-due' };
  if (s.position.dueAtMs !== undefined && nowMs - s.position.dueAtMs > OWED_MAX_AGE_MS) return { kind: 'drop', reason: 'expired' };
  // Both toggles, checked now; off for a minute keeps what is owed (SPEC §4) instead of dropping it.
  if (!wantsEmail(s.agent.settings)) return { kind: 'hold', reason: 'email-off' };
  // The recipient rule again, now: reassigned away (and perhaps back later) holds, it does not forget.
  if (!isRecipient(s.agent, s.conversation.assigneeId)) return { kind: 'hold', reason: 'not-recipient' };
  // ReminderMinAgeSeconds: a conversation whose newest owed message is younger waits for the next
  // check as a whole, so the agent (who may be reading it right now) gets one email about it, later.
  if (s.position.dueAtMs !== undefined && nowMs - s.position.dueAtMs < (s.minAgeMs ?? 0)) return { kind: 'hold', reason: 'too-recent' };
  return { kind: 'email', afterSeq: Math.max(s.position.readSeq, s.position.emailedSeq), upToSeq };
}

/** Whether assigning C to an agent makes them owed its unread visitor messages (SPEC §4). */
export function owedOnAssignment(a: { settings: AgentSettings['settings'] }, lastVisitorSeq: number, p: Position): boolean {
  // Email on now: turning it on later makes them owed from the next message, not this history.
  return wantsEmail(a.settings) && isDue(lastVisitorSeq, p);
}

/** SES's account-wide rate shared by the workers that may run at once: each paces itself at its part. */
export function perWorkerSendRate(maxSendRate: number, maxWorkers: number): number {
  return maxSendRate / Math.max(1, maxWorkers);
}

/**
 * The next send slot of a pacer sending `ratePerS` emails a second: never before `nowMs`, and at
 * least one interval after the previous slot. Returns the slot (ms); the caller waits until then.
 */
export function nextSendSlot(previousSlotMs: number | undefined, nowMs: number, ratePerS: number): number {
  if (previousSlotMs === undefined || !(ratePerS > 0) || !Number.isFinite(ratePerS)) return nowMs;
  return Math.max(nowMs, previousSlotMs + 1000 / ratePerS);
}

/** Whether a time-bounded worker may still take another agent: enough time left for one agent's work. */
export function mayClaimMore(remainingMs: number, marginMs: number): boolean {
  return remainingMs > marginMs;
}

/** The agent-level part of the check, before any conversation is read (SPEC §10.3–10.4). */
export interface AgentState {
  removedAt?: string;
  lastSeenAt?: string;
  createdAt?: string;
  /** The token's `email_verified` as last seen; missing = not said, so verified. */
  emailVerified?: boolean;
  emailStatus?: 'failing';
  /** SPEC §11.4: quiet hours (settings) and do-not-disturb hold the email; absent: never quiet. */
  settings?: Pick<NotificationSettings, 'quietHours'>;
  doNotDisturbUntil?: string;
}

export type AgentVerdict =
  | { kind: 'send' }
  /** Nothing owed is ever to be emailed: forget it. */
  | { kind: 'drop'; reason: 'removed' | 'inactive' }
  /** Send nothing now, keep what is owed (it goes out once the cause is fixed). */
  | { kind: 'hold'; reason: 'email-unverified' | 'email-failing' | 'do_not_disturb' | 'quiet_hours' };

export function planAgentReminder(a: AgentState, nowMs: number, inactiveDays: number): AgentVerdict {
  if (a.removedAt) return { kind: 'drop', reason: 'removed' };
  // Away for AgentInactiveDays: no emails until they sign in again, and what they missed meanwhile
  // is in the console, not in a late digest.
  if (isInactive(a, nowMs, inactiveDays)) return { kind: 'drop', reason: 'inactive' };
  if (a.emailVerified === false) return { kind: 'hold', reason: 'email-unverified' };
  // A permanent refusal or a bounce: not retried every 5 minutes; a settings save or sign-in clears it.
  if (a.emailStatus === 'failing') return { kind: 'hold', reason: 'email-failing' };
  // SPEC §4 / §11.4: while the agent is quiet the email waits; the obligations stay due.
  const quiet = a.settings ? quietState(a.settings, a.doNotDisturbUntil, nowMs) : null;
  if (quiet) return { kind: 'hold', reason: quiet };
  return { kind: 'send' };
}

/** The digest's order (SPEC §10.3): newest activity first; ties by id, so the order is stable. */
export function newestActivityFirst<T extends { lastActivityAt: string; conversationId: string }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.lastActivityAt === b.lastActivityAt ? a.conversationId.localeCompare(b.conversationId) : a.lastActivityAt < b.lastActivityAt ? 1 : -1));
}
