/**
 * Posts racing for a seq in one conversation (lambdas/store/messages.ts): n posts at once, each
 * claiming `MSG#{seq}` by a conditional Put. Counts the requests the crowd sends (a refused
 * conditional Put is billed like a write on AWS) and how many posts give up at the default 3 s
 * deadline (the handler's 429, SPEC §10.2). A fresh DynamoDB Local; three rounds per size (the
 * first includes the JIT).
 *
 *   npx tsx bench/seq-race.ts
 *
 * Not part of `npm run bench`: BENCHMARKS.md ("Posts racing for a seq") quotes its output.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocalOnFreePort } from '../local/dynamodb-local.js';
import { localClientConfig } from '../local/client-config.js';
import { ensureTable } from '../local/tables.js';
import { appendMessage, createConversation, SeqContentionError } from '../lambdas/store/messages.js';
import { newId } from '../lambdas/domain/ids.js';

const TABLE = 'bench-seq-race';
const dynamo = await startDynamoDbLocalOnFreePort();
const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
let calls: Record<string, number> = {};
client.middlewareStack.add(
  (next, context) => async (args) => {
    const name = String((context as { commandName?: string }).commandName);
    calls[name] = (calls[name] ?? 0) + 1;
    return next(args);
  },
  { step: 'initialize', name: 'countCalls' },
);
await ensureTable(client, TABLE, { timeToLive: false });
const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

async function race(n: number, deadlineMs: number | undefined) {
  const { conversation } = await createConversation(db, TABLE, { conversationId: newId('conv'), workspaceId: 'ws', visitor: { name: 'A' }, visitorTokenHash: 'x' });
  calls = {};
  const t0 = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => appendMessage(db, TABLE, conversation, { fromType: 'visitor', fromId: conversation.visitorId, body: `m${i}` }, deadlineMs === undefined ? {} : { deadlineMs })),
  );
  const ms = Math.round(performance.now() - t0);
  const gaveUp = settled.filter((s) => s.status === 'rejected' && s.reason instanceof SeqContentionError).length;
  const failed = settled.filter((s) => s.status === 'rejected').length - gaveUp;
  return { n, deadline: deadlineMs === undefined ? '3 s' : 'none', ms, stored: n - gaveUp - failed, gaveUp, failed, puts: calls.PutItemCommand ?? 0, gets: calls.GetItemCommand ?? 0 };
}

try {
  for (const n of [10, 50, 100]) {
    for (let round = 1; round <= 3; round++) console.log(JSON.stringify({ round, ...(await race(n, Number.POSITIVE_INFINITY)) }));
    for (let round = 1; round <= 3; round++) console.log(JSON.stringify({ round, ...(await race(n, undefined)) }));
  }
} finally {
  client.destroy();
  await dynamo.stop();
}
