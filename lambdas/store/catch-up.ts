/**
 * The catch-up push owed after do-not-disturb or quiet hours (SPEC §11.4). When the fan-out
 * withholds an alert push because the agent is quiet, it records one item per agent,
 * `AGENT#{ws}#{agent}` / `CATCHUP`, that sits in the sparse `due` index under `CATCHUP#{shard}`
 * sorted by the instant the quiet ends. The reminder reads each shard only up to now: what it reads
 * is what has ended, so its cost follows what is due, not the number of quiet agents.
 *
 * Once per quiet spell: the reminder deletes the entry under the condition that it is still the
 * one it read (the key it was found under), before it sends; an overlapping run or a redelivered
 * work item loses that delete and sends nothing.
 */
import { DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from './table.js';
import { dueShard, k, DUE_SHARDS } from './keys.js';
import { writtenIf } from './errors.js';

const DUE = TABLE.indexes.dueReminders;

type Ids = { workspaceId: string; agentId: string };

export interface CatchUpEntry extends Ids {
  /** The index sort key it was found under: the delete's condition. */
  dueSk: string;
  endsAtMs: number;
}

/** Every catch-up partition of the `due` index. */
export function catchUpPartitions(): string[] {
  return Array.from({ length: DUE_SHARDS }, (_, i) => k.catchUpPk(i));
}

/** The catch-up partition of the reminder shard `DUE#nn`, or undefined for another partition. */
export function catchUpPartitionOf(duePartition: string): string | undefined {
  const m = /^DUE#(\d{2})$/.exec(duePartition);
  return m ? k.catchUpPk(Number(m[1])) : undefined;
}

/**
 * A catch-up is owed once the quiet ends at `endsAtMs`. One item per agent, written whole: a later
 * withheld push moves it to the later end (a DND extended meanwhile); a write of an earlier end than
 * one recorded is harmless, since the reminder checks the agent is no longer quiet before it sends.
 * Idempotent for a redelivered record (same end, same item).
 */
export async function recordCatchUp(db: DynamoDBDocumentClient, tableName: string, a: Ids, endsAtMs: number): Promise<void> {
  // An UpdateItem (not a Put): the fan-out and the reminder already hold UpdateItem on AGENT#.
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: k.catchUp(a.workspaceId, a.agentId),
      UpdateExpression: 'SET entity = :e, workspaceId = :w, agentId = :a, endsAtMs = :end, #p = :p, #s = :s',
      ExpressionAttributeNames: { '#p': DUE.partitionKey, '#s': DUE.sortKey },
      ExpressionAttributeValues: {
        ':e': 'catch-up',
        ':w': a.workspaceId,
        ':a': a.agentId,
        ':end': endsAtMs,
        ':p': k.catchUpPk(dueShard(a.workspaceId, a.agentId)),
        ':s': k.catchUpSk(endsAtMs, a.workspaceId, a.agentId),
      },
    }),
  );
}

/** The entries of one catch-up partition whose quiet ended at or before `nowMs` (eventually consistent, like the index). */
export async function dueCatchUps(db: DynamoDBDocumentClient, tableName: string, partition: string, nowMs: number): Promise<CatchUpEntry[]> {
  const out: CatchUpEntry[] = [];
  let start: Record<string, unknown> | undefined;
  // Every sort key of an end at or before now sorts before `{now+1, 13 digits}`.
  const upTo = k.catchUpSk(nowMs + 1, '', '').slice(0, 13);
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: DUE.name,
        KeyConditionExpression: '#p = :p AND #s < :upTo',
        ExpressionAttributeNames: { '#p': DUE.partitionKey, '#s': DUE.sortKey },
        ExpressionAttributeValues: { ':p': partition, ':upTo': upTo },
        ProjectionExpression: 'workspaceId, agentId, endsAtMs, #s',
        ExclusiveStartKey: start,
      }),
    );
    for (const it of r.Items ?? []) {
      out.push({ workspaceId: it.workspaceId as string, agentId: it.agentId as string, endsAtMs: Number(it.endsAtMs), dueSk: it[DUE.sortKey] as string });
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Take the entry for this run: true for exactly one taker of the entry as it was read. */
export function takeCatchUp(db: DynamoDBDocumentClient, tableName: string, e: CatchUpEntry): Promise<boolean> {
  return writtenIf(
    db.send(
      new DeleteCommand({
        TableName: tableName,
        Key: k.catchUp(e.workspaceId, e.agentId),
        ConditionExpression: '#s = :sk',
        ExpressionAttributeNames: { '#s': DUE.sortKey },
        ExpressionAttributeValues: { ':sk': e.dueSk },
      }),
    ),
  );
}
