import { planFanout } from '../../lambdas/domain/fanout-plan.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';
import type { VisitorMessage } from '../../lambdas/domain/visitor-message.js';

const s = (over: Partial<NotificationSettings> = {}): NotificationSettings => ({ ...defaultSettings(), ...over });
const visitor: Pick<VisitorMessage, 'fromType' | 'fromId'> = { fromType: 'visitor', fromId: 'vis1' };
const plan = (assignee: string | null, candidates: Array<[string, Partial<NotificationSettings>]>, from = visitor) =>
  planFanout(from, assignee, candidates.map(([agentId, over]) => ({ agentId, settings: s(over) })));

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
    expect(plan('Z', [['Z', { scope: 'all' }], ['Z', { scope: 'all' }]]).map((d) => d.agentId)).toEqual(['Z']);
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
  expect(plan('Z', [['Z', {}], ['X', { scope: 'all' }]], { fromType: 'agent', fromId: 'Z' })).toEqual([]);
});
