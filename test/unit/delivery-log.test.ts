/** The delivery log's pure rules (lambdas/domain/delivery-log.ts, SPEC §12). */
import { deliveryOf, mergeDeliveries, messageEntry, pendingEntry, reasonOf } from '../../lambdas/domain/delivery-log.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';

const agent = (agentId: string, s: Partial<NotificationSettings> = {}) => ({ agentId, settings: { ...defaultSettings(), ...s } });
const NOW_S = 1_000_000;
const live = { connections: [{ connectionId: 'c1', until: NOW_S + 60 }], devices: [{ deviceId: 'd1', platform: 'GCM' as const, endpointArn: 'arn:e' }] };

test('reason: the assignee, scope-all agents, and the unassigned-on agents of an unassigned conversation', () => {
  expect(reasonOf(agent('z'), 'z')).toBe('assigned');
  expect(reasonOf(agent('a', { scope: 'all' }), 'z')).toBe('scope_all');
  expect(reasonOf(agent('a', { scope: 'all' }), null)).toBe('scope_all');
  expect(reasonOf(agent('u'), null)).toBe('unassigned');
});

test('pending: settings and missing targets suppress with their detail; email is due with both toggles on', () => {
  expect(pendingEntry(agent('a', { desktop: false, mobile: false }), null, live, NOW_S).base).toEqual([
    { channel: 'desktop', outcome: 'suppressed', detail: 'desktop_off' },
    { channel: 'mobile', outcome: 'suppressed', detail: 'mobile_off' },
    { channel: 'email', outcome: 'suppressed', detail: 'email_off' },
  ]);
  // A connection past its end counts as none.
  const ended = { connections: [{ connectionId: 'c0', until: NOW_S }], devices: [] };
  expect(pendingEntry(agent('a', { email: true, emailUnreadReminder: true }), null, ended, NOW_S).base).toEqual([
    { channel: 'desktop', outcome: 'suppressed', detail: 'no_connection' },
    { channel: 'mobile', outcome: 'suppressed', detail: 'no_device' },
    { channel: 'email', outcome: 'due' },
  ]);
  expect(pendingEntry(agent('a'), null, live, NOW_S).base).toEqual([{ channel: 'email', outcome: 'suppressed', detail: 'email_off' }]);
  // The fan-out's other suppressions replace the targets of their channel.
  expect(pendingEntry(agent('a'), null, live, NOW_S, [{ channel: 'mobile', outcome: 'suppressed', detail: 'quiet_hours' }]).base).toContainEqual({
    channel: 'mobile',
    outcome: 'suppressed',
    detail: 'quiet_hours',
  });
});

test("send outcomes in the log's words", () => {
  expect(deliveryOf('desktop', 'c1', { outcome: 'sent' })).toEqual({ channel: 'desktop', target: 'c1', outcome: 'sent' });
  expect(deliveryOf('desktop', 'c1', { outcome: 'gone' })).toEqual({ channel: 'desktop', target: 'c1', outcome: 'failed', detail: 'connection_gone' });
  expect(deliveryOf('mobile', 'd1', { outcome: 'disabled', detail: 'endpoint_deleted' })).toEqual({ channel: 'mobile', target: 'd1', outcome: 'failed', detail: 'endpoint_deleted' });
  expect(deliveryOf('mobile', 'd1', { outcome: 'rejected', detail: 'provider_error' }).detail).toBe('provider_error');
  expect(deliveryOf('mobile', 'd1', 'failed')).toEqual({ channel: 'mobile', target: 'd1', outcome: 'failed', detail: 'provider_error' });
});

test('merge: a retry that sent wins over the failure it retried; an earlier target keeps its place and drops no_connection', () => {
  const merged = mergeDeliveries(
    [
      { channel: 'desktop', outcome: 'suppressed', detail: 'no_connection' },
      { channel: 'email', outcome: 'due' },
    ],
    [
      { channel: 'mobile', target: 'd1', outcome: 'failed', detail: 'provider_error' },
      { channel: 'desktop', target: 'gone1', outcome: 'failed', detail: 'connection_gone' },
      { channel: 'mobile', target: 'd1', outcome: 'sent' },
    ],
  );
  expect(merged).toEqual([
    { channel: 'desktop', target: 'gone1', outcome: 'failed', detail: 'connection_gone' },
    { channel: 'mobile', target: 'd1', outcome: 'sent' },
    { channel: 'email', outcome: 'due' },
  ]);
});

test("an entry's id is the same for the same message: a redelivery rewrites, never adds", () => {
  const m = { workspaceId: 'w', conversationId: 'c', messageId: 'm1', createdAt: '2026-01-01T00:00:00.000Z' };
  const p = pendingEntry(agent('a'), 'a', live, NOW_S);
  expect(messageEntry(m, p, []).id).toBe(messageEntry(m, p, [{ channel: 'desktop', target: 'c1', outcome: 'sent' }]).id);
  expect(messageEntry(m, p, []).id.startsWith(m.createdAt)).toBe(true);
});
