/**
 * Where an agent can be reached right now, copied onto the items the fan-out already reads: the
 * agent's profile (the assignee path) and their recipient-list items (scope all, unassigned on).
 * So the fan-out learns every candidate's settings, live connections and enabled devices with a
 * fixed number of requests, whatever the number of recipients (issue 12 item 1).
 *
 * Each target is one top-level attribute, `conn#{connectionId}` → the epoch second it ends (the
 * earlier of the token's exp and API Gateway's 2-hour limit) and `dev#{deviceId}` → {platform,
 * endpointArn}: concurrent writers of different targets never touch the same attribute. The
 * copies are written in the same transaction as the source item (connection, device), with the
 * profile's version `tv` (ADD 1, condition "as read"); every change of list membership (settings,
 * removal, restore) bumps it too, so a writer that read the lists an agent is on cannot miss one
 * that appeared meanwhile: its transaction fails and it reads again. At most 20 connections and
 * 10 devices per agent (SPEC §10.3) keep the copies far below DynamoDB's 400 KB item limit.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withDefaults, type NotificationSettings } from '../domain/settings.js';
import type { Platform } from '../domain/push.js';
import type { Targets } from '../domain/fanout-plan.js';
import { k, PREFIX } from './keys.js';
import { isConditionalFailure, isTransactionConflict } from './errors.js';
import { LISTED_NAME_ATTR } from './members.js';
import { backOff } from './backoff.js';

export const CONN_ATTR = 'conn#';
export const DEV_ATTR = 'dev#';
export const connAttr = (connectionId: string) => `${CONN_ATTR}${connectionId}`;
/**
 * Set on the profile and list items once they carry every target: by ensureAgent for a new agent,
 * by backfillWrites for one stored before the copies existed. Without it an agent is "legacy": its
 * targets are read from its connection and device items (legacyTargets). A separate mark, not the
 * absence of `tv`: any writer (a token taken over by another agent, a settings save) bumps `tv`
 * on a legacy profile without copying its other targets.
 */
export const COPIED_ATTR = 'targetsCopied';
export const isLegacy = (item: Record<string, unknown>): boolean => item[COPIED_ATTR] !== true;
export const devAttr = (deviceId: string) => `${DEV_ATTR}${deviceId}`;

type Ids = { workspaceId: string; agentId: string };
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** The targets an item carries (profile or list item). */
export function targetsOf(item: Record<string, unknown>): Targets {
  const out: Targets = { connections: [], devices: [] };
  for (const [name, v] of Object.entries(item)) {
    if (name.startsWith(CONN_ATTR)) out.connections.push({ connectionId: name.slice(CONN_ATTR.length), until: Number(v) });
    else if (name.startsWith(DEV_ATTR) && v && typeof v === 'object') {
      const d = v as { platform?: string; endpointArn?: string };
      out.devices.push({ deviceId: name.slice(DEV_ATTR.length), platform: d.platform as Platform, endpointArn: String(d.endpointArn) });
    }
  }
  return out;
}

/** The target attributes of an item, raw, for copying them onto a list item that is written whole. */
export function targetAttributes(item: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(item ?? {})) if (name.startsWith(CONN_ATTR) || name.startsWith(DEV_ATTR) || name === COPIED_ATTR) out[name] = v;
  return out;
}

/** What a writer read of the profile: whether it exists, its version, and the lists the agent is on. */
export interface ProfileState {
  exists: boolean;
  tv: number | undefined;
  lists: string[];
  item?: Record<string, unknown>;
}

export function listsOf(ws: string, item: Record<string, unknown> | undefined): string[] {
  if (!item || typeof item.removedAt === 'string') return [];
  const s: NotificationSettings = withDefaults(item.settings as Partial<NotificationSettings>);
  return [
    ...(s.scope === 'all' ? [k.recipientsAllPk(ws)] : []),
    ...(s.unassigned ? [k.recipientsUnassignedPk(ws)] : []),
    // The workspace's member list (store/members.ts), once the agent is on it.
    ...(typeof item[LISTED_NAME_ATTR] === 'string' ? [k.membersPk(ws)] : []),
  ];
}

export async function readProfileState(db: DynamoDBDocumentClient, tableName: string, a: Ids): Promise<ProfileState> {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.agent(a.workspaceId, a.agentId), ConsistentRead: true }));
  if (!r.Item) return { exists: false, tv: undefined, lists: [] };
  return { exists: true, tv: typeof r.Item.tv === 'number' ? r.Item.tv : undefined, lists: listsOf(a.workspaceId, r.Item), item: r.Item };
}

/** The profile's version condition: "still as read". */
export function versionCondition(tv: number | undefined): { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } {
  return tv === undefined
    ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(tv)', ExpressionAttributeValues: {} }
    : { ConditionExpression: 'attribute_exists(pk) AND tv = :tv', ExpressionAttributeValues: { ':tv': tv } };
}

export interface TargetChange {
  set?: Record<string, unknown>;
  remove?: string[];
}

/**
 * The writes that apply `change` to the agent's profile (version bumped, condition as read) and to
 * each list item it is on (which exist while the version holds). Nothing when the profile is missing.
 */
