/**
 * Agents: profile, settings, and the per-workspace recipient lists that let the fan-out find
 * "scope all" and "unassigned on" agents with one Query each instead of a Scan.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultSettings, withDefaults, type NotificationSettings } from '../domain/settings.js';
import type { AgentSettings } from '../domain/recipients.js';
import type { Targets } from '../domain/fanout-plan.js';
import { k } from './keys.js';
import { queryAll } from './query.js';
import { isConditionalFailure, isTransactionConflict, writtenIf } from './errors.js';
import { COPIED_ATTR, isLegacy, readProfileState, targetAttributes, targetsOf, versionCondition } from './targets.js';
import { recordWorkspaceItem } from './workspaces.js';
import { backOff } from './backoff.js';
import { attentionAttributes } from './attention.js';
import type { Presence } from '../domain/attention-plan.js';
import { LISTED_NAME_ATTR, memberPut } from './members.js';

export interface Agent {
  workspaceId: string;
  agentId: string;
  email: string;
  name: string;
  settings: NotificationSettings;
  createdAt: string;
  /** SPEC §10.3–10.4 (agent-status.ts writes these): last use, removal, the token's email_verified, a failing address. */
  lastSeenAt?: string;
  removedAt?: string;
  emailVerified?: boolean;
  emailStatus?: 'failing';
  emailFailure?: { reason: string; at: string };
  /** Stored before the target copies (store/targets.ts isLegacy): app/targets-backfill.ts copies them. */
  legacyTargets?: true;
  /** SPEC §11.4 (store/attention.ts): when do-not-disturb ends, as stored (may be past). */
  doNotDisturbUntil?: string;
}

export interface Identity {
  workspaceId: string;
  agentId: string;
  email: string;
  name: string;
}

/**
 * The agent's recipient-list items after a change of settings (`present`: on each list before).
 * A list item that stays is updated, never replaced, so the targets it carries (store/targets.ts)
 * survive; one that appears gets the targets of `profile` (the profile item as read, under the
 * version condition of the same transaction).
 */
export function listWrites(tableName: string, a: Agent, present: boolean[], profile?: Record<string, unknown>) {
  const entry = { agentId: a.agentId, settings: a.settings, lastSeenAt: a.lastSeenAt ?? a.createdAt };
  const lists: Array<[string, boolean]> = [
    [k.recipientsAllPk(a.workspaceId), a.settings.scope === 'all'],
    [k.recipientsUnassignedPk(a.workspaceId), a.settings.unassigned],
  ];
  return lists.map(([pk, on], i) =>
    on
      ? present[i]
        ? {
            Update: {
              TableName: tableName,
              Key: { pk, sk: a.agentId },
              UpdateExpression: 'SET entity = :e, agentId = :a, settings = :s, lastSeenAt = :l',
              ExpressionAttributeValues: { ':e': 'recipient', ':a': entry.agentId, ':s': entry.settings, ':l': entry.lastSeenAt },
            },
          }
        : { Put: { TableName: tableName, Item: { pk, sk: a.agentId, entity: 'recipient', ...entry, ...targetAttributes(profile), ...attentionAttributes(profile) } } }
      : present[i]
        ? { Delete: { TableName: tableName, Key: { pk, sk: a.agentId } } }
        : undefined,
  );
}

export async function getAgent(db: DynamoDBDocumentClient, tableName: string, ws: string, agentId: string) {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.agent(ws, agentId), ConsistentRead: true }));
  return r.Item ? toAgent(r.Item) : undefined;
}

export function toAgent(item: Record<string, unknown>): Agent {
  return {
    workspaceId: item.workspaceId as string,
    agentId: item.agentId as string,
    email: (item.email as string) ?? '',
    name: (item.name as string) ?? '',
    settings: withDefaults(item.settings as Partial<NotificationSettings>),
    createdAt: item.createdAt as string,
    ...statusOf(item),
  };
}

/**
 * Two agents of one workspace seen for the first time at once both write the workspace item in
 * their transactions: the loser gets TransactionConflict, and its retry finds the item written.
 */
async function retryConflicts<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransactionConflict(e) || i >= attempts) throw e;
      await backOff(i);
    }
  }
}

