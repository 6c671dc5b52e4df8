/**
 * Per-agent positions in a conversation: readSeq (what they read), emailedSeq (what a reminder
 * listed) and dueSeq (newest visitor message owed a reminder). While dueSeq is ahead of both, the
 * item carries the sparse `due` index keys, so the reminder reads only what is owed.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from './table.js';
import { k } from './keys.js';
import { writtenIf } from './errors.js';

const DUE = TABLE.indexes.dueReminders;

export interface PositionItem {
  conversationId: string;
  agentId: string;
  workspaceId: string;
  readSeq: number;
  emailedSeq: number;
  dueSeq: number;
  /** When the newest owed visitor message (dueSeq) arrived, epoch ms; missing on older items. */
  dueAtMs?: number;
}

function toPosition(it: Record<string, unknown>): PositionItem {
  return {
    conversationId: it.conversationId as string,
    agentId: it.agentId as string,
    workspaceId: it.workspaceId as string,
    readSeq: Number(it.readSeq ?? 0),
    emailedSeq: Number(it.emailedSeq ?? 0),
    dueSeq: Number(it.dueSeq ?? 0),
    ...(it.dueAtMs !== undefined ? { dueAtMs: Number(it.dueAtMs) } : {}),
  };
}

export async function getPosition(db: DynamoDBDocumentClient, tableName: string, conv: string, agentId: string) {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.position(conv, agentId), ConsistentRead: true }));
  return r.Item ? toPosition(r.Item) : undefined;
}

/** Drop the due keys once the obligation is met up to `seq`; a newer due message keeps them. */
async function clearDueUpTo(db: DynamoDBDocumentClient, tableName: string, conv: string, agentId: string, seq: number) {
  await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.position(conv, agentId),
        UpdateExpression: 'REMOVE #dp, #ds, dueAtMs',
        ConditionExpression: 'attribute_exists(#dp) AND dueSeq <= :s',
        ExpressionAttributeNames: { '#dp': DUE.partitionKey, '#ds': DUE.sortKey },
        ExpressionAttributeValues: { ':s': seq },
      }),
    ),
  );
}

/** Move the agent's read position forward to `seq` (never back). Returns the position after. */
export async function markRead(db: DynamoDBDocumentClient, tableName: string, ids: { workspaceId: string; conversationId: string; agentId: string }, seq: number): Promise<number> {
  const moved = await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.position(ids.conversationId, ids.agentId),
        UpdateExpression: 'SET readSeq = :s, workspaceId = :w, conversationId = :c, agentId = :a, entity = :e',
        ConditionExpression: 'attribute_not_exists(readSeq) OR readSeq < :s',
        ExpressionAttributeValues: { ':s': seq, ':w': ids.workspaceId, ':c': ids.conversationId, ':a': ids.agentId, ':e': 'position' },
      }),
    ),
  );
  // Not moved: it already stood at or past `seq`, so report where it stands.
  const readSeq = moved ? seq : ((await getPosition(db, tableName, ids.conversationId, ids.agentId))?.readSeq ?? seq);
  await clearDueUpTo(db, tableName, ids.conversationId, ids.agentId, readSeq);
  return readSeq;
}

/**
 * Record that the agent owes a reminder for visitor message `seq` (which arrived at `arrivedAtMs`),
 * unless they already read or were emailed up to it. Idempotent: a redelivered message changes
 * nothing. The entry goes to the agent's due shard; an entry still under the legacy `DUE` key is
 * moved there by this write (migration on touch).
 */
export async function recordDue(
  db: DynamoDBDocumentClient,
  tableName: string,
  ids: { workspaceId: string; conversationId: string; agentId: string },
  seq: number,
  arrivedAtMs: number = Date.now(),
): Promise<boolean> {
  return writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.position(ids.conversationId, ids.agentId),
        UpdateExpression: 'SET dueSeq = :s, dueAtMs = :at, #dp = :dp, #ds = :ds, workspaceId = :w, conversationId = :c, agentId = :a, entity = :e',
        ConditionExpression: '(attribute_not_exists(dueSeq) OR dueSeq < :s) AND (attribute_not_exists(readSeq) OR readSeq < :s) AND (attribute_not_exists(emailedSeq) OR emailedSeq < :s)',
        ExpressionAttributeNames: { '#dp': DUE.partitionKey, '#ds': DUE.sortKey },
        ExpressionAttributeValues: {
          ':s': seq,
          ':at': arrivedAtMs,
          ':dp': k.duePk(ids.workspaceId, ids.agentId),
          ':ds': k.dueSk(ids.workspaceId, ids.agentId, ids.conversationId),
          ':w': ids.workspaceId,
          ':c': ids.conversationId,
          ':a': ids.agentId,
          ':e': 'position',
        },
      }),
    ),
  );
}

/** After a reminder listed the conversation up to `seq`: those messages are never emailed again. */
export async function recordEmailed(db: DynamoDBDocumentClient, tableName: string, conv: string, agentId: string, seq: number): Promise<void> {
  // The usual case in one write: the emailed position moves and nothing newer is owed, so the due
  // keys go too. Otherwise (a newer owed message, or already recorded) the two steps below.
  const both = await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.position(conv, agentId),
        UpdateExpression: 'SET emailedSeq = :s REMOVE #dp, #ds, dueAtMs',
        ConditionExpression: '(attribute_not_exists(emailedSeq) OR emailedSeq < :s) AND attribute_exists(#dp) AND dueSeq <= :s',
        ExpressionAttributeNames: { '#dp': DUE.partitionKey, '#ds': DUE.sortKey },
        ExpressionAttributeValues: { ':s': seq },
      }),
    ),
  );
  if (both) return;
  await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.position(conv, agentId),
        UpdateExpression: 'SET emailedSeq = :s',
        ConditionExpression: 'attribute_not_exists(emailedSeq) OR emailedSeq < :s',
        ExpressionAttributeValues: { ':s': seq },
      }),
    ),
  );
  await clearDueUpTo(db, tableName, conv, agentId, seq);
}

/** Drop an obligation that no longer applies (the agent was removed or went inactive, the conversation is gone, 7 days passed). */
export async function dropDue(db: DynamoDBDocumentClient, tableName: string, conv: string, agentId: string, seq: number) {
  await clearDueUpTo(db, tableName, conv, agentId, seq);
}
