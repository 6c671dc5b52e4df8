/**
 * One work queue of lib/routes.ts QUEUES: the SQS queue, its dead-letter queue (redrive after
 * `maxReceiveCount` receives), and the event source mapping to the consumer with
 * ReportBatchItemFailures, so only the messages a consumer lists are retried.
 *
 * AWS facts:
 * - Lambda's SQS poller needs the queue's visibility timeout to be at least the function's
 *   timeout, and AWS recommends at least six times it, so a throttled or retried batch is not
 *   redelivered while still being processed; this construct refuses less than six times.
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 * - A standard queue's mapping without a batching window takes batches of 1–10.
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
 * - ScalingConfig.MaximumConcurrency is 2–1000.
 *   https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html
 * - MaximumMessageSize is set to 262,144 bytes (256 KiB): the size the local SQS enforces
 *   (local/sqs-server.ts); SQS allows up to 1 MiB when set higher.
 */
import { CfnResource, Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { WorkQueue } from '../routes.js';
import { acknowledge } from './nag.js';

/** CloudFormation metadata naming the QUEUES entry of a queue (test/support/iam-check.ts reads it). */
export const WORK_QUEUE_METADATA = 'AgentChat::WorkQueue';
export const MAX_MESSAGE_BYTES = 262_144;

/** Why an entry cannot be built as it stands, or undefined when it can. */
export function workQueueProblem(q: WorkQueue): string | undefined {
  if (!Number.isInteger(q.batchSize) || q.batchSize < 1 || q.batchSize > 10) return `batchSize ${q.batchSize} is not 1–10`;
  if (q.visibilityTimeoutS < 6 * q.consumerTimeoutS) {
    return `visibilityTimeoutS ${q.visibilityTimeoutS} is less than 6 × consumerTimeoutS (${6 * q.consumerTimeoutS}), as AWS recommends for Lambda consumers`;
  }
  if (q.visibilityTimeoutS > 43_200) return `visibilityTimeoutS ${q.visibilityTimeoutS} is over SQS's 12 hours`;
  if (q.consumerTimeoutS < 1 || q.consumerTimeoutS > 900) return `consumerTimeoutS ${q.consumerTimeoutS} is not 1–900`;
  if (!Number.isInteger(q.maxReceiveCount) || q.maxReceiveCount < 1 || q.maxReceiveCount > 1000) return `maxReceiveCount ${q.maxReceiveCount} is not 1–1000`;
  if (q.consumerConcurrency !== undefined && (q.consumerConcurrency < 2 || q.consumerConcurrency > 1000)) return `consumerConcurrency ${q.consumerConcurrency} is not 2–1000`;
  if (!/^[A-Za-z0-9_-]{1,76}$/.test(q.id)) return `id ${q.id} is not 1–76 letters, digits, - and _ (the DLQ adds -dlq)`;
  return undefined;
}

export class WorkQueueResources extends Construct {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;

  constructor(
    scope: Construct,
    id: string,
    readonly entry: WorkQueue,
  ) {
    super(scope, id);
    const problem = workQueueProblem(entry);
    if (problem) throw new Error(`lib/routes.ts QUEUES entry '${entry.id}': ${problem}`);

    this.dlq = new sqs.Queue(this, 'Dlq', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    acknowledge(this.dlq, 'SQS3', 'This queue is the dead-letter queue of a work queue.');
    this.queue = new sqs.Queue(this, 'Queue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      visibilityTimeout: Duration.seconds(entry.visibilityTimeoutS),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      // SQS's default 4 days, or longer when the receives before the DLQ could take longer, so a
      // message is dead-lettered rather than expiring unseen (capped at SQS's 14 days).
      retentionPeriod: Duration.seconds(Math.min(14 * 86_400, Math.max(4 * 86_400, entry.maxReceiveCount * entry.visibilityTimeoutS + 3600))),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: entry.maxReceiveCount },
    });
    for (const [q, role] of [
      [this.queue, 'queue'],
      [this.dlq, 'dlq'],
    ] as const) {
      (q.node.defaultChild as CfnResource).addMetadata(WORK_QUEUE_METADATA, { id: entry.id, role });
    }
  }

  /** The consumer, fed by an event source mapping as QUEUES says. */
  attachConsumer(fn: lambda.IFunction): void {
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: this.entry.batchSize,
        reportBatchItemFailures: true,
        ...(this.entry.consumerConcurrency !== undefined ? { maxConcurrency: this.entry.consumerConcurrency } : {}),
      }),
    );
  }
}
