import { mayClaimMore, nextSendSlot, OWED_MAX_AGE_MS, owedOnAssignment, perWorkerSendRate, planReminder, type ObligationState } from '../../lambdas/domain/reminder-plan.js';
import { dueShard, duePartitions, DUE_SHARDS, k } from '../../lambdas/store/keys.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';

const on = (over: Partial<NotificationSettings> = {}): NotificationSettings => ({
  ...defaultSettings(),
  email: true,
  emailUnreadReminder: true,
  ...over,
});

function state(over: {
  agentId?: string;
  settings?: NotificationSettings;
  assigneeId?: string | null;
  lastVisitorSeq?: number;
  readSeq?: number;
  emailedSeq?: number;
  gone?: boolean;
}): ObligationState {
  return {
    agent: { agentId: over.agentId ?? 'Z', settings: over.settings ?? on() },
    conversation: over.gone ? undefined : { assigneeId: over.assigneeId === undefined ? 'Z' : over.assigneeId, lastVisitorSeq: over.lastVisitorSeq ?? 3 },
    position: { readSeq: over.readSeq ?? 0, emailedSeq: over.emailedSeq ?? 0 },
  };
}

describe('reminder plan (SPEC §2–4, evaluated at check time)', () => {
  test('the assignee with unread visitor messages is emailed about the ones after what they read', () => {
    expect(planReminder(state({ readSeq: 1, lastVisitorSeq: 4 }))).toEqual({ kind: 'email', afterSeq: 1, upToSeq: 4 });
  });

  test('messages already emailed are not listed again; a newer one is', () => {
    expect(planReminder(state({ emailedSeq: 4, lastVisitorSeq: 4 }))).toEqual({ kind: 'nothing-due' });
    expect(planReminder(state({ readSeq: 2, emailedSeq: 4, lastVisitorSeq: 6 }))).toEqual({ kind: 'email', afterSeq: 4, upToSeq: 6 });
  });

  test('reading before the check means nothing is due', () => {
    expect(planReminder(state({ readSeq: 3, lastVisitorSeq: 3 }))).toEqual({ kind: 'nothing-due' });
  });

  test('email needs both toggles: either one off at the check sends nothing now but keeps what is owed', () => {
    expect(planReminder(state({ settings: on({ emailUnreadReminder: false }) }))).toEqual({ kind: 'hold', reason: 'email-off' });
    expect(planReminder(state({ settings: on({ email: false }) }))).toEqual({ kind: 'hold', reason: 'email-off' });
  });

  test('an agent who is no longer a recipient (assigned to someone else, scope "assigned") is not emailed now, and still owed', () => {
    expect(planReminder(state({ agentId: 'Y', settings: on({ scope: 'assigned' }), assigneeId: 'Z' }))).toEqual({
      kind: 'hold',
      reason: 'not-recipient',
    });
  });

  test('scope "all" hears about a conversation assigned to someone else', () => {
    expect(planReminder(state({ agentId: 'X', settings: on({ scope: 'all' }), assigneeId: 'Z' })).kind).toBe('email');
  });

  test('unassigned: scope-all or unassigned-on agents are recipients, the others are not', () => {
    expect(planReminder(state({ agentId: 'Y', settings: on({ scope: 'assigned', unassigned: true }), assigneeId: null })).kind).toBe('email');
    expect(planReminder(state({ agentId: 'X', settings: on({ scope: 'all', unassigned: false }), assigneeId: null })).kind).toBe('email');
    expect(planReminder(state({ agentId: 'W', settings: on({ scope: 'assigned', unassigned: false }), assigneeId: null }))).toEqual({
      kind: 'hold',
      reason: 'not-recipient',
    });
  });

  test('a conversation that no longer exists is dropped', () => {
    expect(planReminder(state({ gone: true }))).toEqual({ kind: 'drop', reason: 'conversation-gone' });
  });
});

