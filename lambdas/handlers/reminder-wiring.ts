/**
 * The reminder's wiring, shared by the dispatcher and the worker (not a handler: a handler module
 * exports `handler` only): its dependencies from the configuration, and sending work items to the
 * `reminder-work` queue (platform/queue.ts sendBatch: failed entries retried, throws if some stay failed).
 */
import { dynamo, sesClient, snsClient, sqsClient } from '../platform/clients.js';
import { sendBatch } from '../platform/queue.js';
import { config } from '../platform/config.js';
import { newId } from '../domain/ids.js';
import type { ReminderDeps, ReminderWorkItem } from '../app/reminder.js';

/** The reminder's dependencies from the configuration; `sendRatePerS` is this function's share. */
export function reminderDeps(sendRatePerS: number): ReminderDeps {
  const c = config();
  return {
    db: dynamo(),
    ses: sesClient(),
    sns: snsClient(),
    unsubscribe: { apiUrl: c.apiUrl, secret: c.unsubscribeSecret },
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

export async function enqueueReminderWork(queueUrl: string, items: readonly ReminderWorkItem[]): Promise<void> {
  await sendBatch(sqsClient(), queueUrl, items);
}
