/**
 * The local SQS speaks the wire protocol the real @aws-sdk/client-sqs v3 uses (AWS JSON 1.0) and
 * keeps SQS's rules the app depends on: size limits, batch rules, visibility, redrive to the DLQ.
 * Also lambdas/platform/queue.ts sendBatch against it.
 */
import { SQSClient, GetQueueUrlCommand, SendMessageCommand, SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { startSqsServer, type SqsServer } from '../../local/sqs-server.js';
import { localClientConfig } from '../../local/client-config.js';
import { sendBatch, SendBatchError } from '../../lambdas/platform/queue.js';

let server: SqsServer;
let sqs: SQSClient;

beforeAll(async () => {
  server = await startSqsServer({ port: 0 });
  sqs = new SQSClient({ ...localClientConfig(server.url), maxAttempts: 1 });
});
afterAll(async () => {
  sqs.destroy();
  await server.close();
});

let n = 0;
function queue(opts: Parameters<SqsServer['createQueue']>[1] = {}): { name: string; url: string } {
  const name = `q${++n}`;
  return { name, url: server.createQueue(name, opts) };
}

const receive = (url: string, max = 10, wait = 0) =>
  sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max, WaitTimeSeconds: wait, MessageSystemAttributeNames: ['All'] })).then((r) => r.Messages ?? []);

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the SDK sends AWS JSON 1.0 and the server answers in kind; errors have the AWS JSON error shape', async () => {
  const seen: Record<string, string>[] = [];
  const spy = new SQSClient({ ...localClientConfig(server.url), maxAttempts: 1 });
  spy.middlewareStack.add(
    (next) => async (args) => {
      seen.push({ ...((args.request as { headers: Record<string, string> }).headers ?? {}) });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'spy' },
  );
  const { url } = queue();
  await spy.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
  spy.destroy();
  expect(seen[0]).toMatchObject({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' });

  const raw = await fetch(`${server.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
    body: JSON.stringify({ QueueName: 'no-such-queue' }),
  });
  expect(raw.status).toBe(400);
  expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
  expect(await raw.json()).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: expect.any(String) });
  await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
});

test('GetQueueUrl finds a queue; SendMessage and SendMessageBatch store bodies the SDK checks by MD5', async () => {
  const { name, url } = queue();
  expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
  expect(url).toBe(`${server.url}/000000000000/${name}`);
  const one = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"a":1}' }));
  expect(one.MessageId).toBeTruthy();
  const batch = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: ['é', 'b', 'c'].map((b, i) => ({ Id: `e${i}`, MessageBody: b })) }));
  expect(batch.Successful?.map((s) => s.Id).sort()).toEqual(['e0', 'e1', 'e2']);
  expect(batch.Failed ?? []).toEqual([]);
  const got = await receive(url);
  expect(got.map((m) => m.Body)).toEqual(['{"a":1}', 'é', 'b', 'c']);
  expect(got[0]!.Attributes?.ApproximateReceiveCount).toBe('1');
});

test('a body over 256 KB (262,144 bytes) is refused; exactly the limit is accepted; a batch over the limit in total fails whole', async () => {
  const { name, url } = queue();
  await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_145) }))).rejects.toMatchObject({
    name: 'InvalidParameterValue',
    message: expect.stringContaining('Message must be shorter than 262144 bytes'),
  });
  // Bytes, not characters: 131,073 two-byte characters are 262,146 bytes.
  await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'é'.repeat(131_073) }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_144) }));
  await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [0, 1].map((i) => ({ Id: `e${i}`, MessageBody: 'x'.repeat(140_000) })) }))).rejects.toMatchObject({
    name: 'BatchRequestTooLong',
  });
  expect(server.messages(name)).toHaveLength(1);
});

test('batch rules: 1 to 10 entries, distinct ids', async () => {
  const { url } = queue();
  await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] }))).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
  const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
  await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven }))).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
  const twice = [
    { Id: 'a', MessageBody: 'x' },
    { Id: 'a', MessageBody: 'y' },
  ];
  await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: twice }))).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
  await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a b', MessageBody: 'x' }] }))).rejects.toMatchObject({ name: 'InvalidBatchEntryId' });
});

test('a received message is invisible for the visibility timeout, then comes back with a higher receive count; deleted, it is gone', async () => {
  const { url } = queue({ visibilityTimeoutS: 1 });
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'v' }));
  const [first] = await receive(url);
  expect(first).toBeDefined();
  expect(await receive(url)).toEqual([]);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
  // A long poll returns it as soon as it is visible again.
  const [back] = await eventually(async () => {
    const got = await receive(url, 1, 5);
    return got.length ? got : undefined;
  }, 'the message to come back');
  expect(back!.Attributes?.ApproximateReceiveCount).toBe('2');
  expect(back!.MessageId).toBe(first!.MessageId);
  // An old receipt handle does not delete the redelivered message (API_DeleteMessage).
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle! }));
  expect(server.messages(url.split('/').pop()!)).toHaveLength(1);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: back!.ReceiptHandle! }));
  expect(server.messages(url.split('/').pop()!)).toHaveLength(0);
});

test('a message received maxReceiveCount times and not deleted moves to the dead-letter queue', async () => {
  const dlq = queue();
  const { name, url } = queue({ visibilityTimeoutS: 1, maxReceiveCount: 2, deadLetterQueue: dlq.name });
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
  expect(await receive(url)).toHaveLength(1);
  await eventually(async () => (await receive(url, 1, 2)).length === 1, 'the second receive');
  await eventually(async () => (await receive(dlq.url, 1, 2))[0], 'the message in the DLQ');
  expect(server.messages(name)).toHaveLength(0);
  expect(server.messages(dlq.name).map((m) => m.body)).toEqual(['poison']);
  expect(server.stats().find((s) => s.name === name)).toMatchObject({ visible: 0, inFlight: 0, deadLetterQueue: dlq.name, deadLettered: 1 });
  const local = await fetch(`${server.url}/_local/queues`).then((r) => r.json());
  expect(local.queues.find((q: { name: string }) => q.name === name)).toMatchObject({ deadLettered: 1 });
});

test('a long poll waits for a message and returns it when it arrives', async () => {
  const { url } = queue();
  const waiting = receive(url, 10, 10);
  await new Promise((r) => setTimeout(r, 100));
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
  expect((await waiting).map((m) => m.Body)).toEqual(['late']);
});

describe('sendBatch', () => {
  test('sends JSON bodies in chunks of 10', async () => {
    const { name, url } = queue();
    const bodies = Array.from({ length: 23 }, (_, i) => ({ i }));
    expect(await sendBatch(sqs, url, bodies)).toBe(23);
    expect(server.messages(name).map((m) => JSON.parse(m.body).i)).toEqual(bodies.map((b) => b.i));
  });

  test('requests stay within 256 KB in all: ten 40 KB bodies go in more than one request', async () => {
    const { name, url } = queue();
    const bodies = Array.from({ length: 10 }, (_, i) => ({ i, pad: 'x'.repeat(40_000) }));
    expect(await sendBatch(sqs, url, bodies)).toBe(10);
    expect(server.messages(name)).toHaveLength(10);
  });

  test('a body over 256 KB is not sent; the others are, and the error names it', async () => {
    const { name, url } = queue();
    const err = await sendBatch(sqs, url, [{ a: 1 }, { pad: 'x'.repeat(262_144) }, { a: 2 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendBatchError);
    expect((err as SendBatchError).failed).toEqual([{ code: 'MessageTooLarge', senderFault: true }]);
    expect(server.messages(name).map((m) => m.body)).toEqual(['{"a":1}', '{"a":2}']);
  });

  test('entries SQS reports failed are sent again; all arrive once', async () => {
    const { name, url } = queue();
    server.failNext(3);
    expect(
      await sendBatch(
        sqs,
        url,
        Array.from({ length: 12 }, (_, i) => ({ i })),
        { baseDelayMs: 1 },
      ),
    ).toBe(12);
    expect(
      server
        .messages(name)
        .map((m) => JSON.parse(m.body).i)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  test('throws when entries stay failed after the last attempt, so the caller retries', async () => {
    const { name, url } = queue();
    // Three attempts of three entries: 3 + 3 fail, then the first of the third attempt.
    server.failNext(7);
    const err = await sendBatch(sqs, url, [{ a: 1 }, { a: 2 }, { a: 3 }], { attempts: 3, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendBatchError);
    expect((err as SendBatchError).failed).toEqual([{ code: 'InternalError', senderFault: false }]);
    expect(server.messages(name)).toHaveLength(2);
  });
});
