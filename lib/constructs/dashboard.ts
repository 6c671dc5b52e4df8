/**
 * The CloudWatch dashboard (SPEC §12): notifications by channel and outcome and the fan-out's delay
 * to its first send (the handlers' EMF metrics, lambdas/platform/metrics.ts), the dead-letter queues'
 * depths, and how far the fan-out runs behind its stream (IteratorAge).
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FANOUT_DELAY_METRIC, METRICS_NAMESPACE, NOTIFICATION_SERIES, NOTIFICATIONS_METRIC, SERVICE_NAME } from '../../lambdas/platform/metric-names.js';

const PERIOD = Duration.minutes(5);

export interface DashboardProps {
  fanout: lambda.IFunction;
  /** Every dead-letter queue, with the name its line has. */
  deadLetterQueues: ReadonlyArray<{ label: string; queue: sqs.IQueue }>;
}

export class NotificationsDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.dashboard = new cw.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const notifications = NOTIFICATION_SERIES.map(
      ([channel, outcome]) =>
        new cw.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: NOTIFICATIONS_METRIC,
          dimensionsMap: { service: SERVICE_NAME, channel, outcome },
          statistic: 'Sum',
          period: PERIOD,
          label: `${channel} ${outcome}`,
        }),
    );
    const delay = (statistic: string) =>
      new cw.Metric({ namespace: METRICS_NAMESPACE, metricName: FANOUT_DELAY_METRIC, dimensionsMap: { service: SERVICE_NAME }, statistic, period: PERIOD, label: `delay ${statistic}` });
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Notifications by channel and outcome', left: notifications, stacked: true, width: 24 }),
      new cw.GraphWidget({ title: 'Fan-out delay, message to first send (ms)', left: [delay('p50'), delay('p99'), delay('Maximum')], width: 12 }),
      new cw.GraphWidget({
        title: 'Fan-out iterator age (ms)',
        left: [props.fanout.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1), label: 'iterator age max' })],
        width: 12,
      }),
      new cw.GraphWidget({
        title: 'Dead-letter queue depths',
        left: props.deadLetterQueues.map((d) => d.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD, label: d.label })),
        width: 24,
      }),
    );
  }
}
