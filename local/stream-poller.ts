/**
 * The table's stream → a Lambda handler, as the event source mapping does it on AWS: every shard
 * read in order (a child shard only after its parent), records turned into the Lambda event
 * shape, the ESM filter applied, batches of at most `batchSize`, `batchItemFailures` honoured by
 * retrying from the lowest failed record with backoff, and a batch that keeps failing handed to
 * `onFailure` (the local "DLQ") so the shard moves on. Used by the tests, the offline stack and
 * the benchmarks.
 *
 * An idle shard is polled again after `pollIntervalMs` (a few ms), not the 1 s a Kinesis consumer
 * would sleep: DynamoDB Local has no read quota and the point is to see new records at once.
 */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
  type AttributeValue as SdkAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { errorName } from '../lambdas/channels/report.js';

/** An event filter pattern as Lambda takes it (FANOUT_FILTER is one). */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | number | boolean | null | { readonly [op: string]: unknown };

export interface StreamFailure {
  shardId: string;
  /** The records given up on: the lowest failed one and the rest of its batch. */
  records: DynamoDBRecord[];
  attempts: number;
  reason: string;
}

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void | undefined | null>;
  filter?: FilterPattern;
  /** Pause before polling idle shards again. Default 15 ms. */
  pollIntervalMs?: number;
  /** Records per handler call, at most. Default 100 (the ESM default). */
  batchSize?: number;
  /** Retries of a failing batch before it goes to `onFailure`. Default 5. */
  maxRetries?: number;
  /** First retry delay; it doubles each time, capped at 1 s. Default 20 ms. */
  retryBaseMs?: number;
  /** Where a shard open when the poller starts is read from. Default TRIM_HORIZON (everything still in the stream). */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  onFailure?: (failure: StreamFailure) => void;
  /** Errors reading the stream (they are retried); default console.error. */
  onError?: (error: unknown) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
  /** Resolves once every record written before the call has been handled (or given up on). */
  drain(opts?: { timeoutMs?: number }): Promise<void>;
  /** Batches given up on so far. */
  failures(): StreamFailure[];
}

interface Shard {
  id: string;
  parentId?: string;
  iterator?: string;
  /** Last sequence number read (handled, filtered out or given up on): where to resume. */
  lastSeq?: string;
  /** Read from LATEST rather than TRIM_HORIZON when it has no position yet. */
  latest: boolean;
  closed: boolean;
  /** The drain generation of the latest poll that found the shard empty. */
  caughtUp: number;
}

const DESCRIBE_EVERY_MS = 250;

// ---------------------------------------------------------------------------------------------
// Record shape and filter

function toLambdaValue(v: SdkAttributeValue): AttributeValue {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) };
  if (v.M !== undefined) return { M: toLambdaMap(v.M) };
  return v as AttributeValue;
}

function toLambdaMap(img: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(img).map(([k, v]) => [k, toLambdaValue(v)]));
}

function toLambdaImage(img: Record<string, SdkAttributeValue> | undefined): Record<string, AttributeValue> | undefined {
  return img ? toLambdaMap(img) : undefined;
}

/** A stream record as Lambda's event source mapping delivers it (times in epoch seconds, binary as base64). */
export function toLambdaRecord(r: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
    ApproximateCreationDateTime: created ? Math.floor(new Date(created).getTime() / 1000) : undefined,
    Keys: toLambdaImage(d.Keys),
    SequenceNumber: d.SequenceNumber,
    SizeBytes: d.SizeBytes,
    StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
  };
  if (d.NewImage) dynamodb.NewImage = toLambdaImage(d.NewImage);
  if (d.OldImage) dynamodb.OldImage = toLambdaImage(d.OldImage);
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion ?? 'us-east-1',
    dynamodb,
    eventSourceARN: streamArn,
    ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
  };
}

function matchValue(rule: FilterValue, value: unknown): boolean {
  if (rule === null || typeof rule !== 'object') return value === rule;
  const entries = Object.entries(rule);
  if (entries.length !== 1) throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
  const [op, arg] = entries[0]!;
  switch (op) {
    case 'exists':
      return (value !== undefined) === arg;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(String(arg));
    case 'anything-but':
      return value !== undefined && !(Array.isArray(arg) ? arg : [arg]).includes(value);
    default:
      throw new Error(`unsupported filter operator ${op}`);
  }
}

/**
 * Lambda's event filtering, for the pattern shapes this project uses: nested objects, lists of
 * allowed values, and `exists`, `prefix`, `anything-but` rules. Every key of the pattern must match.
 */
export function matchesFilter(pattern: FilterPattern, record: unknown): boolean {
  const obj = record !== null && typeof record === 'object' ? (record as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([key, rule]) => {
    const value = obj[key];
    if (Array.isArray(rule)) {
      const values = Array.isArray(value) ? value : [value];
      return (rule as readonly FilterValue[]).some((r) => (r !== null && typeof r === 'object' && 'exists' in r ? matchValue(r, value) : values.some((v) => matchValue(r, v))));
    }
    return value !== null && typeof value === 'object' && matchesFilter(rule as FilterPattern, value);
  });
}

// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startStreamPoller(opts: StreamPollerOptions): StreamPoller {
  const { client, streamArn, handler } = opts;
  const pollIntervalMs = opts.pollIntervalMs ?? 15;
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 100, 10_000));
  const maxRetries = opts.maxRetries ?? 5;
  const retryBaseMs = opts.retryBaseMs ?? 20;
  const onError = opts.onError ?? ((e: unknown) => console.error('stream poller:', e));

  const shards = new Map<string, Shard>();
  const given: StreamFailure[] = [];
  let firstDescribe = true;
  let lastDescribe = 0;
  let described = 0;
  let generation = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const waiters: Array<{ target: number; resolve: () => void; reject: (e: Error) => void }> = [];

  function nudge() {
    wake?.();
  }

  async function describe(gen: number) {
    const found: Array<{ ShardId?: string; ParentShardId?: string }> = [];
    let start: string | undefined;
    do {
      const r = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      found.push(...(r.StreamDescription?.Shards ?? []));
      start = r.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const s of found) {
      if (!s.ShardId || shards.has(s.ShardId)) continue;
      // Shards that appear later were created after the poller started: read them from their start.
      shards.set(s.ShardId, {
        id: s.ShardId,
        parentId: s.ParentShardId,
        latest: firstDescribe && opts.startingPosition === 'LATEST',
        closed: false,
        caughtUp: 0,
      });
    }
    firstDescribe = false;
    lastDescribe = Date.now();
    described = gen;
  }

  /** A child waits for its parent (per-key order); a parent no longer listed has been trimmed. */
  function readable(s: Shard): boolean {
    if (s.closed) return false;
    const parent = s.parentId ? shards.get(s.parentId) : undefined;
    return !parent || parent.closed;
  }

  async function iterator(s: Shard): Promise<string | undefined> {
    if (s.iterator) return s.iterator;
    const input = s.lastSeq ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: s.lastSeq } : { ShardIteratorType: s.latest ? ('LATEST' as const) : ('TRIM_HORIZON' as const) };
    const r = await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.id, ...input }));
    s.iterator = r.ShardIterator;
    return s.iterator;
  }

  async function deliver(shardId: string, batch: DynamoDBRecord[]) {
    let remaining = batch;
    for (let attempt = 1; ; attempt++) {
      let failedAt = -1;
      let reason = '';
      try {
        const res = await handler({ Records: remaining });
        const ids = (res?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
        if (ids.length > 0) {
          const seqs = remaining.map((r) => r.dynamodb?.SequenceNumber);
          // As on AWS: an identifier that names no record of the batch fails the whole batch.
          failedAt = ids.every((id) => seqs.includes(id)) ? Math.min(...ids.map((id) => seqs.indexOf(id))) : 0;
          reason = `batchItemFailures: ${ids.length}`;
        }
      } catch (e) {
        failedAt = 0;
        reason = `handler threw ${errorName(e)}: ${(e as Error)?.message ?? ''}`;
      }
      if (failedAt < 0) return;
      remaining = remaining.slice(failedAt);
      if (stopped) return; // not a failure: a restarted poller reads these again
      if (attempt > maxRetries) {
        const failure = { shardId, records: remaining, attempts: attempt, reason };
        given.push(failure);
        try {
          opts.onFailure?.(failure);
        } catch (e) {
          onError(e);
        }
        return;
      }
      await sleep(Math.min(1000, retryBaseMs * 2 ** (attempt - 1)));
    }
  }

  /** One GetRecords on a shard and the handler calls for it; returns how many records it read. */
  async function poll(s: Shard, gen: number): Promise<number> {
    const it = await iterator(s);
    if (!it) {
      s.closed = true;
      return 0;
    }
    let r;
    try {
      r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
    } catch (e) {
      const name = errorName(e);
      if (name === 'ExpiredIteratorException') {
        s.iterator = undefined; // resume after the last sequence number read
        return 0;
      }
      if (name === 'TrimmedDataAccessException') {
        s.iterator = undefined;
        s.lastSeq = undefined;
        s.latest = false;
        return 0;
      }
      if (name === 'ResourceNotFoundException') {
        s.closed = true; // the shard or the stream is gone
        return 0;
      }
      throw e;
    }
    const records = r.Records ?? [];
    s.iterator = r.NextShardIterator;
    if (records.length === 0) {
      if (!s.iterator) s.closed = true;
      s.caughtUp = gen;
      return 0;
    }
    const events = records.map((x) => toLambdaRecord(x, streamArn)).filter((x) => !opts.filter || matchesFilter(opts.filter, x));
    for (let i = 0; i < events.length; i += batchSize) await deliver(s.id, events.slice(i, i + batchSize));
    s.lastSeq = records.at(-1)?.dynamodb?.SequenceNumber ?? s.lastSeq;
    if (!s.iterator) s.closed = true;
    return records.length;
  }

  function settleWaiters() {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      const done = described >= w.target && [...shards.values()].every((s) => s.closed || s.caughtUp >= w.target);
      if (done) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async function loop() {
    while (!stopped) {
      const gen = generation;
      let read = 0;
      try {
        if (Date.now() - lastDescribe >= DESCRIBE_EVERY_MS || described < gen) await describe(gen);
        for (const s of [...shards.values()]) {
          if (stopped) break;
          if (readable(s)) read += await poll(s, gen);
        }
      } catch (e) {
        onError(e);
        await sleep(Math.max(pollIntervalMs, 100));
        continue;
      }
      settleWaiters();
      // A shard that just closed may have released a child: look again at once.
      if (read === 0 && !stopped && generation === gen) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollIntervalMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  const running = loop();

  return {
    async stop() {
      stopped = true;
      nudge();
      await running;
      for (const w of waiters.splice(0)) w.reject(new Error('stream poller stopped'));
    },
    drain({ timeoutMs = 30_000 } = {}) {
      if (stopped) return Promise.reject(new Error('stream poller stopped'));
      const target = ++generation;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.resolve === done);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`stream poller did not drain within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({
          target,
          resolve: done,
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        nudge();
      });
    },
    failures: () => given.slice(),
  };
}
