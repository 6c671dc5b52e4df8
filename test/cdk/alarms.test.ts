/**
 * The alarm on pushes refused for good (SPEC §8), on a small stack of its own: the full stack's
 * synthesis (test/cdk/stack.test.ts) bundles every handler, this needs only the construct.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Alarms, LOG_METRICS_NAMESPACE } from '../../lib/constructs/alarms.js';
import { StackParameters } from '../../lib/constructs/parameters.js';
import { PUSH_REFUSED_FOR_GOOD } from '../../lambdas/channels/sns-errors.js';

test('a metric filter counts the fan-out\'s "push refused for good" lines and the first one raises an alarm', () => {
  const stack = new Stack(new App(), 'AlarmTest');
  const group = new logs.LogGroup(stack, 'FanoutLogs');
  const alarms = new Alarms(stack, 'Alarms', new StackParameters(stack, 'Parameters'));
  alarms.logMessage('FanoutPushRefused', group, PUSH_REFUSED_FOR_GOOD, 'Fan-out: pushes refused for good');
  const t = Template.fromStack(stack);
  const groupId = stack.getLogicalId(group.node.defaultChild as logs.CfnLogGroup);

  const filters = Object.values(t.findResources('AWS::Logs::MetricFilter'));
  expect(filters).toHaveLength(1);
  expect(filters[0]!.Properties).toEqual({
    LogGroupName: { Ref: groupId },
    FilterPattern: '{ $.message = "push refused for good" }',
    MetricTransformations: [{ MetricNamespace: LOG_METRICS_NAMESPACE, MetricName: 'FanoutPushRefused', MetricValue: '1' }],
  });
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: LOG_METRICS_NAMESPACE,
    MetricName: 'FanoutPushRefused',
    Statistic: 'Sum',
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: stack.getLogicalId(alarms.topic.node.defaultChild as never) }],
  });
});
