/**
 * How fast DynamoDB Local takes writes on this machine, by request shape: the ceiling under the
 * offline fan-out to many recipients (one badge UpdateItem per recipient, SPEC §11.2, plus the
 * delivery log's BatchWriteItem entries, §12) and under the reminder. A fresh DynamoDB Local with
 * the app's table; 1,000 distinct UNREAD-like items; three rounds (the first includes the JIT).
 *
 *   npx tsx bench/dynamodb-local-writes.ts
 *
 * Not part of `npm run bench`: BENCHMARKS.md ("Where the time goes") quotes its output.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchExecuteStatementCommand, BatchGetCommand, BatchWriteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocalOnFreePort } from '../local/dynamodb-local.js';
import { localClientConfig, localDocClient } from '../local/client-config.js';
import { ensureTable } from '../local/tables.js';
import { mapLimit } from '../lambdas/platform/map-limit.js';

const N = 1000;
const TABLE = 'bench-writes';
const dynamo = await startDynamoDbLocalOnFreePort();
const admin = new DynamoDBClient(localClientConfig(dynamo.endpoint));
await ensureTable(admin, TABLE, { timeToLive: false });
admin.destroy();
const db = localDocClient(dynamo.endpoint);
const keys = Array.from({ length: N }, (_, i) => ({ pk: `AGENT#w#a${i}`, sk: 'UNREAD' }));
const chunks = <T>(a: readonly T[], n: number) => Array.from({ length: Math.ceil(a.length / n) }, (_, i) => a.slice(i * n, i * n + n));
const rounds: Array<Record<string, number>> = [];

async function time(out: Record<string, number>, name: string, f: () => Promise<unknown>) {
  const t0 = performance.now();
  await f();
  out[name] = Math.round(performance.now() - t0);
}

try {
  for (let round = 1; round <= 3; round++) {
    const out: Record<string, number> = {};
    const update = (k: { pk: string; sk: string }, attr: string) =>
      db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: k,
          UpdateExpression: 'SET #c = :s',
          ConditionExpression: 'attribute_not_exists(#c) OR #c <= :s',
          ExpressionAttributeNames: { '#c': attr },
          ExpressionAttributeValues: { ':s': round },
          ReturnValues: 'ALL_NEW',
        }),
      );
    for (const c of [1, 8, 32]) await time(out, `UpdateItem ×200, ${c} in flight`, () => mapLimit(keys.slice(0, 200), c, (k) => update(k, `c#x${c}`)));
    await time(out, `UpdateItem ×${N}, 32 in flight (the badge writes)`, () => mapLimit(keys, 32, (k) => update(k, 'c#conv')));
    await time(out, `BatchWriteItem ${N} puts, 25 per request, 8 in flight (the delivery log)`, () =>
      mapLimit(chunks(keys, 25), 8, (ks) =>
        db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: ks.map((k) => ({ PutRequest: { Item: { pk: k.pk.replace('AGENT', 'LOG'), sk: `m${round}`, body: 'x'.repeat(300) } } })) } })),
      ),
    );
    await time(out, `TransactWriteItems ${N} updates, 100 per request, 10 in flight`, () =>
      mapLimit(chunks(keys, 100), 10, (ks) =>
        db.send(
          new TransactWriteCommand({
            TransactItems: ks.map((k) => ({
              Update: { TableName: TABLE, Key: k, UpdateExpression: 'SET #c = :s', ExpressionAttributeNames: { '#c': 'c#tx' }, ExpressionAttributeValues: { ':s': round } },
            })),
          }),
        ),
      ),
    );
    await time(out, `BatchExecuteStatement ${N} UPDATEs, 25 per request, 10 in flight`, () =>
      mapLimit(chunks(keys, 25), 10, (ks) =>
        db.send(new BatchExecuteStatementCommand({ Statements: ks.map((k) => ({ Statement: `UPDATE "${TABLE}" SET "c#pq" = ? WHERE pk = ? AND sk = ?`, Parameters: [round, k.pk, k.sk] })) })),
      ),
    );
    await time(out, `BatchGetItem ${N} keys, 100 per request, 10 in flight`, () => mapLimit(chunks(keys, 100), 10, (ks) => db.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: ks } } }))));
    rounds.push(out);
  }
  console.log(JSON.stringify({ items: N, msByRound: rounds }, null, 2));
} finally {
  db.destroy();
  await dynamo.stop();
}
