/**
 * The rules that end WebSocket connections (SPEC §10.3, §10.4), free of AWS: the per-agent cap, a
 * token's expiry, and which expiry minutes a sweep reads.
 */

/** At most this many live connections per agent; a newer one closes the oldest. */
export const MAX_CONNECTIONS_PER_AGENT = 20;

/**
 * How far back a sweep looks: a run that EventBridge delivered late, or a few failed runs, are
 * caught up. Older misses are not: API Gateway ends every connection after 2 hours anyway.
 */
export const EXPIRY_LOOKBACK_MINUTES = 15;

/** The connections to close so that at most `max` remain: the oldest first, never `keep` (the new one). */
export function connectionsOverCap<T extends { connectionId: string; connectedAt: string }>(conns: readonly T[], keep: string, max = MAX_CONNECTIONS_PER_AGENT): T[] {
  const excess = conns.length - max;
  if (excess <= 0) return [];
  return conns
    .filter((c) => c.connectionId !== keep)
    .sort((a, b) => (a.connectedAt < b.connectedAt ? -1 : a.connectedAt > b.connectedAt ? 1 : a.connectionId < b.connectionId ? -1 : 1))
    .slice(0, excess);
}

/** A token expiry (epoch s) that has passed at `nowMs`; an unknown expiry is not expired. */
export function isExpired(expiresAt: number | undefined, nowMs = Date.now()): boolean {
  return expiresAt !== undefined && expiresAt * 1000 <= nowMs;
}

/** One instant (epoch s) in each UTC minute from `lookback` minutes ago up to the current one, oldest first. */
export function expiryMinutes(nowS: number, lookback = EXPIRY_LOOKBACK_MINUTES): number[] {
  const current = Math.floor(nowS / 60) * 60;
  return Array.from({ length: lookback + 1 }, (_, i) => current - (lookback - i) * 60);
}
