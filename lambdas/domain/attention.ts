/**
 * Whether an agent wants to be interrupted right now (SPEC §11.4): do-not-disturb until an instant,
 * or a daily quiet-hours window in the agent's IANA time zone. Plain rules, no AWS: the fan-out uses
 * them to hold alert pushes and send `notify: false`, the reminder to hold emails and to send the
 * catch-up once the window is over.
 */
import type { NotificationSettings, QuietHours } from './settings.js';

export type Quiet = 'do_not_disturb' | 'quiet_hours';

/** SPEC §11.4: do-not-disturb is set at most 7 days ahead. */
export const MAX_DND_MS = 7 * 24 * 3600 * 1000;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isValidTime(s: string): boolean {
  return HHMM.test(s);
}

/** A time zone Intl knows (IANA names; `Intl` throws RangeError for an unknown one). */
export function isValidTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `timeZone` at `nowMs`: weekday (0 = Sunday) and minutes since midnight. */
export function localClock(timeZone: string, nowMs: number): { day: number; minutes: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(nowMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAYS[get('weekday')] ?? 0, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

/**
 * Inside the window at `nowMs`? The start is inside, the end is not. A window whose end is before its
 * start runs past midnight: its second half belongs to the day it started on (`days` names start days).
 * start = end is an empty window.
 */
export function inQuietHours(q: QuietHours, nowMs: number): boolean {
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (!Number.isFinite(start) || !Number.isFinite(end) || start === end || !isValidTimeZone(q.timeZone)) return false;
  const { day, minutes } = localClock(q.timeZone, nowMs);
  const on = (d: number) => !q.days || q.days.includes(d);
  if (start < end) return minutes >= start && minutes < end && on(day);
  if (minutes >= start) return on(day);
  if (minutes < end) return on((day + 6) % 7);
  return false;
}

/** Do-not-disturb first (it is what the agent chose last), then quiet hours; null when the agent may be interrupted. */
export function quietState(settings: Pick<NotificationSettings, 'quietHours'>, doNotDisturbUntil: string | null | undefined, nowMs: number): Quiet | null {
  if (doNotDisturbUntil) {
    const until = Date.parse(doNotDisturbUntil);
    if (Number.isFinite(until) && until > nowMs) return 'do_not_disturb';
  }
  if (settings.quietHours && inQuietHours(settings.quietHours, nowMs)) return 'quiet_hours';
  return null;
}
