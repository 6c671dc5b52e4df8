/**
 * The least-privilege proof covers the work queues: a producer's SendMessageBatch is recorded as
 * sqs:SendMessage on its queue (lambdas/platform/call-log.ts), allowed by the 'sqs:send' statement
 * the stack gives the queue's producers, denied for a function that is no producer, and a producer
 * that never sends shows its grant as unused (test/support/iam-check.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startSqsServer, type SqsServer } from '../../local/sqs-server.js';
import { localClientConfig } from '../../local/client-config.js';
import { asFunction, recordCalls } from '../../lambdas/platform/call-log.js';
import { sendBatch } from '../../lambdas/platform/queue.js';
import type { WorkQueue } from '../../lib/routes.js';
import { checkCalls, readCalls } from '../support/iam-check.js';

const ENTRY: WorkQueue = {
  id: 'test-work',
  urlEnv: 'TEST_WORK_QUEUE_URL',
  consumer: '../../test/support/sqs-test-consumer',
  producers: ['http/post-message', 'fanout'],
  batchSize: 5,
  visibilityTimeoutS: 60,
  maxReceiveCount: 3,
  consumerTimeoutS: 10,
  consumerGrants: [],
};

let server: SqsServer;
let logDir: string;
const previous = process.env.AWS_CALL_LOG;

beforeAll(async () => {
  server = await startSqsServer({ port: 0 });
  logDir = mkdtempSync(join(tmpdir(), 'sqs-calls-'));
  process.env.AWS_CALL_LOG = logDir;
});
afterAll(async () => {
  await server.close();
  rmSync(logDir, { recursive: true, force: true });
  if (previous === undefined) delete process.env.AWS_CALL_LOG;
  else process.env.AWS_CALL_LOG = previous;
});

test('SendMessageBatch is recorded as sqs:SendMessage on the queue and checked against the producers grant', async () => {
  const url = server.createQueue(ENTRY.id);
  const sqs = new SQSClient(localClientConfig(server.url));
  recordCalls(sqs.middlewareStack, { service: 'sqs' });
  await asFunction('http/post-message', () => sendBatch(sqs, url, [{ a: 1 }, { a: 2 }]));
  await asFunction('http/get-me', () => sendBatch(sqs, url, [{ a: 3 }]));
  sqs.destroy();

  const calls = readCalls(logDir);
  expect(calls).toEqual([
    { function: 'http/post-message', action: 'sqs:SendMessage', command: 'SendMessageBatch', queue: 'test-work' },
    { function: 'http/get-me', action: 'sqs:SendMessage', command: 'SendMessageBatch', queue: 'test-work' },
  ]);

  const report = await checkCalls(calls, { unused: true, queues: [ENTRY] });
  expect(report.denied).toEqual([expect.stringMatching(/^http\/get-me called sqs:SendMessage to queue test-work .*'sqs:send'/)]);
  expect(report.denied.some((d) => d.startsWith('http/post-message'))).toBe(false);
  // The fan-out is a producer here but sent nothing: its SendMessage is reported unused.
  const unusedSqs = report.unused.filter((u) => u.includes('sqs:'));
  expect(unusedSqs).toEqual([expect.stringMatching(/^fanout: granted sqs:SendMessage/)]);
}, 180_000);
