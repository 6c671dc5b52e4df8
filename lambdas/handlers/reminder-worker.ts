/**
 * The reminder's worker (QUEUES `reminder-work`): each record is one partition of the `due` index
 * (or the rest of one, after a cursor). The worker stops taking agents when its time runs short and
 * queues the rest as a continuation; if that cannot be queued the record is reported failed, so SQS
 * hands the whole partition out again after the visibility timeout (the leases and the recorded
 * emailed positions keep that from emailing anyone twice).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { config } from '../platform/config.js';
import { errorInfo, logger } from '../platform/logger.js';
import { perWorkerSendRate } from '../domain/reminder-plan.js';
import { Pacer, runShard } from '../app/reminder.js';
import { REMINDER_MAX_WORKERS, REMINDER_WORKER_AGENTS } from '../app/reminder-limits.js';
import { enqueueReminderWork, reminderDeps } from './reminder-wiring.js';

const workItem = z.object({ partition: z.string().check(z.regex(/^DUE(#\d{2})?$/)), afterAgent: z.optional(z.string().check(z.maxLength(600))) });

export const handler = async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> => {
  const c = config();
  // SES's rate is per account: every worker that may run at once gets its part.
  const deps = { ...reminderDeps(perWorkerSendRate(c.sesMaxSendRate, REMINDER_MAX_WORKERS)), concurrency: REMINDER_WORKER_AGENTS };
  const pacer = new Pacer(deps.sendRatePerS);
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let item;
    try {
      item = workItem.parse(JSON.parse(record.body));
    } catch {
      // Not a work item: retrying will not make it one.
      logger.error('reminder work item unreadable', { messageId: record.messageId });
      continue;
    }
    try {
      const r = await runShard(deps, item, { pacer, ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}) });
      if (r.continuation) await enqueueReminderWork(c.reminderWorkQueueUrl ?? '', [r.continuation]);
      logger.info('reminder shard done', { runId: deps.runId, partition: item.partition, continued: Boolean(r.continuation), ...r.summary });
    } catch (e) {
      logger.error('reminder shard failed', { runId: deps.runId, partition: item.partition, error: errorInfo(e) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
};
