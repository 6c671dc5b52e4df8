/**
 * Sending reminder work items to the `reminder-work` queue. Until the shared queue plumbing
 * (lambdas/platform/queue.ts sendBatch) is on this branch, a small SendMessageBatch of its own.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ReminderWorkItem } from '../app/reminder.js';

let client: SQSClient | undefined;

export async function enqueueReminderWork(queueUrl: string, items: readonly ReminderWorkItem[]): Promise<void> {
  client ??= new SQSClient({ ...(process.env.SQS_ENDPOINT ? { endpoint: process.env.SQS_ENDPOINT } : {}) });
  for (let i = 0; i < items.length; i += 10) {
    const chunk = items.slice(i, i + 10);
    const r = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((it, j) => ({ Id: String(j), MessageBody: JSON.stringify(it) })) }),
    );
    if (r.Failed?.length) throw new Error(`${r.Failed.length} reminder work item(s) not queued: ${r.Failed.map((f) => f.Code).join(', ')}`);
  }
}