describe('what is owed (SPEC §4)', () => {
  const NOW = Date.parse('2026-12-01T12:00:00Z');
  const owed = (over: Partial<ObligationState['position']>, rest: Partial<ObligationState> = {}): ObligationState => ({
    ...state({ lastVisitorSeq: 5 }),
    position: { readSeq: 0, emailedSeq: 0, dueSeq: 5, dueAtMs: NOW - 120_000, ...over },
    nowMs: NOW,
    minAgeMs: 60_000,
    ...rest,
  });

  test('up to the owed message only: visitor messages that came while the agent was not owed them are not counted as owed', () => {
    expect(planReminder({ ...owed({ dueSeq: 3 }), conversation: { assigneeId: 'Z', lastVisitorSeq: 7 } })).toEqual({ kind: 'email', afterSeq: 0, upToSeq: 3 });
  });

  test('read or emailed up to the owed message: met, nothing to send', () => {
    expect(planReminder(owed({ readSeq: 5 }))).toEqual({ kind: 'nothing-due' });
    expect(planReminder(owed({ emailedSeq: 5 }))).toEqual({ kind: 'nothing-due' });
    // A newer message that was not owed (email was off when it came) does not revive it.
    expect(planReminder({ ...owed({ emailedSeq: 5 }), conversation: { assigneeId: 'Z', lastVisitorSeq: 9 } })).toEqual({ kind: 'nothing-due' });
  });

  test('ineligible at one check, eligible at the next: held, then emailed', () => {
    expect(planReminder({ ...owed({}), agent: { agentId: 'Z', settings: on({ email: false }) } }).kind).toBe('hold');
    expect(planReminder(owed({}))).toEqual({ kind: 'email', afterSeq: 0, upToSeq: 5 });
    // Reassigned away, then back.
    expect(planReminder({ ...owed({}), agent: { agentId: 'Z', settings: on({ scope: 'assigned', unassigned: false }) }, conversation: { assigneeId: 'Q', lastVisitorSeq: 5 } }).kind).toBe('hold');
    expect(planReminder({ ...owed({}), agent: { agentId: 'Z', settings: on({ scope: 'assigned', unassigned: false }) } }).kind).toBe('email');
  });

  test('after 7 days what is owed ends, eligible or not', () => {
    expect(planReminder(owed({ dueAtMs: NOW - OWED_MAX_AGE_MS - 1 }))).toEqual({ kind: 'drop', reason: 'expired' });
    expect(planReminder({ ...owed({ dueAtMs: NOW - OWED_MAX_AGE_MS - 1 }), agent: { agentId: 'Z', settings: on({ email: false }) } })).toEqual({
      kind: 'drop',
      reason: 'expired',
    });
    expect(planReminder(owed({ dueAtMs: NOW - OWED_MAX_AGE_MS + 1000 })).kind).toBe('email');
  });

  test('ReminderMinAgeSeconds: a younger owed message waits (held), an old enough one is emailed; 0 turns the wait off', () => {
    expect(planReminder(owed({ dueAtMs: NOW - 59_000 }))).toEqual({ kind: 'hold', reason: 'too-recent' });
    expect(planReminder(owed({ dueAtMs: NOW - 60_000 })).kind).toBe('email');
    expect(planReminder({ ...owed({ dueAtMs: NOW }), minAgeMs: 0 }).kind).toBe('email');
  });

  test('assignment makes the new assignee owed what they have not read, only with email on', () => {
    expect(owedOnAssignment({ settings: on() }, 4, { readSeq: 2, emailedSeq: 0 })).toBe(true);
    expect(owedOnAssignment({ settings: on() }, 4, { readSeq: 4, emailedSeq: 0 })).toBe(false);
    expect(owedOnAssignment({ settings: on() }, 4, { readSeq: 0, emailedSeq: 4 })).toBe(false);
    // Turning email on later makes them owed from the next message on, not for this history.
    expect(owedOnAssignment({ settings: on({ email: false }) }, 4, { readSeq: 0, emailedSeq: 0 })).toBe(false);
  });
});

describe('the sharded due index and the pacing', () => {
  test('at least 8 shards, one agent always in the same one, 1,000 agents over all of them', () => {
    expect(DUE_SHARDS).toBeGreaterThanOrEqual(8);
    expect(dueShard('ws-1', 'agent-1')).toBe(dueShard('ws-1', 'agent-1'));
    const used = new Set<string>();
    for (let i = 0; i < 1000; i++) used.add(k.duePk(`ws-${i % 100}`, `agent-${i}`));
    expect(used.size).toBe(DUE_SHARDS);
    for (const pk of used) expect(pk).toMatch(/^DUE#\d{2}$/);
    // Every shard and the legacy partition are read; the connection-expiry partitions are not.
    expect(duePartitions()).toEqual([...used].sort().concat('DUE'));
  });

  test("SES's rate is split over the workers; a pacer spaces sends by 1/rate and never waits for a send in the past", () => {
    expect(perWorkerSendRate(14, 4)).toBe(3.5);
    expect(nextSendSlot(undefined, 1000, 3.5)).toBe(1000);
    expect(nextSendSlot(1000, 1000, 4)).toBe(1250);
    expect(nextSendSlot(1000, 5000, 4)).toBe(5000);
    expect(nextSendSlot(1000, 1000, 0)).toBe(1000);
  });

  test('a worker stops taking agents when its remaining time is inside the margin', () => {
    expect(mayClaimMore(60_000, 30_000)).toBe(true);
    expect(mayClaimMore(30_000, 30_000)).toBe(false);
  });
});
