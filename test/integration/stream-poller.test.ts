/** The local stream poller against DynamoDB Local's real stream: shape, filter, batches, retries, DLQ, drain. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createTestTable, type TestTable } from '../support/table.js';
import { matchesFilter, startStreamPoller, type StreamFailure, type StreamPoller } from '../../local/stream-poller.js';
import { FANOUT_FILTER } from '../../lambdas/store/table.js';
import { localClientConfig } from '../../local/client-config.js';

let streams: DynamoDBStreamsClient;
const pollers: StreamPoller[] = [];

beforeAll(() => {
  streams = new DynamoDBStreamsClient(localClientConfig(process.env.DYNAMODB_ENDPOINT!));
});
afterAll(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  streams.destroy();
});

async function put(t: TestTable, sk: string, extra: Record<string, { S: string }> = {}) {
  await t.client.send(new PutItemCommand({ TableName: t.tableName, Item: { pk: { S: 'P' }, sk: { S: sk }, ...extra } }));
}

const skOf = (r: DynamoDBRecord) => r.dynamodb?.Keys?.sk?.S ?? '?';

function start(t: TestTable, handler: (e: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>, extra: Partial<Parameters<typeof startStreamPoller>[0]> = {}) {
  const p = startStreamPoller({ client: streams, streamArn: t.streamArn, handler, retryBaseMs: 5, ...extra });
  pollers.push(p);
  return p;
}

test('records arrive in the Lambda event shape, filtered like the event source mapping', async () => {
  const t = await createTestTable('poll-shape');
  const seen: DynamoDBRecord[] = [];
  const p = start(t, async (e) => void seen.push(...e.Records), { filter: FANOUT_FILTER });
  await put(t, 'visitor', { entity: { S: 'message' }, fromType: { S: 'visitor' }, body: { S: 'hi' } });
  await put(t, 'agent', { entity: { S: 'message' }, fromType: { S: 'agent' } });
  await put(t, 'other', { entity: { S: 'conversation' } });
  await p.drain();
  expect(seen.map(skOf)).toEqual(['visitor']);
  const r = seen[0]!;
  expect(r).toMatchObject({
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    eventSourceARN: t.streamArn,
    dynamodb: {
      Keys: { pk: { S: 'P' }, sk: { S: 'visitor' } },
      NewImage: { entity: { S: 'message' }, fromType: { S: 'visitor' }, body: { S: 'hi' } },
      StreamViewType: 'NEW_IMAGE',
      SequenceNumber: expect.any(String),
    },
  });
  expect(typeof r.eventID).toBe('string');
  expect(typeof r.dynamodb?.ApproximateCreationDateTime).toBe('number');
});

test('batches hold at most batchSize records, in stream order, and drain waits for all of them', async () => {
  const t = await createTestTable('poll-batch');
  for (let i = 0; i < 7; i++) await put(t, `k${i}`);
  const batches: string[][] = [];
  const p = start(t, async (e) => void batches.push(e.Records.map(skOf)), { batchSize: 3 });
  await p.drain();
  expect(batches.flat()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
  for (const b of batches) expect(b.length).toBeLessThanOrEqual(3);
  // Records written while it runs are seen too.
  await put(t, 'late');
  await p.drain();
  expect(batches.flat().at(-1)).toBe('late');
});

test('a partial failure is retried from the lowest failed record; the records before it are not redelivered', async () => {
  const t = await createTestTable('poll-retry');
  for (const k of ['a', 'b', 'c', 'd']) await put(t, k);
  const calls: string[][] = [];
  let failed = false;
  const p = start(t, async (e) => {
    calls.push(e.Records.map(skOf));
    const bad = e.Records.filter((r) => ['b', 'c'].includes(skOf(r)));
    if (!failed && bad.length) {
      failed = true;
      // Reported out of order on purpose: the retry must start at the lowest (b).
      return { batchItemFailures: bad.reverse().map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })) };
    }
    return { batchItemFailures: [] };
  });
  await p.drain();
  expect(calls).toEqual([
    ['a', 'b', 'c', 'd'],
    ['b', 'c', 'd'],
  ]);
  expect(p.failures()).toEqual([]);
});

test('a handler that throws has its whole batch retried', async () => {
  const t = await createTestTable('poll-throw');
  for (const k of ['a', 'b']) await put(t, k);
  const calls: string[][] = [];
  const p = start(t, async (e) => {
    calls.push(e.Records.map(skOf));
    if (calls.length === 1) throw new Error('boom');
  });
  await p.drain();
  expect(calls).toEqual([
    ['a', 'b'],
    ['a', 'b'],
  ]);
});

test('a record that keeps failing goes to onFailure after the retries, and the shard moves on', async () => {
  const t = await createTestTable('poll-dlq');
  for (const k of ['ok', 'poison']) await put(t, k);
  const handled: string[] = [];
  const dlq: StreamFailure[] = [];
  const p = start(
    t,
    async (e) => {
      const poison = e.Records.find((r) => skOf(r) === 'poison');
      for (const r of e.Records) if (r !== poison) handled.push(skOf(r));
      return { batchItemFailures: poison ? [{ itemIdentifier: poison.dynamodb!.SequenceNumber! }] : [] };
    },
    { maxRetries: 2, onFailure: (f) => dlq.push(f) },
  );
  await p.drain();
  expect(dlq).toHaveLength(1);
  expect(dlq[0]!.records.map(skOf)).toEqual(['poison']);
  expect(dlq[0]!.attempts).toBe(3);
  expect(p.failures()).toEqual(dlq);
  expect(handled).toEqual(['ok']);
  await put(t, 'after');
  await p.drain();
  expect(handled).toEqual(['ok', 'after']);
});

test('LATEST skips what was in the stream before the poller started', async () => {
  const t = await createTestTable('poll-latest');
  await put(t, 'old');
  const seen: string[] = [];
  const p = start(t, async (e) => void seen.push(...e.Records.map(skOf)), { startingPosition: 'LATEST' });
  await p.drain(); // the first poll sets the position
  await put(t, 'new');
  await p.drain();
  expect(seen).toEqual(['new']);
});

describe('filter patterns', () => {
  const rec = (img: Record<string, unknown>, eventName = 'INSERT') => ({ eventName, dynamodb: { NewImage: img } });

  test('FANOUT_FILTER passes inserted visitor messages only', () => {
    expect(matchesFilter(FANOUT_FILTER, rec({ entity: { S: 'message' }, fromType: { S: 'visitor' } }))).toBe(true);
    expect(matchesFilter(FANOUT_FILTER, rec({ entity: { S: 'message' }, fromType: { S: 'visitor' } }, 'MODIFY'))).toBe(false);
    expect(matchesFilter(FANOUT_FILTER, rec({ entity: { S: 'message' }, fromType: { S: 'agent' } }))).toBe(false);
    expect(matchesFilter(FANOUT_FILTER, rec({ entity: { S: 'message' } }))).toBe(false);
    expect(matchesFilter(FANOUT_FILTER, { eventName: 'REMOVE' })).toBe(false);
  });

  test('exists, prefix and anything-but rules', () => {
    const img = { dynamodb: { NewImage: { sk: { S: 'MSG#001' } } } };
    expect(matchesFilter({ dynamodb: { NewImage: { sk: { S: [{ prefix: 'MSG#' }] } } } }, img)).toBe(true);
    expect(matchesFilter({ dynamodb: { NewImage: { sk: { S: [{ prefix: 'POS#' }] } } } }, img)).toBe(false);
    expect(matchesFilter({ dynamodb: { NewImage: { ttl: [{ exists: false }] } } }, img)).toBe(true);
    expect(matchesFilter({ dynamodb: { NewImage: { sk: [{ exists: true }] } } }, img)).toBe(true);
    expect(matchesFilter({ dynamodb: { NewImage: { sk: { S: [{ 'anything-but': ['MSG#001'] }] } } } }, img)).toBe(false);
  });
});
