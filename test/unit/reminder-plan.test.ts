import { planReminder, type ObligationState } from '../../lambdas/domain/reminder-plan.js';
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

  test('email needs both toggles: either one off drops the obligation', () => {
    expect(planReminder(state({ settings: on({ emailUnreadReminder: false }) }))).toEqual({ kind: 'drop', reason: 'email-off' });
    expect(planReminder(state({ settings: on({ email: false }) }))).toEqual({ kind: 'drop', reason: 'email-off' });
  });

  test('an agent who is no longer a recipient (assigned to someone else, scope "assigned") is not emailed', () => {
    expect(planReminder(state({ agentId: 'Y', settings: on({ scope: 'assigned' }), assigneeId: 'Z' }))).toEqual({
      kind: 'drop',
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
      kind: 'drop',
      reason: 'not-recipient',
    });
  });

  test('a conversation that no longer exists is dropped', () => {
    expect(planReminder(state({ gone: true }))).toEqual({ kind: 'drop', reason: 'conversation-gone' });
  });
});