/** The optional §10.3–10.4 attributes, present only when set. */
function statusOf(item: Record<string, unknown>): Partial<Agent> {
  const out: Partial<Agent> = {};
  if (typeof item.lastSeenAt === 'string') out.lastSeenAt = item.lastSeenAt;
  if (typeof item.removedAt === 'string') out.removedAt = item.removedAt;
  if (typeof item.emailVerified === 'boolean') out.emailVerified = item.emailVerified;
  if (isLegacy(item)) out.legacyTargets = true;
  if (typeof item.doNotDisturbUntil === 'string') out.doNotDisturbUntil = item.doNotDisturbUntil;
  if (item.emailStatus === 'failing') {
    out.emailStatus = 'failing';
    const f = item.emailFailure as { reason?: unknown; at?: unknown } | undefined;
    out.emailFailure = { reason: String(f?.reason ?? 'unknown'), at: String(f?.at ?? '') };
  }
  return out;
}

/**
 * The agent's record, created with SPEC defaults the first time the agent is seen, in one
 * transaction with the workspace item (SPEC §10.1: a workspace exists once one of its agents has
 * signed in). Profile fields follow the token. An agent stored before workspace items existed
 * (no `workspaceRecorded`) records the workspace on their next sign-in or use.
 */
export async function ensureAgent(db: DynamoDBDocumentClient, tableName: string, id: Identity): Promise<Agent> {
  const raw = await db.send(new GetCommand({ TableName: tableName, Key: k.agent(id.workspaceId, id.agentId), ConsistentRead: true }));
  const existing = raw.Item ? toAgent(raw.Item) : undefined;
  if (existing && raw.Item?.workspaceRecorded !== true) {
    await retryConflicts(() =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: k.agent(id.workspaceId, id.agentId),
                UpdateExpression: 'SET email = :e, #n = :n, workspaceRecorded = :t',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: { '#n': 'name' },
                ExpressionAttributeValues: { ':e': id.email, ':n': id.name, ':t': true },
              },
            },
            recordWorkspaceItem(tableName, id.workspaceId, new Date().toISOString()),
          ],
        }),
      ),
    );
    return { ...existing, email: id.email, name: id.name };
  }
  if (existing) {
    // The workspace's agent list (store/members.ts) carries the name: a rename, or an agent stored
    // before the list existed, writes it with the profile. A removed agent stays off it.
    if (raw.Item?.[LISTED_NAME_ATTR] !== id.name && !existing.removedAt) {
      // The member item carries the profile's targets (store/targets.ts), under its version as read:
      // a connection written meanwhile fails this, and the next request lists the agent.
      const v = versionCondition(typeof raw.Item?.tv === 'number' ? raw.Item.tv : undefined);
      await db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: k.agent(id.workspaceId, id.agentId),
                  UpdateExpression: 'SET email = :e, #n = :n, #l = :n ADD tv :one',
                  ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(removedAt) AND ${v.ConditionExpression}`,
                  ExpressionAttributeNames: { '#n': 'name', '#l': LISTED_NAME_ATTR },
                  ExpressionAttributeValues: { ':e': id.email, ':n': id.name, ':one': 1, ...v.ExpressionAttributeValues },
                },
              },
              memberPut(tableName, id.workspaceId, { agentId: id.agentId, name: id.name }, targetAttributes(raw.Item)),
            ],
          }),
        )
        .catch((e: unknown) => {
          // Removed meanwhile: the list stays without them; the answer is the profile as read.
          if (!isConditionalFailure(e) && !isTransactionConflict(e)) throw e;
        });
      return { ...existing, email: id.email, name: id.name };
    }
    if (existing.email === id.email && existing.name === id.name) return existing;
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.agent(id.workspaceId, id.agentId),
        UpdateExpression: 'SET email = :e, #n = :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':e': id.email, ':n': id.name },
      }),
    );
    return { ...existing, email: id.email, name: id.name };
  }
  const now = new Date().toISOString();
  const agent: Agent = { ...id, settings: defaultSettings(), createdAt: now, lastSeenAt: now };
  const created = await writtenIf(
    retryConflicts(() =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                // A new agent has every target copied (none yet): never legacy.
                Item: { ...k.agent(id.workspaceId, id.agentId), entity: 'agent', ...agent, workspaceRecorded: true, [COPIED_ATTR]: true, [LISTED_NAME_ATTR]: id.name },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            memberPut(tableName, id.workspaceId, { agentId: id.agentId, name: id.name }, { [COPIED_ATTR]: true }),
            ...listWrites(tableName, agent, [false, false], { [COPIED_ATTR]: true }).filter((x) => x !== undefined),
            recordWorkspaceItem(tableName, id.workspaceId, agent.createdAt),
          ],
        }),
      ),
    ),
  );
  if (created) return agent;
  // Two first requests at once: the other one created it.
  return (await getAgent(db, tableName, id.workspaceId, id.agentId)) ?? agent;
}

/**
 * Replace the settings and, in the same transaction, the agent's place in the recipient lists. The
 * profile's version (store/targets.ts) is bumped and must be as read: a connection or device written
 * meanwhile makes this read again, so a list item that appears carries every target.
 */
export async function putSettings(db: DynamoDBDocumentClient, tableName: string, agent: Agent, settings: NotificationSettings): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const state = await readProfileState(db, tableName, agent);
    const on = state.lists;
    const present = [on.includes(k.recipientsAllPk(agent.workspaceId)), on.includes(k.recipientsUnassignedPk(agent.workspaceId))];
    const next: Agent = { ...agent, settings };
    const writes = listWrites(tableName, next, present, state.item).filter((x) => x !== undefined);
    const v = versionCondition(state.tv);
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: k.agent(agent.workspaceId, agent.agentId),
                // A save clears a failing email (SPEC §10.3); a removed agent's save writes nothing.
                UpdateExpression: 'SET settings = :s REMOVE emailStatus, emailFailure ADD tv :one',
                ConditionExpression: `${v.ConditionExpression} AND attribute_not_exists(removedAt)`,
                ExpressionAttributeValues: { ':s': settings, ':one': 1, ...v.ExpressionAttributeValues },
              },
            },
            ...writes,
          ],
        }),
      );
      return;
    } catch (e) {
      // Missing or removed: the answer stands. Otherwise a concurrent writer moved the version: read again.
      const lost = (isConditionalFailure(e) && state.exists && typeof state.item?.removedAt !== 'string') || isTransactionConflict(e);
      if (!lost || attempt >= 10) throw e;
      await backOff(attempt);
    }
  }
}

/** A candidate as the fan-out reads it: settings, last use, and where they can be reached now. */
export type Candidate = AgentSettings & Presence & { targets: Targets; /** No copies yet: the fan-out reads the targets (store/targets.ts legacyTargets). */ legacy?: true };

function candidateOf(it: Record<string, unknown>, lastSeenAt?: string): Candidate {
  const seen = lastSeenAt ?? (typeof it.lastSeenAt === 'string' ? it.lastSeenAt : undefined);
  return {
    agentId: it.agentId as string,
    settings: withDefaults(it.settings as Partial<NotificationSettings>),
    ...(seen ? { lastSeenAt: seen } : {}),
    targets: targetsOf(it),
    ...(isLegacy(it) ? { legacy: true as const } : {}),
    // SPEC §11.4, §11.6 (store/attention.ts): copied on the same items.
    ...attentionAttributes(it),
  };
}

async function queryList(db: DynamoDBDocumentClient, tableName: string, pk: string): Promise<Candidate[]> {
  const items = await queryAll(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });
  return items.map((it) => candidateOf(it));
}

/** Agents of the workspace whose scope is "all": recipients of every conversation, whatever its assignee. */
export function scopeAllAgents(db: DynamoDBDocumentClient, tableName: string, ws: string): Promise<Candidate[]> {
  return queryList(db, tableName, k.recipientsAllPk(ws));
}

/** The candidates that depend on the assignee: the assignee (profile, with its targets), or (unassigned) the agents with unassigned on. */
export async function assigneeCandidates(db: DynamoDBDocumentClient, tableName: string, ws: string, assigneeId: string | null | undefined): Promise<Candidate[]> {
  if (!assigneeId) return queryList(db, tableName, k.recipientsUnassignedPk(ws));
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.agent(ws, assigneeId), ConsistentRead: true }));
  if (!r.Item) return [];
  const assignee = toAgent(r.Item);
  // A removed assignee is nobody's recipient (SPEC §10.4), not even of their own conversations.
  return assignee.removedAt ? [] : [candidateOf({ ...r.Item, settings: assignee.settings }, assignee.lastSeenAt ?? assignee.createdAt)];
}
