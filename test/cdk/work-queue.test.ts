/**
 * The stack built with a test QUEUES entry (lib/routes.ts QUEUES is empty until the work queues
 * land): the queue, its DLQ and redrive, the event source mapping with ReportBatchItemFailures,
 * the consumer's timeout, the URL in every function's environment, SendMessage for the producers
 * only, and the DLQ alarm. Bundling is skipped (the template does not depend on the code), cdk-nag
 * runs as in bin/app.ts.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentChatStack } from '../../lib/stack.js';
import type { WorkQueue } from '../../lib/routes.js';
import { WORK_QUEUE_METADATA, WorkQueueResources } from '../../lib/constructs/work-queue.js';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> };

const ENTRY: WorkQueue = {
  id: 'test-work',
  urlEnv: 'TEST_WORK_QUEUE_URL',
  // Resolved under lambdas/handlers/: the tests' consumer stands in for a real one.
  consumer: '../../test/support/sqs-test-consumer',
  producers: ['http/post-message', 'fanout'],
  batchSize: 7,
  visibilityTimeoutS: 60,
  maxReceiveCount: 4,
  consumerTimeoutS: 10,
  consumerConcurrency: 3,
  consumerGrants: [],
};

let workDir: string;
let stack: AgentChatStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'cdk-queue-test-'));
  const site = join(workDir, 'site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<!doctype html>');
  const app = new App({ outdir: join(workDir, 'out'), context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new AgentChatStack(app, 'QueueTest', { consoleAssetsDir: site, queues: [ENTRY] });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}, 300_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

function statementsOf(handler: string): { Action: string | string[]; Resource: unknown }[] {
  const f = stack.functions.get(handler)!;
  const roleId = logicalId(f.role);
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

test('the queue: encrypted, TLS only, visibility timeout from the entry, 256 KiB messages, redrive to its DLQ after maxReceiveCount', () => {
  const wq = stack.workQueues.get('test-work')!;
  const queueId = logicalId(wq.queue);
  const dlqId = logicalId(wq.dlq);
  const q = resources[queueId]!;
  expect(q.Properties).toMatchObject({
    SqsManagedSseEnabled: true,
    VisibilityTimeout: 60,
    MaximumMessageSize: 262_144,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 4 },
  });
  expect(q.Metadata?.[WORK_QUEUE_METADATA]).toEqual({ id: 'test-work', role: 'queue' });
  expect(resources[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  for (const id of [queueId, dlqId]) {
    const policy = ofType('AWS::SQS::QueuePolicy').find(([, p]) => JSON.stringify(p.Properties.Queues).includes(`"${id}"`));
    expect(JSON.stringify(policy?.[1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  }
});

test('the consumer: its timeout, fed by a mapping with ReportBatchItemFailures, batchSize and maximum concurrency', () => {
  const wq = stack.workQueues.get('test-work')!;
  const consumer = stack.functions.get(ENTRY.consumer)!;
  expect(resources[logicalId(consumer.fn)]!.Properties.Timeout).toBe(10);
  const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes(logicalId(wq.queue)));
  expect(mappings).toHaveLength(1);
  expect(mappings[0]![1].Properties).toMatchObject({
    FunctionName: { Ref: logicalId(consumer.fn) },
    BatchSize: 7,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    ScalingConfig: { MaximumConcurrency: 3 },
  });
  // The poller's reads are on the consumer's role, on this queue only.
  const consume = statementsOf(ENTRY.consumer).find((s) => [s.Action].flat().includes('sqs:ReceiveMessage'));
  expect(consume?.Resource).toEqual({ 'Fn::GetAtt': [logicalId(wq.queue), 'Arn'] });
});

test('every function has the queue URL; only the producers may send, and only to this queue', () => {
  const wq = stack.workQueues.get('test-work')!;
  for (const [, f] of ofType('AWS::Lambda::Function').filter(([id]) => [...stack.functions.values()].some((h) => logicalId(h.fn) === id))) {
    expect(f.Properties.Environment.Variables.TEST_WORK_QUEUE_URL).toEqual({ Ref: logicalId(wq.queue) });
  }
  const queueId = logicalId(wq.queue);
  for (const [handler] of stack.functions) {
    // (The fan-out also sends to its stream mapping's on-failure DLQ: that is another queue.)
    const sends = statementsOf(handler).filter((s) => JSON.stringify(s.Resource).includes(`"${queueId}"`) && [s.Action].flat().some((a) => a.startsWith('sqs:Send') || a === 'sqs:*'));
    if (ENTRY.producers.includes(handler)) {
      expect(sends).toHaveLength(1);
      expect(sends[0]!.Action).toBe('sqs:SendMessage');
      expect(sends[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalId(wq.queue), 'Arn'] });
    } else {
      expect(sends).toEqual([]);
    }
  }
});

test('the first message in the DLQ raises an alarm', () => {
  const dlqId = logicalId(stack.workQueues.get('test-work')!.dlq);
  const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(`"${dlqId}"`));
  expect(alarm?.[1].Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
});

test('an entry whose visibility timeout is under 6 × the consumer timeout is refused', () => {
  const s = new Stack(new App(), 'Bad');
  expect(() => new WorkQueueResources(s, 'Q', { ...ENTRY, visibilityTimeoutS: 59 })).toThrow(/6 × consumerTimeoutS/);
  expect(() => new WorkQueueResources(s, 'R', { ...ENTRY, batchSize: 11 })).toThrow(/batchSize/);
});
