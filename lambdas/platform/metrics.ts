/**
 * CloudWatch metrics in the embedded metric format (Powertools Metrics, SPEC §12): each notification
 * decided, by channel and outcome (`Notifications`), and the fan-out's delay from a message's
 * createdAt to its first send (`FanoutDelay`, ms). Each figure goes out at once as one EMF line on
 * stdout (a single metric), so no handler has to flush, and a handler that emits nothing writes
 * nothing. The names and the dimensions are the dashboard's (lib/constructs/dashboard.ts).
 * Offline the stack turns them off (POWERTOOLS_METRICS_DISABLED, local/stack.ts) unless
 * LOCAL_METRICS=1: the logs stay readable.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

import { FANOUT_DELAY_METRIC, METRICS_NAMESPACE, NOTIFICATIONS_METRIC, SERVICE_NAME } from './metric-names.js';

let metrics: Metrics | undefined;
const instance = () => (metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }));

/** Count deliveries by (channel, outcome): one EMF line per pair that occurred. */
export function countNotifications(deliveries: Iterable<{ channel: string; outcome: string }>): void {
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(`${d.channel}\u0000${d.outcome}`, (counts.get(`${d.channel}\u0000${d.outcome}`) ?? 0) + 1);
  for (const [key, n] of counts) {
    const [channel, outcome] = key.split('\u0000') as [string, string];
    const m = instance().singleMetric();
    m.addDimension('channel', channel).addDimension('outcome', outcome);
    m.addMetric(NOTIFICATIONS_METRIC, MetricUnit.Count, n);
  }
}

/** How long after the message was written its first notification went out. */
export function recordFanoutDelay(createdAt: string, sentAtMs: number): void {
  const t = Date.parse(createdAt);
  if (!Number.isFinite(t)) return;
  instance()
    .singleMetric()
    .addMetric(FANOUT_DELAY_METRIC, MetricUnit.Milliseconds, Math.max(0, sentAtMs - t));
}
