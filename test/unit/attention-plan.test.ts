import { activeDnd, activeIsStale, attentionOf, dndUntil, isIsoInstant, ACTIVE_REFRESH_MS, ACTIVE_WINDOW_MS } from '../../lambdas/domain/attention-plan.js';
import { MAX_DND_MS } from '../../lambdas/domain/attention.js';
import { planRecipients, planSends, sendKey, workItems, type Targets } from '../../lambdas/domain/fanout-plan.js';
import { defaultSettings, type NotificationSettings } from '../../lambdas/domain/settings.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const s = (over: Partial<NotificationSettings> = {}): NotificationSettings => ({ ...defaultSettings(), ...over });
const iso = (ms: number) => new Date(ms).toISOString();

describe('attention of a recipient at fan-out time (SPEC §11.4–11.6)', () => {
  test('nothing set: notify, full preview, pushes go', () => {
    expect(attentionOf({ settings: s() }, NOW)).toEqual({ notify: true, preview: 'full' });
  });

  test('do-not-disturb until a later instant holds pushes and sends notify false; a past one does nothing', () => {
    expect(attentionOf({ settings: s(), doNotDisturbUntil: iso(NOW + 60_000) }, NOW)).toEqual({ notify: false, preview: 'full', holdMobile: 'do_not_disturb' });
    expect(attentionOf({ settings: s(), doNotDisturbUntil: iso(NOW - 1) }, NOW)).toEqual({ notify: true, preview: 'full' });
  });

  test('quiet hours across midnight in Asia/Kolkata (UTC+5:30): 17:00Z is 22:30 there', () => {
    const settings = s({ quietHours: { start: '22:00', end: '06:00', timeZone: 'Asia/Kolkata' }, pushPreview: 'name' });
    expect(attentionOf({ settings }, Date.parse('2026-12-02T17:00:00Z'))).toEqual({ notify: false, preview: 'name', holdMobile: 'quiet_hours' });
    expect(attentionOf({ settings }, Date.parse('2026-12-02T23:00:00Z')).holdMobile).toBe('quiet_hours'); // 04:30 next day
    expect(attentionOf({ settings }, Date.parse('2026-12-03T01:00:00Z'))).toEqual({ notify: true, preview: 'name' }); // 06:30
  });

  test('mobileOnlyWhenAway: an active in the last 2 minutes holds pushes (frames still notify); an older one does not', () => {
    const settings = s({ mobileOnlyWhenAway: true });
    expect(attentionOf({ settings, activeAt: iso(NOW - 30_000) }, NOW)).toEqual({ notify: true, preview: 'full', holdMobile: 'active_on_desktop' });
    expect(attentionOf({ settings, activeAt: iso(NOW - ACTIVE_WINDOW_MS - 1) }, NOW).holdMobile).toBeUndefined();
    expect(attentionOf({ settings }, NOW).holdMobile).toBeUndefined();
    // Without the setting an active agent still gets pushes.
    expect(attentionOf({ settings: s(), activeAt: iso(NOW - 1000) }, NOW).holdMobile).toBeUndefined();
  });

  test('do-not-disturb wins over active', () => {
    expect(attentionOf({ settings: s({ mobileOnlyWhenAway: true }), activeAt: iso(NOW), doNotDisturbUntil: iso(NOW + 1000) }, NOW).holdMobile).toBe('do_not_disturb');
  });

  test('an active younger than ~50 s is not written again', () => {
    expect(activeIsStale(undefined, NOW)).toBe(true);
    expect(activeIsStale(iso(NOW - ACTIVE_REFRESH_MS + 1000), NOW)).toBe(false);
    expect(activeIsStale(iso(NOW - ACTIVE_REFRESH_MS), NOW)).toBe(true);
    expect(ACTIVE_REFRESH_MS).toBeLessThan(ACTIVE_WINDOW_MS);
  });
});

describe('PUT /v1/me/do-not-disturb rules', () => {
  test('null or a past instant ends it; up to 7 days ahead is stored normalised; beyond is refused', () => {
    expect(dndUntil(null, NOW)).toEqual({ ok: true, until: null });
    expect(dndUntil(iso(NOW - 1000), NOW)).toEqual({ ok: true, until: null });
    expect(dndUntil('2026-12-02T13:30:00+01:00', NOW)).toEqual({ ok: true, until: '2026-12-02T12:30:00.000Z' });
    expect(dndUntil(iso(NOW + MAX_DND_MS), NOW)).toEqual({ ok: true, until: iso(NOW + MAX_DND_MS) });
    expect(dndUntil(iso(NOW + MAX_DND_MS + 1), NOW).ok).toBe(false);
  });

  test('an ISO-8601 instant needs a date, a time and a zone', () => {
    for (const ok of ['2026-12-02T12:00:00Z', '2026-12-02T12:00Z', '2026-12-02T12:00:00.123Z', '2026-12-02T17:30:00+05:30']) expect(isIsoInstant(ok)).toBe(true);
    for (const bad of ['2026-12-02', '2026-12-02T12:00:00', 'tomorrow', '2026-13-02T12:00:00Z', '2026-12-02 12:00:00Z', '1733140800000', '']) expect(isIsoInstant(bad)).toBe(false);
  });

  test('GET /v1/me shows a stored instant only while it is ahead', () => {
    expect(activeDnd(undefined, NOW)).toBeNull();
    expect(activeDnd(iso(NOW - 1), NOW)).toBeNull();
    expect(activeDnd(iso(NOW + 1000), NOW)).toBe(iso(NOW + 1000));
  });
});

