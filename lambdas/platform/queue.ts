/**
 * Sending work to a queue (lib/routes.ts QUEUES). Bodies go as JSON, ten to a SendMessageBatch
 * (SQS's most per request). A batch answers per entry: entries SQS reports as `Failed` are sent
 * again with a short backoff; if some are still failed after the last attempt, `sendBatch` throws
 * so the producer's own retry takes over (its stream record or queue message is retried whole;
 * consumers are idempotent, so the entries that did go through may arrive twice).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 *
 * Requests themselves (throttling, 5xx, timeouts) are retried by the SDK (clients.ts bounds them).
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS's limit of entries per SendMessageBatch. */
export const BATCH_LIMIT = 10;

export interface SendBatchOptions {
  /** Attempts per chunk, the first included (default 3). */
  attempts?: number;
  /** Backoff before the n-th retry: baseDelayMs × 2^(n-1), with jitter (default 50 ms). */
  baseDelayMs?: number;
}

/** Some entries stayed failed: `failed` holds SQS's codes (never the bodies). */
export class SendBatchError extends Error {
  constructor(
    readonly failed: { code: string; senderFault: boolean }[],
    readonly sent: number,
  ) {
    super(`${failed.length} message(s) not sent to the queue (${[...new Set(failed.map((f) => f.code))].join(', ')}); ${sent} sent`);
    this.name = 'SendBatchError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Send `bodies` (each JSON-encoded) to `queueUrl`; resolves with the number sent. */
export async function sendBatch(sqs: SQSClient, queueUrl: string, bodies: readonly unknown[], opts: SendBatchOptions = {}): Promise<number> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  const base = opts.baseDelayMs ?? 50;
  const failed: { code: string; senderFault: boolean }[] = [];
  let sent = 0;
  for (let i = 0; i < bodies.length; i += BATCH_LIMIT) {
    // Entry ids are positions in the chunk: unique within the request, which is all SQS asks.
    let pending: SendMessageBatchRequestEntry[] = bodies.slice(i, i + BATCH_LIMIT).map((b, j) => ({ Id: String(j), MessageBody: JSON.stringify(b) }));
    let lastFailures: { code: string; senderFault: boolean }[] = [];
    for (let attempt = 1; pending.length > 0 && attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(base * 2 ** (attempt - 2) * (0.5 + Math.random()));
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      sent += out.Successful?.length ?? 0;
      const failures = out.Failed ?? [];
      lastFailures = failures.map((f) => ({ code: f.Code ?? 'Unknown', senderFault: f.SenderFault ?? false }));
      // A sender fault (a malformed entry) fails the same way again: no point retrying it.
      const retry = new Set(failures.filter((f) => !f.SenderFault).map((f) => f.Id));
      if (failures.some((f) => f.SenderFault)) {
        failed.push(...lastFailures.filter((f) => f.senderFault));
        lastFailures = lastFailures.filter((f) => !f.senderFault);
      }
      pending = pending.filter((e) => retry.has(e.Id));
    }
    if (pending.length > 0) failed.push(...lastFailures);
  }
  if (failed.length > 0) throw new SendBatchError(failed, sent);
  return sent;
}
