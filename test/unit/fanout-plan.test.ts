import { bucketOf, bucketsFor, planSends, sendKey, workItems, WORK_BUCKETS } from '../../lambdas/domain/fanout-plan.js';
import { planFanout } from '../../lambdas/domain/fanout-plan.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';
import type { VisitorMessage } from '../../lambdas/domain/visitor-message.js';

const s = (over: Partial<NotificationSettings> = {}): NotificationSettings => ({ ...defaultSettings(), ...over });
const visitor: Pick<VisitorMessage, 'fromType' | 'fromId'> = { fromType: 'visitor', fromId: 'vis1' };
const plan = (assignee: string | null, candidates: Array<[string, Partial<NotificationSettings>]>, from = visitor) =>
  planFanout(
    from,
    assignee,
    candidates.map(([agentId, over]) => ({ agentId, settings: s(over) })),
  );

describe('recipients (SPEC §2)', () => {
  test('assigned to Z: Z and every scope-all agent; a scope-assigned agent with unassigned on is not one', () => {
    const out = plan('Z', [
      ['Z', { scope: 'assigned', unassigned: false }],
      ['X', { scope: 'all', unassigned: false }],
      ['Y', { scope: 'assigned', unassigned: true }],
    ]);
    expect(out.map((d) => d.agentId)).toEqual(['Z', 'X']);
  });

  test('unassigned: scope-all agents and agents with unassigned on', () => {
    const out = plan(null, [
      ['X', { scope: 'all', unassigned: false }],
      ['Y', { scope: 'assigned', unassigned: true }],
      ['W', { scope: 'assigned', unassigned: false }],
    ]);
    expect(out.map((d) => d.agentId)).toEqual(['X', 'Y']);
  });

  test('an agent listed twice (assignee and scope-all) is notified once', () => {
    expect(
      plan('Z', [
        ['Z', { scope: 'all' }],
        ['Z', { scope: 'all' }],
      ]).map((d) => d.agentId),
    ).toEqual(['Z']);
  });
});

describe('channels (SPEC §1–2)', () => {
  test('each recipient gets the channels they turned on; email needs both toggles', () => {
    const out = plan(null, [
      ['A', { scope: 'all' }],
      ['B', { scope: 'all', desktop: false }],
      ['C', { scope: 'all', mobile: false, email: true, emailUnreadReminder: true }],
      ['D', { scope: 'all', email: true, emailUnreadReminder: false }],
    ]);
    expect(out).toEqual([
      { agentId: 'A', channels: ['desktop', 'mobile'] },
      { agentId: 'B', channels: ['mobile'] },
      { agentId: 'C', channels: ['desktop', 'email'] },
      { agentId: 'D', channels: ['desktop', 'mobile'] },
    ]);
  });

  test('a recipient with every channel off is left out', () => {
    expect(plan(null, [['A', { scope: 'all', desktop: false, mobile: false }]])).toEqual([]);
  });
});

test("an agent's own message notifies nobody, not even other agents", () => {
  expect(
    plan(
      'Z',
      [
        ['Z', {}],
        ['X', { scope: 'all' }],
      ],
      { fromType: 'agent', fromId: 'Z' },
    ),
  ).toEqual([]);
});

describe('planSends and work buckets (issue 12)', () => {
  const targets = {
    A: {
      connections: [
        { connectionId: 'c1', until: 2000 },
        { connectionId: 'c0', until: 999 },
      ],
      devices: [{ deviceId: 'd1', platform: 'GCM' as const, endpointArn: 'arn:e1' }],
    },
    B: { connections: [{ connectionId: 'c2', until: 5000 }], devices: [] },
  };
  const plan = planSends(
    [
      { agentId: 'A', channels: ['desktop', 'mobile'] },
      { agentId: 'B', channels: ['mobile', 'email'] },
      { agentId: 'C', channels: ['desktop'] },
    ],
    (id) => targets[id as 'A' | 'B'],
    1000,
  );

  test('one send per live connection and device on the channels on; an ended connection is skipped; email recipients listed', () => {
    expect(plan.sends.map(sendKey)).toEqual(['A#c1', 'A#d1']);
    expect(plan.due).toEqual(['B']);
  });

  test("an agent's bucket is stable and in range, and a big message's work items keep each agent in one bucket", () => {
    for (const id of ['A', 'agent-17', 'x'.repeat(200)]) {
      expect(bucketOf(id, 64)).toBe(bucketOf(id, 64));
      expect(bucketOf(id, 64)).toBeGreaterThanOrEqual(0);
      expect(bucketOf(id, 64)).toBeLessThan(64);
    }
    const sends = Array.from({ length: 500 }, (_, i) => ({ channel: 'desktop' as const, agentId: `a${i % 250}`, connectionId: `c${i}` }));
    const m = { workspaceId: 'w', conversationId: 'c', messageId: 'm', seq: 1, fromType: 'visitor' as const, fromId: 'v', body: 'b', createdAt: 't' };
    const items = workItems(m, null, sends, ['a1']);
    expect(items.reduce((n, it) => n + it.sends.length, 0)).toBe(500);
    for (const it of items) for (const s of it.sends) expect(bucketOf(s.agentId, bucketsFor(500))).toBe(it.bucket);
    expect(bucketsFor(101)).toBe(3);
    expect(bucketsFor(100_000)).toBe(WORK_BUCKETS);
    expect(items.filter((it) => it.due.includes('a1'))).toHaveLength(1);
    expect(Math.max(...items.map((it) => it.sends.length))).toBeLessThanOrEqual(100);
  });
});
