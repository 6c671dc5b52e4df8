import { inQuietHours, isValidTimeZone, localClock, quietState } from '../../lambdas/domain/attention.js';
import { withDefaults } from '../../lambdas/domain/settings.js';

const at = (iso: string) => Date.parse(iso);

describe('quiet hours (SPEC §11.4)', () => {
  const night = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' };

  it('reads the wall clock of the agent, not UTC', () => {
    // 2026-12-02 is a Wednesday; Berlin is UTC+1 in December.
    expect(localClock('Europe/Berlin', at('2026-12-02T21:30:00Z'))).toEqual({ day: 3, minutes: 22 * 60 + 30 });
    expect(localClock('America/New_York', at('2026-12-02T03:00:00Z'))).toEqual({ day: 2, minutes: 22 * 60 });
  });

  it('a window past midnight holds on both sides of it, and not after its end', () => {
    expect(inQuietHours(night, at('2026-12-02T20:59:00Z'))).toBe(false); // 21:59 Berlin
    expect(inQuietHours(night, at('2026-12-02T21:00:00Z'))).toBe(true); // 22:00
    expect(inQuietHours(night, at('2026-12-02T23:30:00Z'))).toBe(true); // 00:30 next day
    expect(inQuietHours(night, at('2026-12-03T05:59:00Z'))).toBe(true); // 06:59
    expect(inQuietHours(night, at('2026-12-03T06:00:00Z'))).toBe(false); // 07:00
  });

  it('days name the day a window starts on', () => {
    const fridayNight = { ...night, days: [5] };
    expect(inQuietHours(fridayNight, at('2026-12-04T22:00:00Z'))).toBe(true); // Fri 23:00
    expect(inQuietHours(fridayNight, at('2026-12-05T02:00:00Z'))).toBe(true); // Sat 03:00, Friday's window
    expect(inQuietHours(fridayNight, at('2026-12-05T22:00:00Z'))).toBe(false); // Sat 23:00
    const lunch = { start: '12:00', end: '13:00', timeZone: 'UTC', days: [1, 2, 3, 4, 5] };
    expect(inQuietHours(lunch, at('2026-12-02T12:30:00Z'))).toBe(true); // Wednesday
    expect(inQuietHours(lunch, at('2026-12-06T12:30:00Z'))).toBe(false); // Sunday
  });

  it('follows daylight saving time through Intl', () => {
    const morning = { start: '08:00', end: '09:00', timeZone: 'America/New_York' };
    expect(inQuietHours(morning, at('2026-07-01T12:30:00Z'))).toBe(true); // EDT, 08:30
    expect(inQuietHours(morning, at('2026-12-01T12:30:00Z'))).toBe(false); // EST, 07:30
  });

  it('knows IANA names and refuses others', () => {
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('do-not-disturb holds until its instant, then quiet hours decide', () => {
    const s = withDefaults({ quietHours: night });
    expect(quietState(s, '2026-12-02T12:00:00Z', at('2026-12-02T11:00:00Z'))).toBe('do_not_disturb');
    expect(quietState(s, '2026-12-02T12:00:00Z', at('2026-12-02T12:00:00Z'))).toBeNull();
    expect(quietState(s, null, at('2026-12-02T22:00:00Z'))).toBe('quiet_hours');
    expect(quietState(withDefaults({}), null, at('2026-12-02T22:00:00Z'))).toBeNull();
  });
});

describe('settings defaults (SPEC §2)', () => {
  it('fills the newer fields on an older record', () => {
    const s = withDefaults({ desktop: false, scope: 'all' });
    expect(s).toEqual({ desktop: false, mobile: true, email: false, emailUnreadReminder: false, scope: 'all', unassigned: true, pushPreview: 'full', quietHours: null, mobileOnlyWhenAway: false });
  });
});
