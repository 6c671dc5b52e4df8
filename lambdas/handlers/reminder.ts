/**
 * The 5-minute reminder rule's function (SPEC §4): the dispatcher. A scheduled event from the rule
 * sends one work item per partition of the `due` index to the `reminder-work` queue, and the
 * workers (reminder-worker.ts) do the rest in parallel. Any other invocation (the offline stack's
 * `POST /_local/reminders/run`, a manual invoke, tests), or a stack without the queue, runs every
 * partition in this invocation and returns the whole run's summary.
 */
import type { Context } from 'aws-lambda';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { newId } from '../domain/ids.js';
import { dispatchReminder, runReminderInline, type ReminderSummary } from '../app/reminder.js';
import { enqueueReminderWork, reminderDeps } from './reminder-wiring.js';

export type { ReminderSummary };

function isScheduledEvent(e: unknown): boolean {
  const ev = e as { source?: unknown; 'detail-type'?: unknown } | undefined;
  return ev?.source === 'aws.events' && ev['detail-type'] === 'Scheduled Event';
}

export const handler = async (event?: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<ReminderSummary | { dispatched: number }> => {
  const c = config();
  if (isScheduledEvent(event) && c.reminderWorkQueueUrl) {
    const queueUrl = c.reminderWorkQueueUrl;
    const runId = newId('run');
    logger.info('reminder run start', { runId, mode: 'dispatch', requestId: context?.awsRequestId });
    return dispatchReminder({ runId, enqueue: (items) => enqueueReminderWork(queueUrl, items) });
  }
  // Alone: nothing else sends beside this run, so it paces at the whole rate.
  const deps = reminderDeps(c.sesMaxSendRate);
  logger.info('reminder run requested', { runId: deps.runId, requestId: context?.awsRequestId });
  return runReminderInline(deps);
};
