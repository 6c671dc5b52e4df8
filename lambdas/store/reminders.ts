/**
 * The reminder's reads and claims. What is due comes from the sparse `due` index only (one item per
 * (conversation, agent) position that owes a reminder), so a run reads what is owed and nothing
 * else. The claim is a lease on the agent's profile item: two overlapping runs never work on the
 * same agent at once, and a run that dies leaves a lease that simply expires.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from './table.js';
import { k } from './keys.js';
import { isConditionalFailure, writtenIf } from './errors.js';

const DUE = TABLE.indexes.dueReminders;

export interface DueAgent {
  workspaceId: string;
  agentId: string;
  conversationIds: string[];
}

/** Where a shard's walk stands: the partition, and the last agent already taken (their items are skipped). */
export interface DueCursor {
  partition: string;
  /** `{ws}#{agent}#` of the last agent handed out: the walk resumes after all of that agent's items. */
  afterAgent?: string;
}

/**
 * Every agent with something due in one partition of the `due` index (a shard, or the legacy `DUE`
 * partition), one at a time, with the conversations they are owed a reminder for. The index sorts
 * by `{ws}#{agent}#{conv}`, so an agent's items are contiguous and a group is complete as soon as
 * the next agent's first item shows up: memory stays at one page plus one group.
 * The index is eventually consistent: callers re-read each position after claiming.
 */
export async function* dueAgents(db: DynamoDBDocumentClient, tableName: string, cursor: DueCursor, pageSize = 500): AsyncGenerator<DueAgent> {
  let current: DueAgent | undefined;
  let start: Record<string, unknown> | undefined;
  // Past every item of that agent: ids are ASCII without '#', so `{prefix}\uffff` sorts after all of them
  // and before the next agent's `{ws}#{agent'}#…`.
  const after = cursor.afterAgent ? { cond: ' AND #s > :after', values: { ':after': `${cursor.afterAgent}\uffff` } } : { cond: '', values: {} };
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: DUE.name,
        KeyConditionExpression: `#p = :p${after.cond}`,
        ExpressionAttributeNames: { '#p': DUE.partitionKey, ...(cursor.afterAgent ? { '#s': DUE.sortKey } : {}) },
        ExpressionAttributeValues: { ':p': cursor.partition, ...after.values },
        ProjectionExpression: 'workspaceId, agentId, conversationId',
        ExclusiveStartKey: start,
        Limit: pageSize,
      }),
    );
    for (const it of r.Items ?? []) {
      const ws = it.workspaceId as string;
      const agentId = it.agentId as string;
      const conv = it.conversationId as string;
      if (current && current.workspaceId === ws && current.agentId === agentId) {
        current.conversationIds.push(conv);
        continue;
      }
      if (current) yield current;
      current = { workspaceId: ws, agentId, conversationIds: [conv] };
    }
    start = r.LastEvaluatedKey;
  } while (start);
  if (current) yield current;
}

/**
 * The conversations one agent is owed a reminder for: a Query of the agent's due shard on the
 * agent's sort-key prefix, and of the legacy `DUE` partition (entries written before sharding),
 * SPEC §10.4 clears them when the agent is removed. Eventually consistent, like the index: an entry
 * written a moment ago may be missed, and the reminder skips a removed agent anyway.
 */
export async function dueOfAgent(db: DynamoDBDocumentClient, tableName: string, ws: string, agentId: string): Promise<string[]> {
  const out: string[] = [];
  for (const partition of [k.duePk(ws, agentId), k.legacyDuePk()]) {
    let start: Record<string, unknown> | undefined;
    do {
      const r = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: DUE.name,
          KeyConditionExpression: '#p = :p AND begins_with(#s, :prefix)',
          ExpressionAttributeNames: { '#p': DUE.partitionKey, '#s': DUE.sortKey },
          ExpressionAttributeValues: { ':p': partition, ':prefix': k.dueAgentPrefix(ws, agentId) },
          ProjectionExpression: 'conversationId',
          ExclusiveStartKey: start,
        }),
      );
      for (const it of r.Items ?? []) out.push(it.conversationId as string);
      start = r.LastEvaluatedKey;
    } while (start);
  }
  return out;
}

export type ClaimResult = 'claimed' | 'busy' | 'missing';

/**
 * Take the agent's reminder lease until `nowMs + leaseMs`, if nobody holds a live one. `missing`
 * means the agent has no profile (any more), so nothing can be sent to them.
 */
export async function claimAgent(db: DynamoDBDocumentClient, tableName: string, ids: { workspaceId: string; agentId: string }, runId: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
  return (await claimAgentProfile(db, tableName, ids, runId, nowMs, leaseMs)).result;
}

/**
 * The same claim, answering the profile as the claim wrote it (ReturnValues ALL_NEW: an update is
 * strongly consistent, so this is the profile now, without a second read).
 */
export async function claimAgentProfile(
  db: DynamoDBDocumentClient,
  tableName: string,
  ids: { workspaceId: string; agentId: string },
  runId: string,
  nowMs: number,
  leaseMs: number,
): Promise<{ result: ClaimResult; profile?: Record<string, unknown> }> {
  try {
    const r = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(ids.workspaceId, ids.agentId),
        UpdateExpression: 'SET reminderLeaseUntil = :until, reminderLeaseOwner = :run',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(reminderLeaseUntil) OR reminderLeaseUntil < :now)',
        ExpressionAttributeValues: { ':until': nowMs + leaseMs, ':run': runId, ':now': nowMs },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return r.Attributes ? { result: 'claimed', profile: r.Attributes } : { result: 'claimed' };
  } catch (e) {
    if (!isConditionalFailure(e)) throw e;
    return { result: (e as { Item?: unknown }).Item ? 'busy' : 'missing' };
  }
}

/** Give the lease back, only if this run still holds it (a slow run must not free a newer run's lease). */
export async function releaseAgent(db: DynamoDBDocumentClient, tableName: string, ids: { workspaceId: string; agentId: string }, runId: string): Promise<void> {
  await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(ids.workspaceId, ids.agentId),
        UpdateExpression: 'REMOVE reminderLeaseUntil, reminderLeaseOwner',
        ConditionExpression: 'reminderLeaseOwner = :run',
        ExpressionAttributeValues: { ':run': runId },
      }),
    ),
  );
}
