/** SPEC §10.3–10.4 as pure rules: inactivity, sign-in after an event, the reminder's agent verdict, SES events. */
import { DAY_MS, isInactive, lastSeenIsStale, signedInAfter } from '../../lambdas/domain/agent-activity.js';
import { newestActivityFirst, planAgentReminder } from '../../lambdas/domain/reminder-plan.js';
import { planFanout } from '../../lambdas/domain/fanout-plan.js';
import { readSesEvent } from '../../lambdas/domain/ses-event.js';
import { defaultSettings } from '../../lambdas/domain/settings.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW - d * DAY_MS).toISOString();

describe('AgentInactiveDays (SPEC §10.4)', () => {
  test('inactive only after more than N days without use; createdAt stands in for a missing lastSeenAt', () => {
    expect(isInactive({ lastSeenAt: daysAgo(29) }, NOW, 30)).toBe(false);
    expect(isInactive({ lastSeenAt: daysAgo(30) }, NOW, 30)).toBe(false);
    expect(isInactive({ lastSeenAt: daysAgo(30.01) }, NOW, 30)).toBe(true);
    expect(isInactive({ createdAt: daysAgo(45) }, NOW, 30)).toBe(true);
    expect(isInactive({ lastSeenAt: daysAgo(1), createdAt: daysAgo(45) }, NOW, 30)).toBe(false);
    // No date at all: nothing says they left. 0 turns the rule off.
    expect(isInactive({}, NOW, 30)).toBe(false);
    expect(isInactive({ lastSeenAt: daysAgo(400) }, NOW, 0)).toBe(false);
  });

  test('lastSeenAt is refreshed about once a day', () => {
    expect(lastSeenIsStale(undefined, NOW)).toBe(true);
    expect(lastSeenIsStale(daysAgo(0.5), NOW)).toBe(false);
    expect(lastSeenIsStale(daysAgo(1), NOW)).toBe(true);
  });

  test('the fan-out leaves inactive agents out, on every channel; without the rule everyone is in', () => {
    const s = { ...defaultSettings(), scope: 'all' as const };
    const candidates = [
      { agentId: 'here', settings: s, lastSeenAt: daysAgo(2) },
      { agentId: 'away', settings: s, lastSeenAt: daysAgo(31) },
      { agentId: 'old-record', settings: s },
    ];
    const visitor = { fromType: 'visitor' as const, fromId: 'v1' };
    expect(planFanout(visitor, null, candidates, { nowMs: NOW, inactiveDays: 30 }).map((d) => d.agentId)).toEqual(['here', 'old-record']);
    expect(planFanout(visitor, null, candidates).map((d) => d.agentId)).toEqual(['here', 'away', 'old-record']);
  });
});

describe('a sign-in after an event (removal, email failure)', () => {
  test('a token authenticated in a later second passes; one from the same second or before does not', () => {
    const at = '2026-06-01T12:00:00.700Z';
    const s = Date.parse(at) / 1000;
    expect(signedInAfter(Math.floor(s) + 1, at)).toBe(true);
    expect(signedInAfter(Math.floor(s), at)).toBe(false);
    expect(signedInAfter(Math.floor(s) - 60, at)).toBe(false);
    expect(signedInAfter(Math.floor(s) + 1, undefined)).toBe(false);
  });
});

describe('the reminder, per agent', () => {
  const fresh = { lastSeenAt: daysAgo(1), createdAt: daysAgo(100) };
  test('removed and inactive agents: what they were owed is dropped', () => {
    expect(planAgentReminder({ ...fresh, removedAt: daysAgo(0.1) }, NOW, 30)).toEqual({ kind: 'drop', reason: 'removed' });
    expect(planAgentReminder({ lastSeenAt: daysAgo(31) }, NOW, 30)).toEqual({ kind: 'drop', reason: 'inactive' });
  });
  test('an unverified or failing address: nothing sent, obligations kept', () => {
    expect(planAgentReminder({ ...fresh, emailVerified: false }, NOW, 30)).toEqual({ kind: 'hold', reason: 'email-unverified' });
    expect(planAgentReminder({ ...fresh, emailStatus: 'failing' }, NOW, 30)).toEqual({ kind: 'hold', reason: 'email-failing' });
  });
  test('otherwise: send (a missing email_verified means verified)', () => {
    expect(planAgentReminder(fresh, NOW, 30)).toEqual({ kind: 'send' });
    expect(planAgentReminder({ ...fresh, emailVerified: true }, NOW, 30)).toEqual({ kind: 'send' });
  });
  test('newest activity first, ties by conversation id', () => {
    const xs = [
      { conversationId: 'b', lastActivityAt: '2026-01-01T00:00:01.000Z' },
      { conversationId: 'c', lastActivityAt: '2026-01-01T00:00:03.000Z' },
      { conversationId: 'a', lastActivityAt: '2026-01-01T00:00:01.000Z' },
    ];
    expect(newestActivityFirst(xs).map((x) => x.conversationId)).toEqual(['c', 'a', 'b']);
  });
});

describe('SES events (configuration set → SNS)', () => {
  const mail = { tags: { 'ses:configuration-set': ['cs'], workspace: ['w1'], agent: ['a1'] }, destination: ['x@example.com'] };
  test('a permanent bounce or a complaint names the agent from the message tags', () => {
    expect(readSesEvent(JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'NoEmail' }, mail }))).toEqual({
      kind: 'failing',
      workspaceId: 'w1',
      agentId: 'a1',
      reason: 'bounce:NoEmail',
    });
    expect(readSesEvent(JSON.stringify({ eventType: 'Complaint', complaint: { complaintFeedbackType: 'abuse' }, mail }))).toMatchObject({
      kind: 'failing',
      reason: 'complaint:abuse',
    });
  });
  test('transient bounces, other events, untagged mail and garbage are ignored', () => {
    expect(readSesEvent(JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Transient' }, mail })).kind).toBe('ignore');
    expect(readSesEvent(JSON.stringify({ eventType: 'Delivery', mail })).kind).toBe('ignore');
    expect(readSesEvent(JSON.stringify({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent' }, mail: {} })).kind).toBe('ignore');
    expect(readSesEvent(JSON.stringify({ eventType: 'Complaint', mail: { tags: { workspace: ['w#1'], agent: ['a1'] } } })).kind).toBe('ignore');
    expect(readSesEvent('not json').kind).toBe('ignore');
  });
});

describe("the console opens the email's unread-list link", () => {
  test('#/?filter=unread is the conversation list with the unread filter; unknown filters are the plain list', async () => {
    const { parseHash } = await import('../../web/src/console/routes.js');
    expect(parseHash('#/?filter=unread')).toEqual({ name: 'conversations', filter: 'unread' });
    expect(parseHash('#/?filter=bogus')).toEqual({ name: 'conversations' });
    expect(parseHash('#/c/conv_1')).toEqual({ name: 'conversations', openId: 'conv_1' });
  });
});
