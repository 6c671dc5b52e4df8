/**
 * Fixed one-minute windows for the rate limits of SPEC §10.2: every request in the same minute
 * counts against one counter; the counter's item expires (TTL) a while after its minute ends.
 */
export const WINDOW_MS = 60_000;
/** DynamoDB deletes expired items within days, not at once: the window is part of the key, so a late delete is harmless. */
const TTL_GRACE_S = 60;

export interface RateWindow {
  /** Part of the counter's key: the window's start, `YYYY-MM-DDTHH:MM` (UTC). */
  id: string;
  endsAtMs: number;
  /** Whole seconds to the window's end, at least 1: the `Retry-After` of a refusal. */
  retryAfterS: number;
  /** Epoch seconds for the counter's `ttl` attribute, past the window's end. */
  ttl: number;
}

export function rateWindow(nowMs: number, windowMs = WINDOW_MS): RateWindow {
  const start = Math.floor(nowMs / windowMs) * windowMs;
  const endsAtMs = start + windowMs;
  return {
    id: new Date(start).toISOString().slice(0, 16),
    endsAtMs,
    retryAfterS: Math.max(1, Math.ceil((endsAtMs - nowMs) / 1000)),
    ttl: Math.ceil(endsAtMs / 1000) + TTL_GRACE_S,
  };
}

/** The limits of SPEC §10.2 (the per-workspace one is the workspace's `conversationsPerMinute`). */
export const LIMITS = {
  conversationsPerAddress: 5,
  visitorMessagesPerConversation: 20,
} as const;
