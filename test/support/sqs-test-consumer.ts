/**
 * A work-queue consumer for the offline stack's SQS event source mapping tests
 * (test/integration/sqs-poller.test.ts). It records every event it gets and fails on command:
 * a body `{ "id", "fail": "item" | "throw" | "bad-id", "times": n }` fails (reports the message in
 * `batchItemFailures`, throws, or answers an itemIdentifier of no message) while the message's
 * ApproximateReceiveCount is at most `times` (no `times`: always).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

interface Seen {
  records: SQSEvent['Records'];
  at: number;
}

/** Shared through globalThis: the stack's import and the test's are one module only if the loader says so. */
const g = globalThis as { __sqsTestConsumer?: Seen[] };
export const seen: Seen[] = (g.__sqsTestConsumer ??= []);

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  seen.push({ records: event.Records, at: Date.now() });
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const r of event.Records) {
    const b = JSON.parse(r.body) as { fail?: 'item' | 'throw' | 'bad-id'; times?: number };
    const failing = b.fail && (b.times === undefined || Number(r.attributes.ApproximateReceiveCount) <= b.times);
    if (!failing) continue;
    if (b.fail === 'throw') throw new Error('the test consumer was told to throw');
    failures.push({ itemIdentifier: b.fail === 'bad-id' ? 'no-such-message' : r.messageId });
  }
  return { batchItemFailures: failures };
}
