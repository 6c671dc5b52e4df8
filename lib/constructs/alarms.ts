/**
 * Alarms on what loses or delays notifications: dead-letter queue depth, Lambda errors and
 * throttles, and the fan-out falling behind its stream. All go to one SNS topic (optionally mailed).
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StackParameters } from './parameters.js';

/** CloudWatch allows at most 10 metrics in one alarm's math expression. */
const MAX_METRICS_PER_ALARM = 10;
const PERIOD = Duration.minutes(5);
/** Where the metrics counted from log lines go. */
export const LOG_METRICS_NAMESPACE = 'AgentChatNotifications';

export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cw.Alarm[] = [];
  private readonly action: cw.IAlarmAction;

  constructor(scope: Construct, id: string, params: StackParameters) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Agent chat notifications alarms', enforceSSL: true });
    const email = new sns.CfnSubscription(this, 'EmailSubscription', {
      topicArn: this.topic.topicArn,
      protocol: 'email',
      endpoint: params.alarmEmail.valueAsString,
    });
    email.cfnOptions.condition = params.alarmEmailGiven;
    this.action = new cwActions.SnsAction(this.topic);
  }

  private add(id: string, props: cw.AlarmProps): cw.Alarm {
    const alarm = new cw.Alarm(this, id, { treatMissingData: cw.TreatMissingData.NOT_BREACHING, ...props });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Any message in a dead-letter queue is work that was given up on. */
  queueNotEmpty(id: string, queue: sqs.IQueue, what: string): void {
    this.add(id, {
      alarmDescription: `${what}: messages in the dead-letter queue`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  /** Errors and throttles summed over a group of functions (split in groups of 10 metrics). */
  errorsAndThrottles(id: string, fns: readonly lambda.IFunction[], what: string): void {
    for (let i = 0; i < fns.length; i += MAX_METRICS_PER_ALARM) {
      const group = fns.slice(i, i + MAX_METRICS_PER_ALARM);
      const suffix = fns.length > MAX_METRICS_PER_ALARM ? `${i / MAX_METRICS_PER_ALARM + 1}` : '';
      for (const kind of ['Errors', 'Throttles'] as const) {
        const usingMetrics = Object.fromEntries(group.map((fn, j) => [`m${j}`, kind === 'Errors' ? fn.metricErrors({ period: PERIOD }) : fn.metricThrottles({ period: PERIOD })]));
        this.add(`${id}${kind}${suffix}`, {
          alarmDescription: `${what}: Lambda ${kind.toLowerCase()}`,
          metric: new cw.MathExpression({ expression: `SUM([${Object.keys(usingMetrics).join(',')}])`, usingMetrics, period: PERIOD }),
          threshold: 0,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        });
      }
    }
  }

  /** The fan-out reading records long after they were written: pushes are arriving late. */
  iteratorAge(id: string, fn: lambda.IFunction, maxAge: Duration): void {
    this.add(id, {
      alarmDescription: 'Fan-out: stream records processed late',
      metric: fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: maxAge.toMilliseconds(),
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
    });
  }

  /**
   * A log line a function writes when something failed for good (a JSON line whose `message` is
   * exactly `message`): a metric filter on its log group counts them, and the first one alarms.
   */
  logMessage(id: string, logGroup: logs.ILogGroup, message: string, what: string): void {
    const filter = new logs.MetricFilter(this, `${id}Filter`, {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', message),
      metricNamespace: LOG_METRICS_NAMESPACE,
      metricName: id,
      metricValue: '1',
    });
    this.add(id, {
      alarmDescription: what,
      metric: filter.metric({ period: PERIOD, statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }
}
