/**
 * A local SQS for the work queues (lib/routes.ts QUEUES), speaking the protocol
 * @aws-sdk/client-sqs v3 uses: AWS JSON 1.0 (`POST /`, `X-Amz-Target: AmazonSQS.<Operation>`,
 * `Content-Type: application/x-amz-json-1.0`, JSON in and out; the SDK also sends
 * `x-amzn-query-mode: true` because SQS moved over from the Query protocol). Errors are the AWS
 * JSON error shape, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"…"}`, with the
 * Query-era code in `x-amzn-query-error` as SQS sends it.
 *
 * Queues live in this process: standard queues (no FIFO), each with a visibility timeout, receive
 * counts, and a redrive policy: a message received `maxReceiveCount` times and not deleted moves
 * to the dead-letter queue when it would become visible again, as SQS moves it when a receive
 * finds it over the count.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 *
 * Where AWS's behaviour matters to the app, this does the same:
 * - a body over the queue's MaximumMessageSize (262,144 bytes unless set otherwise; the stack sets
 *   it explicitly) is refused: SendMessage with `InvalidParameterValue` "One or more parameters are
 *   invalid. Reason: Message must be shorter than 262144 bytes.", SendMessageBatch whose entries
 *   add up to more than that with `BatchRequestTooLong` (the whole request fails).
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 *   (texts as moto answers them: getmoto/moto moto/sqs/models.py);
 * - a batch holds 1–10 entries with distinct ids of at most 80 alphanumerics, `-` and `_`
 *   (`EmptyBatchRequest`, `TooManyEntriesInBatchRequest`, `BatchEntryIdsNotDistinct`,
 *   `InvalidBatchEntryId`);
 * - the MD5 of each body is returned, which the SDK checks on every send and receive;
 * - ReceiveMessage long-polls up to WaitTimeSeconds (0–20) and returns at most 10 messages.
 *
 * `failNext` makes the next sends fail per entry (`Failed` with `InternalError`, SenderFault
 * false), so producers' retry of failed entries can be tested.
 *
 * `GET /_local/queues` shows each queue's depth, in-flight count and its dead-letter queue's depth.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MAX_MESSAGE_BYTES } from '../lambdas/platform/queue.js';

export const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
/** SQS's default MaximumMessageSize, the limit the stack sets on the work queues (lib/constructs/work-queue.ts). */
export { MAX_MESSAGE_BYTES };
const MAX_BATCH_ENTRIES = 10;
const MAX_WAIT_S = 20;

export interface QueueOptions {
  visibilityTimeoutS?: number;
  /** Redrive: after this many receives a message goes to `deadLetterQueue` instead. */
  maxReceiveCount?: number;
  deadLetterQueue?: string;
  maxMessageBytes?: number;
}

export interface QueueStats {
  name: string;
  url: string;
  /** ApproximateNumberOfMessages: visible now. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, not deleted, visibility timeout running. */
  inFlight: number;
  deadLetterQueue?: string;
  /** The dead-letter queue's visible + in-flight messages. */
  deadLettered?: number;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  md5: string;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  visibleAt: number;
  receiptHandle?: string;
  messageAttributes: Record<string, unknown>;
}

export interface SqsServer {
  url: string;
  port: number;
  /** Create (or update) a queue; returns its URL, `{url}/{account}/{name}` as SQS's are. */
  createQueue(name: string, opts?: QueueOptions): string;
  queueUrl(name: string): string;
  queueArn(name: string): string;
  stats(): QueueStats[];
  /** Every message a queue holds now (visible or in flight), oldest first: for tests. */
  messages(name: string): StoredMessage[];
  /** The next `count` entries sent (SendMessage or SendMessageBatch entries) fail with InternalError. */
  failNext(count?: number): void;
  close(): Promise<void>;
}

