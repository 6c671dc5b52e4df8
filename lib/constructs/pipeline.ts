/**
 * The notification pipeline's wiring: the table stream → fan-out mapping, and the 5-minute rule →
 * reminder. Each has a dead-letter queue so nothing fails silently; the alarms watch them.
 */
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FANOUT_FILTER } from '../../lambdas/store/table.js';
import { acknowledge } from './nag.js';
import type { HandlerFunction } from './handler-function.js';

export const REMINDER_SCHEDULE = events.Schedule.rate(Duration.minutes(5));

function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const q = new sqs.Queue(scope, id, {
    enforceSSL: true,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(q, 'SQS3', 'This queue is itself a dead-letter destination (of a Lambda event source mapping or an EventBridge target); cdk-nag only recognises SQS redrive.');
  return q;
}

export interface PipelineProps {
  table: dynamodb.ITable;
  fanout: HandlerFunction;
  reminder: HandlerFunction;
}

export class NotificationPipeline extends Construct {
  /** Stream batches the fan-out gave up on (after retries and bisection): their shard positions. */
  readonly fanoutDlq: sqs.Queue;
  /** Reminder invocations EventBridge could not deliver. */
  readonly reminderDlq: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    this.fanoutDlq = deadLetterQueue(this, 'FanoutDlq');
    props.fanout.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 100,
        bisectBatchOnError: true,
        // Bounded: a poison record must not hold its shard for the stream's whole 24 h.
        retryAttempts: 10,
        // A push hours late is noise; records older than this go to the DLQ (and its alarm).
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        filters: [lambda.FilterCriteria.filter(structuredClone(FANOUT_FILTER) as Record<string, unknown>)],
        onFailure: new SqsDlq(this.fanoutDlq),
      }),
    );
    // The mapping's ListStreams permission has no resource-level form.
    acknowledge(props.fanout.role, 'IAM5[Resource::*]', 'dynamodb:ListStreams, added by the stream event source, supports only Resource "*"; reading records is scoped to the table stream.');

    this.reminderDlq = deadLetterQueue(this, 'ReminderDlq');
    this.rule = new events.Rule(this, 'ReminderSchedule', {
      description: 'Runs the unread-message email reminder (SPEC §4)',
      schedule: REMINDER_SCHEDULE,
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.reminder.fn, {
        retryAttempts: 2,
        // The next run is 5 minutes later and picks up everything still due.
        maxEventAge: Duration.minutes(5),
        deadLetterQueue: this.reminderDlq,
      }),
    );
  }
}
