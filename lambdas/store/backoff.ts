/**
 * The wait after losing an optimistic write (a refused condition, a transaction conflict) before
 * reading again and retrying. Full jitter under a cap that doubles from 5 ms to 500 ms: a crowd of
 * writers on one item spreads out instead of all retrying every round, so the refused writes (each
 * billed like a write on AWS) stop growing with the square of the crowd (BENCHMARKS.md, "Posts racing
 * for a seq"). A fixed small cap made 14 writers of one agent's profile run out of tries on a busy machine.
 */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The longest wait after the lost-th lost try (lost ≥ 1). */
export function backoffCapMs(lost: number): number {
  return Math.min(500, 5 * 2 ** Math.min(Math.max(0, lost - 1), 10));
}

/** Wait after the lost-th lost try; never past `deadline` (an epoch ms) when one is given. */
export function backOff(lost: number, deadline = Number.POSITIVE_INFINITY): Promise<void> {
  return sleep(Math.min(Math.max(0, deadline - Date.now()), Math.random() * backoffCapMs(lost)));
}
