/**
 * The reminder's wiring, shared by the dispatcher and the worker (not a handler: a handler module
 * exports `handler` only): its dependencies from the configuration, and sending work items to the
 * `reminder-work` queue. Until the shared queue plumbing (lambdas/platform/queue.ts sendBatch) is on
 * this branch, a small SendMessageBatch of its own.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { dynamo, sesClient } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { newId } from '../domain/ids.js';
import type { ReminderDeps, ReminderWorkItem } from '../app/reminder.js';

/** The reminder's dependencies from the configuration; `sendRatePerS` is this function's share. */
export function reminderDeps(sendRatePerS: number): ReminderDeps {
  const c = config();
  return {
    db: dynamo(),
    ses: sesClient(),
    tableName: c.tableName,
    emailFrom: c.emailFrom,
    consoleUrl: c.consoleUrl,
    inactiveDays: c.agentInactiveDays,
    minAgeMs: c.reminderMinAgeS * 1000,
    sendRatePerS,
    ...(c.sesConfigurationSet ? { configurationSet: c.sesConfigurationSet } : {}),
    // One id per attempt, not the request id: Lambda reuses that when it retries an event, and a
    // lease's owner should name the attempt that holds it.
    runId: newId('run'),
  };
}

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
