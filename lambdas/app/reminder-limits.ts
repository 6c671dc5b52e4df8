/**
 * How many reminder workers may run at once: the `reminder-work` consumer's maximum concurrency
 * (lib/routes.ts QUEUES) and the divisor of SES's send rate each worker paces itself to.
 */
export const REMINDER_MAX_WORKERS = 4;
/** A worker's Lambda timeout (s); it stops taking agents STOP_MARGIN_MS before it. */
export const REMINDER_WORKER_TIMEOUT_S = 120;
/** Agents one worker works on at once (its partition alone; SES pacing bounds the sends anyway). */
export const REMINDER_WORKER_AGENTS = 8;