class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The Query protocol's code, for `x-amzn-query-error` (what the SDK maps back to the modelled error). */
    readonly queryCode = code,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Queue {
  name: string;
  visibilityTimeoutS: number;
  maxReceiveCount?: number;
  deadLetterQueue?: string;
  maxMessageBytes: number;
  /** Insertion order is send order. */
  messages: Map<string, StoredMessage>;
  /** Long polls waiting for a message to become visible. */
  waiters: Set<() => void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

function nonExistent(): SqsError {
  return new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
}

function intIn(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SqsError('InvalidParameterValue', `Value ${String(v)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return n;
}

/** Attribute sizes count towards the message size: name, type and value bytes. */
function attributesBytes(attrs: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: string }> | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(attrs ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? v.BinaryValue ?? '');
  return n;
}

export function startSqsServer(opts: { port?: number; host?: string } = {}): Promise<SqsServer> {
  const host = opts.host ?? '127.0.0.1';
  const queues = new Map<string, Queue>();
  let faults = 0;
  let baseUrl = '';

  const urlOf = (name: string) => `${baseUrl}/${ACCOUNT_ID}/${name}`;
  const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;

  /** A queue URL (any host: the SDK may send the one it was given) or a bare name → the queue. */
  function byUrl(url: unknown): Queue {
    if (typeof url !== 'string' || url === '') throw new SqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    const name = url.split('/').filter(Boolean).pop() ?? '';
    const q = queues.get(name);
    if (!q) throw nonExistent();
    return q;
  }

  function wake(q: Queue) {
    for (const w of [...q.waiters]) w();
  }

  /** Messages whose visibility ended: those over the receive count move to the DLQ now. */
  function redrive(q: Queue, now: number) {
    if (!q.maxReceiveCount || !q.deadLetterQueue) return;
    const dlq = queues.get(q.deadLetterQueue);
    if (!dlq) return;
    for (const m of q.messages.values()) {
      if (m.visibleAt <= now && m.receiveCount >= q.maxReceiveCount) {
        q.messages.delete(m.messageId);
        // SQS keeps the message id and the original enqueue timestamp (for standard queues).
        dlq.messages.set(m.messageId, { ...m, receiveCount: 0, firstReceiveAt: undefined, receiptHandle: undefined, visibleAt: now });
        wake(dlq);
      }
    }
  }

  function enqueue(q: Queue, body: unknown, attrs: Record<string, any> | undefined, delaySeconds: unknown): StoredMessage {
    if (typeof body !== 'string' || body.length === 0) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    const now = Date.now();
    const delay = intIn(delaySeconds, 'DelaySeconds', 0, 900, 0);
    const m: StoredMessage = { messageId: randomUUID(), body, md5: md5(body), sentAt: now, receiveCount: 0, visibleAt: now + delay * 1000, messageAttributes: attrs ?? {} };
    q.messages.set(m.messageId, m);
    if (delay === 0) wake(q);
    else setTimeout(() => wake(q), delay * 1000).unref();
    return m;
  }

  function sizeOf(body: unknown, attrs: Record<string, any> | undefined): number {
    return (typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : 0) + attributesBytes(attrs);
  }

  function sendMessage(input: any) {
    const q = byUrl(input.QueueUrl);
    const size = sizeOf(input.MessageBody, input.MessageAttributes);
    if (size > q.maxMessageBytes) {
      throw new SqsError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${q.maxMessageBytes} bytes.`);
    }
    if (faults > 0) {
      faults--;
      throw new SqsError('InternalError', 'We encountered an internal error. Please try again.', 'InternalError', 500);
    }
    const m = enqueue(q, input.MessageBody, input.MessageAttributes, input.DelaySeconds);
    return { MessageId: m.messageId, MD5OfMessageBody: m.md5 };
  }

  function sendMessageBatch(input: any) {
    const q = byUrl(input.QueueUrl);
    const entries = (Array.isArray(input.Entries) ? input.Entries : []) as any[];
    if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`);
    }
    const ids = new Set<string>();
    for (const e of entries) {
      if (typeof e.Id !== 'string' || !ENTRY_ID.test(e.Id)) {
        throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
      }
      if (ids.has(e.Id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${e.Id} repeated.`);
      ids.add(e.Id);
    }
    const total = entries.reduce((n, e) => n + sizeOf(e.MessageBody, e.MessageAttributes), 0);
    if (total > q.maxMessageBytes) {
      throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${q.maxMessageBytes} bytes. You have sent ${total} bytes.`);
    }
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of entries) {
      if (faults > 0) {
        faults--;
        Failed.push({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'We encountered an internal error. Please try again.' });
        continue;
      }
      try {
        const m = enqueue(q, e.MessageBody, e.MessageAttributes, e.DelaySeconds);
        Successful.push({ Id: e.Id, MessageId: m.messageId, MD5OfMessageBody: m.md5 });
      } catch (err) {
        const x = err as SqsError;
        Failed.push({ Id: e.Id, SenderFault: true, Code: x.code ?? 'InvalidParameterValue', Message: x.message });
      }
    }
    return { Successful, Failed };
  }

  function take(q: Queue, max: number, visibilityS: number) {
    const now = Date.now();
    redrive(q, now);
    const out: StoredMessage[] = [];
    for (const m of q.messages.values()) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      m.visibleAt = now + visibilityS * 1000;
      m.receiptHandle = `${m.messageId}#${randomUUID()}`;
      out.push(m);
      // When this receive's visibility ends, the message is visible again (or dead-lettered).
      setTimeout(
        () => {
          redrive(q, Date.now());
          wake(q);
        },
        visibilityS * 1000 + 5,
      ).unref();
    }
    return out;
  }

  /** `left`: the caller hung up (an aborted long poll): take nothing for it, or the messages would sit invisible. */
  async function receiveMessage(input: any, left: Promise<void>, gone: () => boolean) {
    const q = byUrl(input.QueueUrl);
    const max = intIn(input.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, MAX_BATCH_ENTRIES, 1);
    const waitS = intIn(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, MAX_WAIT_S, 0);
    const visibilityS = intIn(input.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200, q.visibilityTimeoutS);
    const deadline = Date.now() + waitS * 1000;
    let got = take(q, max, visibilityS);
    while (got.length === 0 && Date.now() < deadline) {
      let done!: () => void;
      const woke = new Promise<void>((resolve) => (done = resolve));
      q.waiters.add(done);
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      await Promise.race([woke, left]);
      clearTimeout(timer);
      q.waiters.delete(done);
      if (gone()) return { Messages: [] };
      got = take(q, max, visibilityS);
    }
    return {
      Messages: got.map((m) => ({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
        },
        ...(Object.keys(m.messageAttributes).length ? { MessageAttributes: m.messageAttributes } : {}),
      })),
    };
  }

  /** The message a receipt handle names, if it is the latest handle of a message still held. */
  function byHandle(q: Queue, handle: unknown): StoredMessage | undefined {
    if (typeof handle !== 'string' || !handle.includes('#')) throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${String(handle)}" is not a valid receipt handle.`);
    const m = q.messages.get(handle.split('#')[0]!);
    return m;
  }

  function deleteOne(q: Queue, handle: unknown) {
    // SQS: only the most recent receipt handle deletes; an older one "succeeds, but the message
    // will not be deleted" (a consumer that overran its visibility timeout does not delete the
    // redelivered copy). A message already gone is a no-op.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
    const m = byHandle(q, handle);
    if (m && m.receiptHandle === handle) q.messages.delete(m.messageId);
  }

  function changeVisibility(q: Queue, handle: unknown, timeoutS: unknown) {
    const m = byHandle(q, handle);
    const s = intIn(timeoutS, 'VisibilityTimeout', 0, 43_200, 0);
    if (!m || m.receiptHandle !== handle || m.visibleAt <= Date.now()) {
      throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.', 'AWS.SimpleQueueService.MessageNotInflight');
    }
    m.visibleAt = Date.now() + s * 1000;
    setTimeout(
      () => {
        redrive(q, Date.now());
        wake(q);
      },
      s * 1000 + 5,
    ).unref();
  }

  function batchOf(input: any, what: string): any[] {
    const entries = (Array.isArray(input.Entries) ? input.Entries : []) as any[];
    if (entries.length === 0) throw new SqsError('EmptyBatchRequest', `There should be at least one ${what} in the request.`);
    if (entries.length > MAX_BATCH_ENTRIES) throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`);
    return entries;
  }

  function perEntry(entries: any[], run: (e: any) => void) {
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of entries) {
      try {
        run(e);
        Successful.push({ Id: e.Id });
      } catch (err) {
        const x = err as SqsError;
        Failed.push({ Id: e.Id, SenderFault: true, Code: x.code, Message: x.message });
      }
    }
    return { Successful, Failed };
  }

  function counts(q: Queue) {
    const now = Date.now();
    redrive(q, now);
    let visible = 0;
    let inFlight = 0;
    for (const m of q.messages.values()) {
      if (m.visibleAt <= now) visible++;
      else if (m.receiveCount > 0) inFlight++;
      else visible++; // delayed: SQS counts these as ApproximateNumberOfMessagesDelayed; close enough here
    }
    return { visible, inFlight };
  }

  function getQueueAttributes(input: any) {
    const q = byUrl(input.QueueUrl);
    const c = counts(q);
    const all: Record<string, string> = {
      QueueArn: arnOf(q.name),
      ApproximateNumberOfMessages: String(c.visible),
      ApproximateNumberOfMessagesNotVisible: String(c.inFlight),
      VisibilityTimeout: String(q.visibilityTimeoutS),
      MaximumMessageSize: String(q.maxMessageBytes),
      ...(q.deadLetterQueue && q.maxReceiveCount ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf(q.deadLetterQueue), maxReceiveCount: q.maxReceiveCount }) } : {}),
    };
    const names = (input.AttributeNames as string[] | undefined) ?? [];
    const Attributes = names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
    return { Attributes };
  }

  function createQueue(name: string, o: QueueOptions = {}): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new SqsError('InvalidParameterValue', `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length`);
    const existing = queues.get(name);
    const q: Queue = existing ?? { name, visibilityTimeoutS: 30, maxMessageBytes: MAX_MESSAGE_BYTES, messages: new Map(), waiters: new Set() };
    q.visibilityTimeoutS = o.visibilityTimeoutS ?? q.visibilityTimeoutS;
    q.maxReceiveCount = o.maxReceiveCount ?? q.maxReceiveCount;
    q.deadLetterQueue = o.deadLetterQueue ?? q.deadLetterQueue;
    q.maxMessageBytes = o.maxMessageBytes ?? q.maxMessageBytes;
    queues.set(name, q);
    return urlOf(name);
  }

  function createQueueOp(input: any) {
    const a = (input.Attributes ?? {}) as Record<string, string>;
    let redrivePolicy: { deadLetterTargetArn?: string; maxReceiveCount?: number | string } = {};
    if (a.RedrivePolicy) redrivePolicy = JSON.parse(a.RedrivePolicy);
    return {
      QueueUrl: createQueue(String(input.QueueName ?? ''), {
        ...(a.VisibilityTimeout !== undefined ? { visibilityTimeoutS: intIn(a.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200, 30) } : {}),
        ...(a.MaximumMessageSize !== undefined ? { maxMessageBytes: intIn(a.MaximumMessageSize, 'MaximumMessageSize', 1024, 1_048_576, MAX_MESSAGE_BYTES) } : {}),
        ...(redrivePolicy.deadLetterTargetArn ? { deadLetterQueue: redrivePolicy.deadLetterTargetArn.split(':').pop()!, maxReceiveCount: Number(redrivePolicy.maxReceiveCount ?? 10) } : {}),
      }),
    };
  }

  let closing!: () => void;
  const closed = new Promise<void>((resolve) => (closing = resolve));

  async function operation(op: string, input: any, left: Promise<void>, gone: () => boolean): Promise<unknown> {
    switch (op) {
      case 'GetQueueUrl': {
        const q = queues.get(String(input.QueueName ?? ''));
        if (!q) throw nonExistent();
        return { QueueUrl: urlOf(q.name) };
      }
      case 'CreateQueue':
        return createQueueOp(input);
      case 'SendMessage':
        return sendMessage(input);
      case 'SendMessageBatch':
        return sendMessageBatch(input);
      case 'ReceiveMessage':
        return receiveMessage(input, left, gone);
      case 'DeleteMessage':
        deleteOne(byUrl(input.QueueUrl), input.ReceiptHandle);
        return {};
      case 'DeleteMessageBatch': {
        const q = byUrl(input.QueueUrl);
        return perEntry(batchOf(input, 'DeleteMessageBatchRequestEntry'), (e) => deleteOne(q, e.ReceiptHandle));
      }
      case 'ChangeMessageVisibility':
        changeVisibility(byUrl(input.QueueUrl), input.ReceiptHandle, input.VisibilityTimeout);
        return {};
      case 'ChangeMessageVisibilityBatch': {
        const q = byUrl(input.QueueUrl);
        return perEntry(batchOf(input, 'ChangeMessageVisibilityBatchRequestEntry'), (e) => changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout));
      }
      case 'GetQueueAttributes':
        return getQueueAttributes(input);
      case 'PurgeQueue':
        byUrl(input.QueueUrl).messages.clear();
        return {};
      case 'ListQueues':
        return { QueueUrls: [...queues.keys()].filter((n) => n.startsWith(String(input.QueueNamePrefix ?? ''))).map(urlOf) };
      default:
        throw new SqsError('UnsupportedOperation', `The local SQS does not implement ${op}.`, 'AWS.SimpleQueueService.UnsupportedOperation');
    }
  }

  function stats(): QueueStats[] {
    return [...queues.values()].map((q) => {
      const c = counts(q);
      const dlq = q.deadLetterQueue ? queues.get(q.deadLetterQueue) : undefined;
      const d = dlq ? counts(dlq) : undefined;
      return {
        name: q.name,
        url: urlOf(q.name),
        visible: c.visible,
        inFlight: c.inFlight,
        ...(q.deadLetterQueue ? { deadLetterQueue: q.deadLetterQueue, deadLettered: d ? d.visible + d.inFlight : 0 } : {}),
      };
    });
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === 'GET' && req.url?.split('?')[0] === '/_local/queues') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ queues: stats() }));
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (req.method !== 'POST' || !target.startsWith('AmazonSQS.')) {
        throw new SqsError('InvalidAction', 'The local SQS speaks the AWS JSON 1.0 protocol only: POST / with X-Amz-Target: AmazonSQS.<Operation>.', 'InvalidAction');
      }
      let input: unknown;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        throw new SqsError('SerializationException', 'The request body is not valid JSON.');
      }
      let hungUp = false;
      const left = new Promise<void>((resolve) => {
        res.once('close', () => {
          hungUp = !res.writableFinished;
          resolve();
        });
        void closed.then(resolve);
      });
      const out = await operation(target.slice('AmazonSQS.'.length), input ?? {}, left, () => hungUp);
      if (!hungUp) send(res, 200, out);
    } catch (e) {
      const x = e instanceof SqsError ? e : new SqsError('InternalError', (e as Error)?.message ?? String(e), 'InternalError', 500);
      const type = x.status >= 500 ? 'Receiver' : 'Sender';
      send(res, x.status, { __type: `com.amazonaws.sqs#${x.code}`, message: x.message }, { 'x-amzn-query-error': `${x.queryCode};${type}` });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      baseUrl = `http://${host}:${port}`;
      resolve({
        url: baseUrl,
        port,
        createQueue,
        queueUrl: urlOf,
        queueArn: arnOf,
        stats,
        messages: (name) => [...(queues.get(name)?.messages.values() ?? [])],
        failNext: (count = 1) => {
          faults += count;
        },
        close: () =>
          new Promise<void>((done) => {
            closing();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
