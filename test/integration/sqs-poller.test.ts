/**
 * The offline stack's SQS event source mapping (local/sqs-poller.ts) over the local SQS: a work
 * queue entry with a test consumer (test/support/sqs-test-consumer.ts), messages sent as a
 * producer sends them (lambdas/platform/queue.ts sendBatch), and what Lambda does with the
 * answers: deleted when done, retried after the visibility timeout when reported in
 * batchItemFailures or when the invocation throws, dead-lettered after maxReceiveCount, and a
 * whole batch retried when an itemIdentifier names no message of it.
 */
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { OfflineStack } from '../../local/stack.js';
import { localClientConfig } from '../../local/client-config.js';
import { sendBatch } from '../../lambdas/platform/queue.js';
import { batchOutcome } from '../../local/sqs-poller.js';
import { call, eventually, startTestStack, uid } from '../support/offline.js';

const consumerModule = fileURLToPath(new URL('../support/sqs-test-consumer.ts', import.meta.url));
const QUEUE = {
  id: 'test-work',
  urlEnv: 'TEST_WORK_QUEUE_URL',
  consumer: 'test/sqs-consumer',
  producers: [],
  batchSize: 5,
  visibilityTimeoutS: 1,
  maxReceiveCount: 3,
  consumerTimeoutS: 1,
  consumerConcurrency: 2,
  consumerModule,
};

/** A second queue whose visibility timeout outlasts a slow invocation: a timeout, not the visibility, retries it. */
const SLOW_QUEUE = { ...QUEUE, id: 'test-slow', urlEnv: 'TEST_SLOW_QUEUE_URL', consumer: 'test/sqs-consumer-slow', visibilityTimeoutS: 4, consumerConcurrency: undefined };

let stack: OfflineStack;
let sqs: SQSClient;
let queueUrl: string;
type Seen = { records: SQSRecord[]; at: number };
const seen = (): Seen[] => (globalThis as { __sqsTestConsumer?: Seen[] }).__sqsTestConsumer ?? [];

beforeAll(async () => {
  stack = await startTestStack({ queues: [QUEUE, SLOW_QUEUE] });
  queueUrl = process.env.TEST_WORK_QUEUE_URL!;
  sqs = new SQSClient(localClientConfig(stack.sqsUrl));
});
afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
});

const deliveries = (id: string) => seen().flatMap((s) => s.records.filter((r) => JSON.parse(r.body).id === id));
const queueStats = async () => (await call(stack.httpUrl, 'GET', '/_local/queues')).json.queues.find((q: { name: string }) => q.name === QUEUE.id);
const drained = async () => {
  const q = await queueStats();
  return q.visible === 0 && q.inFlight === 0 ? q : undefined;
};

test('the queue URL is in the handlers environment, in the shape SQS gives', () => {
  expect(queueUrl).toBe(`${stack.sqsUrl}/000000000000/test-work`);
});

test('messages reach the consumer in real-shaped SQS events, in batches of at most batchSize, and are deleted when done', async () => {
  const ids = Array.from({ length: 12 }, () => uid('ok'));
  await sendBatch(
    sqs,
    queueUrl,
    ids.map((id) => ({ id })),
  );
  await eventually(() => ids.every((id) => deliveries(id).length === 1), 'every message delivered');
  await eventually(drained, 'the queue to be empty');
  const r = deliveries(ids[0]!)[0]!;
  expect(r).toMatchObject({
    messageId: expect.any(String),
    receiptHandle: expect.any(String),
    body: JSON.stringify({ id: ids[0] }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/), ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/) },
    messageAttributes: {},
    md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test-work',
    awsRegion: 'us-east-1',
  });
  expect(Math.max(...seen().map((s) => s.records.length))).toBeLessThanOrEqual(QUEUE.batchSize);
  // Not redelivered after the visibility timeout: they were deleted.
  await new Promise((r) => setTimeout(r, 1500));
  expect(ids.map((id) => deliveries(id).length)).toEqual(ids.map(() => 1));
});

test('a message reported in batchItemFailures comes back after the visibility timeout; its batch mates do not', async () => {
  const failing = uid('item');
  const mates = [uid('mate'), uid('mate')];
  await sendBatch(sqs, queueUrl, [{ id: failing, fail: 'item', times: 1 }, ...mates.map((id) => ({ id }))]);
  const second = await eventually(() => deliveries(failing)[1], 'the retry');
  expect(second.attributes.ApproximateReceiveCount).toBe('2');
  expect(Number(second.attributes.ApproximateFirstReceiveTimestamp)).toBeLessThanOrEqual(Date.now());
  await eventually(drained, 'the queue to be empty');
  for (const id of mates) expect(deliveries(id)).toHaveLength(1);
});

test('a message that keeps failing is dead-lettered after maxReceiveCount receives', async () => {
  const before = (await queueStats()).deadLettered;
  const poison = uid('poison');
  await sendBatch(sqs, queueUrl, [{ id: poison, fail: 'item' }]);
  await eventually(async () => ((await queueStats()).deadLettered === before + 1 ? true : undefined), 'the message in the DLQ');
  expect(deliveries(poison).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
  await new Promise((r) => setTimeout(r, 1500));
  expect(deliveries(poison)).toHaveLength(3);
});

test('an invocation that throws fails its whole batch: every message of it is retried', async () => {
  const thrower = uid('throw');
  await sendBatch(sqs, queueUrl, [{ id: thrower, fail: 'throw', times: 1 }]);
  await eventually(() => deliveries(thrower).length === 2, 'the retry after the throw');
  await eventually(drained, 'the queue to be empty');
  expect(deliveries(thrower).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
});

test('an itemIdentifier that names no message of the batch fails the whole batch', async () => {
  const bad = uid('bad');
  await sendBatch(sqs, queueUrl, [{ id: bad, fail: 'bad-id', times: 1 }]);
  await eventually(() => deliveries(bad).length === 2, 'the retry of the whole batch');
  await eventually(drained, 'the queue to be empty');
});

test('an invocation that outlasts the consumer timeout fails: its message comes back after the visibility timeout', async () => {
  const slow = uid('slow');
  await sendBatch(sqs, process.env.TEST_SLOW_QUEUE_URL!, [{ id: slow, fail: 'slow', times: 1 }]);
  // The first invocation (2 s) overruns the 1 s timeout; were it taken as done, the message would be
  // deleted at 2 s and never seen again.
  await eventually(() => deliveries(slow).length === 2, 'the retry after the timeout');
  expect(deliveries(slow).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
});

test('batchOutcome follows Lambda: null or empty lists succeed, bad identifiers fail the batch', () => {
  const ids = ['a', 'b'];
  expect(batchOutcome(undefined, ids)).toEqual({ ok: true, failed: new Set() });
  expect(batchOutcome({ batchItemFailures: [] }, ids)).toEqual({ ok: true, failed: new Set() });
  expect(batchOutcome({ batchItemFailures: null }, ids)).toEqual({ ok: true, failed: new Set() });
  expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: 'b' }] }, ids)).toEqual({ ok: true, failed: new Set(['b']) });
  expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: '' }] }, ids).ok).toBe(false);
  expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: null }] }, ids).ok).toBe(false);
  expect(batchOutcome({ batchItemFailures: [{ id: 'a' }] }, ids).ok).toBe(false);
  expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: 'c' }] }, ids).ok).toBe(false);
});
