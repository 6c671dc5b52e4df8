/**
 * Consumed capacity of every DynamoDB request a client sends: a middleware on the client asks for
 * `ReturnConsumedCapacity: TOTAL` and adds up what comes back. The handlers of the offline stack
 * run in this process and all share `dynamo()` from lambdas/platform/clients.ts, so metering that
 * one client meters every handler without touching production code.
 *
 * DynamoDB Local reports capacity like DynamoDB does (item size rounding, 2x for transactions,
 * index writes) with two gaps: a refused conditional write's exception carries no ConsumedCapacity
 * (AWS still charges the write), and a Query that matches nothing is reported at 0 units. Both are
 * counted separately, never guessed into the units.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

type Consumed = { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;

export interface Usage {
  readUnits: number;
  writeUnits: number;
  requests: number;
  /** Refused conditional writes / cancelled transactions: AWS charges them, DynamoDB Local reports nothing. */
  refusedWrites: number;
  /** Reads reported at 0 units: DynamoDB Local charges nothing for a Query that matches no item. */
  zeroUnitReads: number;
  byOperation: Record<string, { requests: number; units: number }>;
}

export interface Meter {
  snapshot(): Usage;
  /** Resolves once no metered request is in flight and none started for `quietMs`. */
  idle(quietMs: number, timeoutMs?: number): Promise<void>;
}

function units(c: Consumed): number {
  if (!c) return 0;
  const list = Array.isArray(c) ? c : [c];
  return list.reduce((sum, x) => sum + (x.CapacityUnits ?? 0), 0);
}

function empty(): Usage {
  return { readUnits: 0, writeUnits: 0, requests: 0, refusedWrites: 0, zeroUnitReads: 0, byOperation: {} };
}

function copy(u: Usage): Usage {
  return { ...u, byOperation: Object.fromEntries(Object.entries(u.byOperation).map(([k, v]) => [k, { ...v }])) };
}

/** What happened between two snapshots. */
export function since(before: Usage, after: Usage): Usage {
  const byOperation: Usage['byOperation'] = {};
  for (const [op, v] of Object.entries(after.byOperation)) {
    const b = before.byOperation[op] ?? { requests: 0, units: 0 };
    if (v.requests > b.requests) byOperation[op] = { requests: v.requests - b.requests, units: v.units - b.units };
  }
  return {
    readUnits: after.readUnits - before.readUnits,
    writeUnits: after.writeUnits - before.writeUnits,
    requests: after.requests - before.requests,
    refusedWrites: after.refusedWrites - before.refusedWrites,
    zeroUnitReads: after.zeroUnitReads - before.zeroUnitReads,
    byOperation,
  };
}

export function attachMeter(client: DynamoDBDocumentClient): Meter {
  const total = empty();
  let inFlight = 0;
  let lastChange = performance.now();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const read = READS.has(op);
      if (!read && !WRITES.has(op)) return next(args);
      inFlight++;
      lastChange = performance.now();
      const slot = (total.byOperation[op] ??= { requests: 0, units: 0 });
      total.requests++;
      slot.requests++;
      try {
        const out = await next({ ...args, input: { ...(args.input as object), ReturnConsumedCapacity: 'TOTAL' } });
        const u = units((out.output as { ConsumedCapacity?: Consumed }).ConsumedCapacity);
        if (read) total.readUnits += u;
        else total.writeUnits += u;
        if (read && u === 0) total.zeroUnitReads++;
        slot.units += u;
        return out;
      } catch (e) {
        const name = (e as Error)?.name;
        if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') total.refusedWrites++;
        throw e;
      } finally {
        inFlight--;
        lastChange = performance.now();
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return {
    snapshot: () => copy(total),
    async idle(quietMs, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      while (inFlight > 0 || performance.now() - lastChange < quietMs) {
        if (performance.now() > deadline) throw new Error(`DynamoDB requests still in flight after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