describe('planSends with attention: frames notify, pushes held, reasons recorded', () => {
  const targets: Record<string, Targets> = {
    quiet: { connections: [{ connectionId: 'cq', until: 2e9 }], devices: [{ deviceId: 'dq', platform: 'APNS', endpointArn: 'arn:q' }] },
    busy: { connections: [{ connectionId: 'cb', until: 2e9 }], devices: [{ deviceId: 'db', platform: 'GCM', endpointArn: 'arn:b' }] },
    free: { connections: [], devices: [{ deviceId: 'df', platform: 'GCM', endpointArn: 'arn:f' }] },
    off: { connections: [{ connectionId: 'co', until: 2e9 }], devices: [] },
  };
  const settings: Record<string, NotificationSettings> = {
    quiet: s({ scope: 'all' }),
    busy: s({ scope: 'all', mobileOnlyWhenAway: true }),
    free: s({ scope: 'all', pushPreview: 'none', email: true, emailUnreadReminder: true }),
    off: s({ scope: 'all', desktop: false, mobile: false }),
  };
  const presence: Record<string, { doNotDisturbUntil?: string; activeAt?: string }> = {
    quiet: { doNotDisturbUntil: iso(NOW + 3_600_000) },
    busy: { activeAt: iso(NOW - 10_000) },
  };
  const candidates = Object.keys(settings).map((agentId) => ({ agentId, settings: settings[agentId]!, ...presence[agentId] }));
  const recipients = planRecipients({ fromType: 'visitor', fromId: 'v' }, null, candidates);
  const plan = planSends(
    recipients,
    (id) => targets[id],
    NOW / 1000,
    (id) =>
      attentionOf(
        candidates.find((c) => c.agentId === id)!,
        NOW,
      ),
  );

  test('a quiet agent gets the frame with notify false and no push; an active one the frame (notify true) and no push', () => {
    expect(plan.sends).toEqual([
      { channel: 'desktop', agentId: 'busy', connectionId: 'cb', notify: true },
      { channel: 'desktop', agentId: 'quiet', connectionId: 'cq', notify: false },
      { channel: 'mobile', agentId: 'free', deviceId: 'df', platform: 'GCM', endpointArn: 'arn:f', preview: 'none' },
    ]);
    expect(plan.sends.map(sendKey)).not.toContain('quiet#dq');
  });

  test('every channel without a send has its reason, the all-off recipient included', () => {
    expect(plan.suppressed).toEqual(
      expect.arrayContaining([
        { agentId: 'quiet', channel: 'mobile', detail: 'do_not_disturb' },
        { agentId: 'busy', channel: 'mobile', detail: 'active_on_desktop' },
        { agentId: 'free', channel: 'desktop', detail: 'no_connection' },
        { agentId: 'off', channel: 'desktop', detail: 'desktop_off' },
        { agentId: 'off', channel: 'mobile', detail: 'mobile_off' },
        { agentId: 'quiet', channel: 'email', detail: 'email_off' },
      ]),
    );
    expect(plan.suppressed.filter((x) => x.agentId === 'free')).toEqual([{ agentId: 'free', channel: 'desktop', detail: 'no_connection' }]);
    expect(plan.due).toEqual(['free']);
  });

  test("a big message's work items (JSON on the queue) keep each send's notify and preview", () => {
    const m = { workspaceId: 'w', conversationId: 'c', messageId: 'm', seq: 1, fromType: 'visitor' as const, fromId: 'v', body: 'b', createdAt: 't' };
    const items = JSON.parse(JSON.stringify(workItems(m, null, plan.sends, plan.due)));
    expect(items.flatMap((it: { sends: unknown[] }) => it.sends)).toEqual(expect.arrayContaining(plan.sends));
  });

  test('a recipient with mobile on and no device: no_device', () => {
    const r = planSends([{ agentId: 'x', channels: ['mobile'] }], () => ({ connections: [], devices: [] }), 0);
    expect(r.suppressed).toContainEqual({ agentId: 'x', channel: 'mobile', detail: 'no_device' });
  });
});