export function targetWrites(tableName: string, a: Ids, state: ProfileState, change: TargetChange): TransactItem[] {
  if (!state.exists) return [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  let i = 0;
  for (const [attr, v] of Object.entries(change.set ?? {})) {
    names[`#t${i}`] = attr;
    values[`:t${i}`] = v;
    sets.push(`#t${i} = :t${i}`);
    i++;
  }
  for (const attr of change.remove ?? []) {
    if (attr in (change.set ?? {})) continue;
    names[`#t${i}`] = attr;
    removes.push(`#t${i}`);
    i++;
  }
  const expr = (extra: string) => [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '', extra].filter(Boolean).join(' ');
  const v = versionCondition(state.tv);
  const out: TransactItem[] = [
    {
      Update: {
        TableName: tableName,
        Key: k.agent(a.workspaceId, a.agentId),
        UpdateExpression: expr('ADD tv :one'),
        ConditionExpression: v.ConditionExpression,
        ...(i > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ...values, ...v.ExpressionAttributeValues, ':one': 1 },
      },
    },
  ];
  if (i === 0) return out;
  for (const pk of state.lists) {
    out.push({
      Update: {
        TableName: tableName,
        Key: { pk, sk: a.agentId },
        UpdateExpression: expr(''),
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    });
  }
  return out;
}

/** Attempts while concurrent writers of the same agent keep winning. */
const ATTEMPTS = 30;

/**
 * Run a transaction built from fresh reads of the agents' profiles until it commits. `build`
 * returns the items, and how many leading items are the caller's own: a failed condition among
 * those is the caller's answer (false), one among the target copies means "read again".
 */
export async function commitWithTargets(
  db: DynamoDBDocumentClient,
  tableName: string,
  agents: Ids[],
  build: (states: ProfileState[]) => { own: TransactItem[]; changes: TargetChange[] },
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const states = await Promise.all(agents.map((a) => readProfileState(db, tableName, a)));
    const { own, changes } = build(states);
    const copies = agents.flatMap((a, i) => (changes[i] && (changes[i]!.set || changes[i]!.remove?.length) ? targetWrites(tableName, a, states[i]!, changes[i]!) : []));
    const items = [...own, ...copies];
    if (items.length === 0) return true;
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (e) {
      const reasons = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      const ownFailed = reasons.slice(0, own.length).some((r) => r.Code === 'ConditionalCheckFailed');
      if (ownFailed) return false;
      if (attempt >= ATTEMPTS || !(isConditionalFailure(e) || isTransactionConflict(e))) throw e;
      await backOff(attempt);
    }
  }
}

/**
 * A legacy agent's targets the way they were read before the copies: one Query of the agent's
 * partition over CONN#… to DEV#… (strongly consistent; the profile, PROFILE, sorts after it).
 * Connections past their TTL and disabled devices are left out, as the copies leave them out.
 */
export async function legacyTargets(db: DynamoDBDocumentClient, tableName: string, a: Ids, nowS: number): Promise<Targets> {
  const out: Targets = { connections: [], devices: [] };
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: tableName,
        // '$' follows '#': every CONN#… and DEV#… key, and nothing else stored under the agent.
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': k.agentPk(a.workspaceId, a.agentId), ':from': PREFIX.connection, ':to': `${PREFIX.device.slice(0, -1)}$` },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const it of r.Items ?? []) {
      const sk = String(it.sk);
      if (sk.startsWith(PREFIX.connection)) {
        const until = typeof it.ttl === 'number' ? it.ttl : Number(it.ttl ?? Infinity);
        if (until > nowS) out.connections.push({ connectionId: sk.slice(PREFIX.connection.length), until: Number.isFinite(until) ? until : nowS + 2 * 60 * 60 });
      } else if (sk.startsWith(PREFIX.device) && it.enabled !== false && typeof it.endpointArn === 'string') {
        out.devices.push({ deviceId: sk.slice(PREFIX.device.length), platform: it.platform as Platform, endpointArn: it.endpointArn });
      }
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * The one transaction that makes a legacy agent current: the profile and each list item it is on
 * get every target of `targets` (read after `state`), lose copies of targets that are gone, and get
 * the mark. Conditions: the profile still as read (a connect, disconnect or device write meanwhile
 * moved `tv`, so `targets` may be stale) and still unmarked. Nothing when the profile is missing.
 */
export function backfillWrites(tableName: string, a: Ids, state: ProfileState, targets: Targets): TransactItem[] {
  if (!state.exists || !state.item) return [];
  const set: Record<string, unknown> = { [COPIED_ATTR]: true };
  for (const c of targets.connections) set[connAttr(c.connectionId)] = c.until;
  for (const d of targets.devices) set[devAttr(d.deviceId)] = { platform: d.platform, endpointArn: d.endpointArn };
  const remove = Object.keys(targetAttributes(state.item)).filter((n) => !(n in set));
  const writes = targetWrites(tableName, a, state, { set, remove });
  const first = writes[0]?.Update;
  if (first) first.ConditionExpression = `${first.ConditionExpression} AND attribute_not_exists(${COPIED_ATTR})`;
  return writes;
}
