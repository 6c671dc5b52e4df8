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
/**
 * The work queues' MaximumMessageSize (lib/constructs/work-queue.ts sets it; the local SQS enforces
 * it): one body, and the sum of a batch's bodies, may not exceed it. SQS allows up to 1 MiB when
 * the queue is set higher; 256 KiB is its long-standing default.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
export const MAX_MESSAGE_BYTES = 262_144;

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

/** JSON bodies in requests of at most 10 entries and MAX_MESSAGE_BYTES in all; bodies over the limit apart. */
function chunks(bodies: readonly unknown[]): { requests: string[][]; tooLarge: number } {
  const requests: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  let tooLarge = 0;
  for (const b of bodies) {
    const text = JSON.stringify(b);
    const size = Buffer.byteLength(text, 'utf8');
    if (size > MAX_MESSAGE_BYTES) {
      tooLarge++;
      continue;
    }
    if (current.length === BATCH_LIMIT || bytes + size > MAX_MESSAGE_BYTES) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(text);
    bytes += size;
  }
  if (current.length) requests.push(current);
  return { requests, tooLarge };
}

/**
 * Send `bodies` (each JSON-encoded) to `queueUrl`; resolves with the number sent. A body over
 * MAX_MESSAGE_BYTES is never sent (SQS would refuse it every time): the others are, then the
 * SendBatchError lists it as `MessageTooLarge` with `senderFault: true`.
 */
export async function sendBatch(sqs: SQSClient, queueUrl: string, bodies: readonly unknown[], opts: SendBatchOptions = {}): Promise<number> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  const base = opts.baseDelayMs ?? 50;
  const { requests, tooLarge } = chunks(bodies);
  const failed: { code: string; senderFault: boolean }[] = Array.from({ length: tooLarge }, () => ({ code: 'MessageTooLarge', senderFault: true }));
  let sent = 0;
  for (const request of requests) {
    // Entry ids are positions in the request: unique within it, which is all SQS asks.
    let pending: SendMessageBatchRequestEntry[] = request.map((text, j) => ({ Id: String(j), MessageBody: text }));
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
