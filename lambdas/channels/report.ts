/** What the fan-out did for one message (or one work item). `failed` ones must be retried. */
export interface ChannelReport {
  /** Delivered now. */
  sent: number;
  /** Already handled by an earlier delivery of the same record or work item. */
  skipped: number;
  /** Settled without delivery: connection gone, endpoint disabled, rejected for good. */
  dropped: number;
  /** Not delivered and worth retrying. */
  failed: number;
}

export function emptyReport(): ChannelReport {
  return { sent: 0, skipped: 0, dropped: 0, failed: 0 };
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
