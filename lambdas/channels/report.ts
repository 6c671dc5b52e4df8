/** What a channel did for one recipient of one message. `failed` ones must be retried. */
import type { OnceResult } from '../store/notifications.js';

export interface ChannelReport {
  /** Delivered now. */
  sent: number;
  /** Already handled by an earlier delivery of the same record. */
  skipped: number;
  /** Settled without delivery: connection gone, endpoint disabled, rejected for good. */
  dropped: number;
  /** Not delivered and worth retrying (includes targets still claimed by another attempt). */
  failed: number;
}

export function emptyReport(): ChannelReport {
  return { sent: 0, skipped: 0, dropped: 0, failed: 0 };
}

export function tally(results: PromiseSettledResult<OnceResult>[]): ChannelReport {
  const r = emptyReport();
  for (const x of results) {
    if (x.status === 'rejected' || x.value === 'busy') r.failed++;
    else if (x.value === 'sent') r.sent++;
    else if (x.value === 'skipped') r.skipped++;
    else r.dropped++;
  }
  return r;
}

export function addReports(a: ChannelReport, b: ChannelReport): ChannelReport {
  return { sent: a.sent + b.sent, skipped: a.skipped + b.skipped, dropped: a.dropped + b.dropped, failed: a.failed + b.failed };
}

/** The HTTP status of an SDK error, when the service answered at all. */
export function httpStatusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function errorName(e: unknown): string {
  return (e as { name?: string } | undefined)?.name ?? 'Error';
}
