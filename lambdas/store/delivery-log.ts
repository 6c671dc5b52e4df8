/**
 * The delivery log's items (SPEC §12): one per (agent, notification) under LOG#{ws}#{agent}, sort
 * key `{at}#{kind letter}#{id}` (domain/delivery-log.ts), so a Query read backwards is newest first
 * and the same message, digest or test always lands on the same item: a redelivered stream record
 * rewrites its entry (with everything it knows, earlier outcomes included), never adds a second one.
 * Items expire after 30 days through the table's TTL attribute (`ttl`, lib/stack.ts / store/table.ts).
 *
 * Written in BatchWriteItem requests of at most 25 puts; what DynamoDB leaves unprocessed is sent
 * again with backoff, as the API asks ("If any requested operations fail ... UnprocessedItems ...
 * we strongly recommend that you use an exponential backoff algorithm",
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 */
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AgentLogEntry, LogEntry } from '../domain/delivery-log.js';
import { CursorError, decodeCursor, encodeCursor, k } from './keys.js';
import { TABLE } from './table.js';

export const LOG_TTL_S = 30 * 24 * 60 * 60;
/** BatchWriteItem takes at most 25 put or delete requests. */
const BATCH = 25;
const MAX_ATTEMPTS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function item(e: AgentLogEntry, nowS: number): Record<string, unknown> {
  return { ...k.deliveryLog(e.workspaceId, e.agentId, e.id), entity: 'logEntry', entry: e.entry, [TABLE.ttlAttribute]: nowS + LOG_TTL_S };
}

/** Put entries (one item each, overwriting the same entry of an earlier attempt). Throws when a batch cannot be written. */
export async function writeLogEntries(db: DynamoDBDocumentClient, tableName: string, entries: readonly AgentLogEntry[], nowMs = Date.now()): Promise<void> {
  if (entries.length === 0) return;
  const nowS = Math.floor(nowMs / 1000);
  // One put per key in a request (BatchWriteItem refuses duplicates): the last entry for a key wins.
  const unique = new Map<string, AgentLogEntry>();
  for (const e of entries) unique.set(`${e.workspaceId}#${e.agentId}#${e.id}`, e);
  const all = [...unique.values()];
  const batches: AgentLogEntry[][] = [];
  for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
  await Promise.all(
    batches.map((b) =>
      writeBatch(
        db,
        tableName,
        b.map((e) => ({ PutRequest: { Item: item(e, nowS) } })),
      ),
    ),
  );
}

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

async function writeBatch(db: DynamoDBDocumentClient, tableName: string, requests: WriteRequest[]): Promise<void> {
  let todo = requests;
  for (let attempt = 1; todo.length > 0; attempt++) {
    const r = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: todo } }));
    todo = (r.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    if (todo.length === 0) return;
    if (attempt >= MAX_ATTEMPTS) throw new Error(`delivery log: ${todo.length} entries left unprocessed`);
    await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
  }
}

export interface LogPage {
  notifications: LogEntry[];
  nextCursor?: string;
}

/**
 * One page of an agent's log, newest first. The cursor holds only the sort key of the last entry
 * read: the partition is always the caller's own, so a cursor cannot open another agent's log.
 */
export async function listLog(db: DynamoDBDocumentClient, tableName: string, workspaceId: string, agentId: string, cursor: string | undefined, limit = 50): Promise<LogPage> {
  const start = decodeCursor(cursor);
  if (start && (typeof start.sk !== 'string' || start.sk.length === 0 || start.sk.length > 400)) throw new CursorError();
  const pk = k.deliveryLogPk(workspaceId, agentId);
  const r = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: limit,
      ...(start ? { ExclusiveStartKey: { pk, sk: start.sk } } : {}),
    }),
  );
  const items = r.Items ?? [];
  const notifications = items.map((it) => it.entry as LogEntry);
  const last = items.at(-1);
  const nextCursor = r.LastEvaluatedKey && last ? encodeCursor({ sk: last.sk }) : undefined;
  return nextCursor ? { notifications, nextCursor } : { notifications };
}
