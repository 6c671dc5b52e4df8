/**
 * What the fan-out does for one recipient who may not want to be interrupted (SPEC §11.4–11.6):
 * whether their frames ask for a browser notification (`notify`), how much of the visitor and the
 * message their pushes show (`pushPreview`), and whether their alert pushes are held, and why —
 * do-not-disturb or quiet hours (domain/attention.ts `quietState`, at the message's fan-out time),
 * or a recent `active` from a console tab with `mobileOnlyWhenAway` on. Plain rules, no AWS.
 */
import { MAX_DND_MS, quietState, type Quiet } from './attention.js';
import type { NotificationSettings, PushPreview } from './settings.js';

/** SPEC §11.6: an `active` in the last 2 minutes means "at the desk". */
export const ACTIVE_WINDOW_MS = 2 * 60_000;
/**
 * The console sends `active` at most once a minute per tab; a stored instant younger than this is
 * not written again, so several tabs cost about one write a minute, and the instant is never more
 * than ~50 s behind (well inside the 2-minute window).
 */
export const ACTIVE_REFRESH_MS = 50_000;

/** Why nothing went on a channel (SPEC §12 `detail`), as the plan records it for the delivery log. */
export type SuppressionDetail = 'desktop_off' | 'mobile_off' | 'email_off' | 'no_connection' | 'no_device' | Quiet | 'active_on_desktop';

/** What the fan-out reads of a recipient's attention state (copied on the profile and list items). */
export interface Presence {
  /** ISO instant do-not-disturb ends (PUT /v1/me/do-not-disturb); absent when none. */
  doNotDisturbUntil?: string;
  /** ISO instant of the agent's last `active` frame (rounded by ACTIVE_REFRESH_MS). */
  activeAt?: string;
}

export interface Attention {
  /** `chat.message` frames carry it: false during do-not-disturb or quiet hours (SPEC §7, §11.4). */
  notify: boolean;
  preview: PushPreview;
  /** Alert pushes held for this reason; absent when they go. */
  holdMobile?: Quiet | 'active_on_desktop';
}

export function isActive(activeAt: string | undefined, nowMs: number): boolean {
  const t = Date.parse(activeAt ?? '');
  return Number.isFinite(t) && nowMs - t < ACTIVE_WINDOW_MS && t <= nowMs + ACTIVE_WINDOW_MS;
}

/** Whether a new `active` should be written (false: the stored one is fresh enough). */
export function activeIsStale(activeAt: string | undefined, nowMs: number): boolean {
  const t = Date.parse(activeAt ?? '');
  return !Number.isFinite(t) || nowMs - t >= ACTIVE_REFRESH_MS || t > nowMs + ACTIVE_REFRESH_MS;
}

export function attentionOf(a: { settings: Pick<NotificationSettings, 'quietHours' | 'pushPreview' | 'mobileOnlyWhenAway'> } & Presence, nowMs: number): Attention {
  const quiet = quietState(a.settings, a.doNotDisturbUntil, nowMs);
  if (quiet) return { notify: false, preview: a.settings.pushPreview, holdMobile: quiet };
  if (a.settings.mobileOnlyWhenAway && isActive(a.activeAt, nowMs)) return { notify: true, preview: a.settings.pushPreview, holdMobile: 'active_on_desktop' };
  return { notify: true, preview: a.settings.pushPreview };
}

/**
 * `PUT /v1/me/do-not-disturb` (SPEC §11.4): what to store for `until` at `nowMs`. `null` or a past
 * instant ends it (null); more than 7 days ahead is refused; otherwise the instant, normalised to
 * `toISOString()` (UTC, milliseconds).
 */
export function dndUntil(until: string | null, nowMs: number): { ok: true; until: string | null } | { ok: false; message: string } {
  if (until === null) return { ok: true, until: null };
  const t = Date.parse(until);
  if (!Number.isFinite(t)) return { ok: false, message: 'until: is not an ISO-8601 instant' };
  if (t <= nowMs) return { ok: true, until: null };
  if (t - nowMs > MAX_DND_MS) return { ok: false, message: 'until: must be at most 7 days ahead' };
  return { ok: true, until: new Date(t).toISOString() };
}

/** The instant a stored do-not-disturb shows as (`GET /v1/me`): null when none or past. */
export function activeDnd(stored: string | undefined, nowMs: number): string | null {
  const t = Date.parse(stored ?? '');
  return Number.isFinite(t) && t > nowMs ? new Date(t).toISOString() : null;
}

/**
 * An ISO-8601 instant as the route takes it: date, time to the minute at least, and a zone (Z or
 * ±hh:mm) — a date alone or a local time without zone names no instant. Date.parse then checks it.
 */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export function isIsoInstant(s: string): boolean {
  return ISO_INSTANT.test(s) && Number.isFinite(Date.parse(s));
}
