/**
 * The profile attributes of SPEC §10.3–10.4: `lastSeenAt` (also copied onto the agent's
 * recipient-list items, so the fan-out reads it with the lists it already queries), `removedAt`,
 * `emailVerified`, and `emailStatus` / `emailFailure`. Every write is conditional, so racing
 * containers write once and a removed agent is never brought back by a stray touch.
 */
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k } from './keys.js';
import { writtenIf } from './errors.js';
import { listWrites, type Agent } from './agents.js';
import { readProfileState, targetAttributes, versionCondition } from './targets.js';
import { LISTED_NAME_ATTR, memberDelete, memberPut } from './members.js';

export type AgentIds = { workspaceId: string; agentId: string };

/**
 * Move lastSeenAt to `now` on the profile and the agent's recipient-list items, if it is older
 * than `staleBefore` (both ISO). False when another container did it first or the agent is removed.
 */
export async function touchLastSeen(db: DynamoDBDocumentClient, tableName: string, agent: Agent, now: string, staleBefore: string): Promise<boolean> {
  const moved = await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(agent.workspaceId, agent.agentId),
        UpdateExpression: 'SET lastSeenAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(removedAt) AND (attribute_not_exists(lastSeenAt) OR lastSeenAt < :stale)',
        ExpressionAttributeValues: { ':now': now, ':stale': staleBefore },
      }),
    ),
  );
  if (!moved) return false;
  const lists = [
    [k.recipientsAllPk(agent.workspaceId), agent.settings.scope === 'all'],
    [k.recipientsUnassignedPk(agent.workspaceId), agent.settings.unassigned],
  ] as const;
  // Update, never Put: a list item deleted meanwhile (settings changed, agent removed) stays deleted.
  await Promise.all(
    lists
      .filter(([, on]) => on)
      .map(([pk]) =>
        writtenIf(
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk, sk: agent.agentId },
              UpdateExpression: 'SET lastSeenAt = :now',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':now': now },
            }),
          ),
        ),
      ),
  );
  return true;
}

/** Record the token's `email_verified` on the profile (the reminder reads it there). */
export async function setEmailVerified(db: DynamoDBDocumentClient, tableName: string, ids: AgentIds, verified: boolean): Promise<void> {
  await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(ids.workspaceId, ids.agentId),
        UpdateExpression: 'SET emailVerified = :v',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':v': verified },
      }),
    ),
  );
}

/** SES refused the agent's address for good, or it bounced or complained (SPEC §10.3). */
export async function markEmailFailing(db: DynamoDBDocumentClient, tableName: string, ids: AgentIds, reason: string, at: string): Promise<boolean> {
  return writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(ids.workspaceId, ids.agentId),
        UpdateExpression: 'SET emailStatus = :f, emailFailure = :r',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':f': 'failing', ':r': { reason, at } },
      }),
    ),
  );
}

/** Clear the failure recorded at `failedAt` only: a newer failure recorded meanwhile stays. */
export async function clearEmailFailing(db: DynamoDBDocumentClient, tableName: string, ids: AgentIds, failedAt: string): Promise<void> {
  await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(ids.workspaceId, ids.agentId),
        UpdateExpression: 'REMOVE emailStatus, emailFailure',
        ConditionExpression: 'emailFailure.#at = :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': failedAt },
      }),
    ),
  );
}

/**
 * Removal (SPEC §10.4), in one transaction: the profile is marked removed and the agent leaves both
 * recipient lists, so no fan-out that reads after it can pick them. Repeating it moves nothing but
 * the removal instant: the earliest one is kept.
 */
export async function markRemoved(db: DynamoDBDocumentClient, tableName: string, ids: AgentIds, now: string): Promise<void> {
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: k.agent(ids.workspaceId, ids.agentId),
            // The version (store/targets.ts) moves: a target write that read the lists retries without them.
            UpdateExpression: 'SET removedAt = if_not_exists(removedAt, :now) ADD tv :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': now, ':one': 1 },
          },
        },
        { Delete: { TableName: tableName, Key: { pk: k.recipientsAllPk(ids.workspaceId), sk: ids.agentId } } },
        { Delete: { TableName: tableName, Key: { pk: k.recipientsUnassignedPk(ids.workspaceId), sk: ids.agentId } } },
        // Off the workspace's agent list (GET /v1/agents, store/members.ts).
        memberDelete(tableName, ids.workspaceId, ids.agentId),
      ],
    }),
  );
}

/**
 * A removed agent who signed in again: back on the recipient lists their settings name, seen now.
 * Conditional on the removal it read, so two restores (or a restore racing a new removal) apply once.
 */
export async function restoreAgent(db: DynamoDBDocumentClient, tableName: string, agent: Agent, now: string): Promise<boolean> {
  if (!agent.removedAt) return false;
  const back: Agent = { ...agent, lastSeenAt: now };
  // The list items come back with the targets the profile holds, under its version as read.
  const state = await readProfileState(db, tableName, agent);
  const lists = listWrites(tableName, back, [false, false], state.item).filter((x) => x !== undefined);
  const v = versionCondition(state.tv);
  return writtenIf(
    db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: k.agent(agent.workspaceId, agent.agentId),
              UpdateExpression: 'SET lastSeenAt = :now, #l = :name REMOVE removedAt ADD tv :one',
              ConditionExpression: `removedAt = :r AND ${v.ConditionExpression}`,
              ExpressionAttributeNames: { '#l': LISTED_NAME_ATTR },
              ExpressionAttributeValues: { ':now': now, ':r': agent.removedAt, ':one': 1, ':name': agent.name, ...v.ExpressionAttributeValues },
            },
          },
          ...lists,
          memberPut(tableName, agent.workspaceId, { agentId: agent.agentId, name: agent.name }, targetAttributes(state.item)),
        ],
      }),
    ),
  );
}
