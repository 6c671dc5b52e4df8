/**
 * Agents who leave (SPEC §10.4) and agents whose email fails (§10.3), as plain rules: who counts
 * as inactive, when the last-seen mark is worth refreshing, and whether a token is a sign-in newer
 * than some event (a removal, an email failure).
 */
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `lastSeenAt` is refreshed at most about once a day: an agent's use costs one small write a day,
 * not one per request. With AgentInactiveDays ≥ 1 a mark up to a day old never silences an agent
 * who used the product within the window minus a day.
 */
export const LAST_SEEN_REFRESH_MS = DAY_MS;

export interface Seen {
  /** ISO instant of the last use the profile recorded; missing on records older than this rule. */
  lastSeenAt?: string;
  /** ISO instant the agent was first seen: stands in for a missing lastSeenAt. */
  createdAt?: string;
}

function seenMs(s: Seen): number | undefined {
  const t = Date.parse(s.lastSeenAt ?? s.createdAt ?? '');
  return Number.isFinite(t) ? t : undefined;
}

/**
 * True when the agent has not used the API or the WebSocket for more than `inactiveDays` days.
 * `inactiveDays` 0 turns the rule off. An agent with no date at all is not silenced: nothing says
 * they left.
 */
export function isInactive(s: Seen, nowMs: number, inactiveDays: number): boolean {
  if (!(inactiveDays > 0)) return false;
  const t = seenMs(s);
  return t !== undefined && nowMs - t > inactiveDays * DAY_MS;
}

/** Whether this use should move the profile's lastSeenAt (the store makes the write conditional too). */
export function lastSeenIsStale(lastSeenAt: string | undefined, nowMs: number): boolean {
  const t = Date.parse(lastSeenAt ?? '');
  return !Number.isFinite(t) || nowMs - t >= LAST_SEEN_REFRESH_MS;
}

/**
 * Whether a token comes from a sign-in after `instant` (ISO): its `authTime` (seconds) is strictly
 * later. Seconds against milliseconds: a token signed within the same second as the event counts as
 * before it, so a token that existed at the time never passes.
 */
export function signedInAfter(authTimeS: number, instant: string | undefined): boolean {
  const t = Date.parse(instant ?? '');
  if (!Number.isFinite(t)) return false;
  return authTimeS > Math.floor(t / 1000);
}
