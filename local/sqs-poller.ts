/**
 * A work queue → its consumer handler, as Lambda's SQS event source mapping does it on AWS
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): pollers long-poll the queue,
 * hand up to `batchSize` messages to one invocation as an `SQSEvent`, and after it:
 * - the invocation threw: nothing is deleted; every message of the batch is visible again when its
 *   visibility timeout ends (and goes to the DLQ once over maxReceiveCount);
 * - it returned `batchItemFailures` (ReportBatchItemFailures is on for every mapping of this app):
 *   the listed messages stay, the others are deleted. An empty or null list, or no response, is a
 *   complete success. A null or empty `itemIdentifier`, an entry without one, or one naming no
 *   message of the batch fails the whole batch, as Lambda treats it.
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#sqs-batchfailurereporting-conditions
 *
 * The mapping polls with up to `concurrency` invocations at once (ScalingConfig.MaximumConcurrency
 * on AWS; Lambda starts with five pollers and scales up when the queue is busy, so 5 by default
 * here). It talks to the queue with the SDK like any client (ReceiveMessage, DeleteMessageBatch),
 * so it works against the local SQS server or any SQS double.
 *
 * A short batching window (`batchWindowMs`, default 20 ms) fills a batch that the first receive
 * left short; on AWS a standard queue's mapping without MaximumBatchingWindowInSeconds invokes as
 * soon as it has records, so this stays small.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** One invocation of the consumer. */
  handler: (event: SQSEvent) => Promise<unknown>;
  /** Messages per invocation, 1–10. */
  batchSize: number;
  /** Invocations at once (default 5). */
  concurrency?: number;
  batchWindowMs?: number;
  /**
   * The consumer function's timeout: an invocation still running after it counts as failed (Lambda
   * would have stopped it), so its batch is retried. The handler itself runs on here, unstopped.
   */
  timeoutMs?: number;
  /** ReceiveMessage's WaitTimeSeconds (default 20, SQS's longest). */
  waitTimeS?: number;
  region?: string;
  /** A batch (or part) that failed: it will be retried after the visibility timeout. */
  onBatchFailure?: (f: { messageIds: string[]; reason: string }) => void;
  onError?: (e: unknown) => void;
}

export interface SqsPoller {
  /** Invocations made so far. */
  invocations(): number;
  stop(): Promise<void>;
}

type Outcome = { ok: true; failed: Set<string> } | { ok: false; reason: string };

/** What Lambda makes of a consumer's answer (the conditions linked above). */
export function batchOutcome(result: unknown, messageIds: readonly string[]): Outcome {
  if (result === undefined || result === null) return { ok: true, failed: new Set() };
  if (typeof result !== 'object' || Array.isArray(result)) return { ok: false, reason: 'the response is not a batch response object' };
  const list = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (list === undefined || list === null) return { ok: true, failed: new Set() };
  if (!Array.isArray(list)) return { ok: false, reason: 'batchItemFailures is not a list' };
  const ids = new Set(messageIds);
  const failed = new Set<string>();
  for (const f of list as unknown[]) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return { ok: false, reason: 'a batchItemFailures entry has a null, empty or missing itemIdentifier' };
    if (!ids.has(id)) return { ok: false, reason: `itemIdentifier ${id} names no message of the batch` };
    failed.add(id);
  }
  return { ok: true, failed };
}

function attributesOf(m: Message): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, v] of Object.entries(m.MessageAttributes ?? {})) {
    out[name] = {
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: v.DataType ?? 'String',
    };
  }
  return out;
}

/** A received message as the Lambda event's record (the shape in the with-sqs docs' example event). */
export function sqsRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: attributesOf(m),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** `p`, or a rejection once `ms` have passed (no timeout when `ms` is undefined). */
async function withTimeout<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function startSqsPoller(opts: SqsPollerOptions): SqsPoller {
  const batchSize = Math.min(10, Math.max(1, opts.batchSize));
  const concurrency = Math.max(1, opts.concurrency ?? 5);
  const windowMs = opts.batchWindowMs ?? 20;
  const waitTimeS = opts.waitTimeS ?? 20;
  const region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const abort = new AbortController();
  const onError = opts.onError ?? (() => undefined);
  let invocations = 0;

  const receive = async (max: number, wait: number): Promise<Message[]> => {
    const out = await opts.client.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return out.Messages ?? [];
  };

  const remove = async (messages: Message[]) => {
    if (messages.length === 0) return;
    const out = await opts.client.send(new DeleteMessageBatchCommand({ QueueUrl: opts.queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    if (out.Failed?.length) onError(new Error(`deleting ${out.Failed.length} processed message(s) failed: ${out.Failed.map((f) => f.Code).join(', ')}`));
  };

  const worker = async () => {
    while (!abort.signal.aborted) {
      let batch: Message[];
      try {
        batch = await receive(batchSize, waitTimeS);
        if (batch.length > 0 && batch.length < batchSize && windowMs > 0) {
          await sleep(windowMs, abort.signal);
          if (!abort.signal.aborted) batch.push(...(await receive(batchSize - batch.length, 0)));
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        onError(e);
        await sleep(500, abort.signal);
        continue;
      }
      if (batch.length === 0) continue;
      const records = batch.map((m) => sqsRecord(m, opts.queueArn, region));
      const ids = records.map((r) => r.messageId);
      invocations++;
      let outcome: Outcome;
      try {
        outcome = batchOutcome(await withTimeout(opts.handler({ Records: records }), opts.timeoutMs), ids);
      } catch (e) {
        outcome = { ok: false, reason: `the invocation failed: ${(e as Error)?.message ?? String(e)}` };
      }
      if (!outcome.ok) {
        opts.onBatchFailure?.({ messageIds: ids, reason: outcome.reason });
        continue;
      }
      const done = outcome.failed;
      if (done.size > 0) opts.onBatchFailure?.({ messageIds: [...done], reason: 'reported in batchItemFailures' });
      try {
        await remove(batch.filter((m) => !done.has(m.MessageId!)));
      } catch (e) {
        onError(e);
      }
    }
  };

  const workers = Array.from({ length: concurrency }, () => worker().catch(onError));
  return {
    invocations: () => invocations,
    stop: async () => {
      abort.abort();
      await Promise.all(workers);
    },
  };
}
