/**
 * Mobile devices of an agent: one item per (platform, token) under the agent, holding the SNS
 * platform endpoint it was registered as. Tokens are stored (SNS needs them again to re-enable an
 * endpoint) but never logged.
 *
 * One token, one holder (SPEC §8): beside the device items, a token-owner item per (platform,
 * token) names the agent who registered it last and the endpoint. A registration writes it in
 * the same transaction as the new holder's device item and the removal of the earlier holder's,
 * on the condition that the owner item is still the one read (its `rev`): two registrations of
 * one token at once cannot both win, and the loser reads again and takes the token over.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../domain/push.js';
import { sha256Hex } from '../domain/ids.js';
import { k, PREFIX } from './keys.js';
import { queryAll } from './query.js';
import { isConditionalFailure, isTransactionConflict } from './errors.js';
import { commitWithTargets, devAttr } from './targets.js';

export interface Device {
  workspaceId: string;
  agentId: string;
  deviceId: string;
  platform: Platform;
  token: string;
  endpointArn: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** The last time the agent registered this token: the device cap removes the least recent. */
  registeredAt: string;
}

/** The token-owner item: who holds a (platform, token) now, and its endpoint. */
export interface TokenOwner {
  workspaceId: string;
  agentId: string;
  deviceId: string;
  platform: Platform;
  endpointArn: string;
  /** Changes with every write: the condition that keeps concurrent registrations apart. */
  rev: string;
}

type Owner = { workspaceId: string; agentId: string };

function toDevice(it: Record<string, unknown>): Device {
  const createdAt = it.createdAt as string;
  return {
    workspaceId: it.workspaceId as string,
    agentId: it.agentId as string,
    deviceId: it.deviceId as string,
    platform: it.platform as Platform,
    token: it.token as string,
    endpointArn: it.endpointArn as string,
    enabled: it.enabled !== false,
    createdAt,
    updatedAt: (it.updatedAt as string | undefined) ?? createdAt,
    registeredAt: (it.registeredAt as string | undefined) ?? createdAt,
  };
}

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/** A device's copy on its agent's profile and recipient-list items (store/targets.ts). */
const deviceTarget = (d: Pick<Device, 'platform' | 'endpointArn'>) => ({ platform: d.platform, endpointArn: d.endpointArn });

const deviceItem = (d: Device) => ({ ...k.device(d.workspaceId, d.agentId, d.deviceId), entity: 'device', ...d });
const ownerKey = (platform: string, token: string) => k.tokenOwner(platform, sha256Hex(token));
const sameAgent = (a: Owner, b: Owner) => a.workspaceId === b.workspaceId && a.agentId === b.agentId;

export async function getDevice(db: DynamoDBDocumentClient, tableName: string, owner: Owner, deviceId: string) {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.device(owner.workspaceId, owner.agentId, deviceId), ConsistentRead: true }));
  return r.Item ? toDevice(r.Item) : undefined;
}

export async function listDevices(db: DynamoDBDocumentClient, tableName: string, owner: Owner): Promise<Device[]> {
  const items = await queryAll(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':pk': k.agentPk(owner.workspaceId, owner.agentId), ':p': PREFIX.device },
    ConsistentRead: true,
  });
  return items.map(toDevice);
}

/** Who holds this token now, if anyone registered it since owners were recorded. */
export async function getTokenOwner(db: DynamoDBDocumentClient, tableName: string, platform: string, token: string): Promise<TokenOwner | undefined> {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: ownerKey(platform, token), ConsistentRead: true }));
  if (!r.Item) return undefined;
  const it = r.Item;
  return {
    workspaceId: it.workspaceId as string,
    agentId: it.agentId as string,
    deviceId: it.deviceId as string,
    platform: it.platform as Platform,
    endpointArn: it.endpointArn as string,
    rev: it.rev as string,
  };
}

/** True when `owner` is the agent named by the token's owner item. */
export const holds = (holder: TokenOwner | undefined, owner: Owner): boolean => holder !== undefined && sameAgent(holder, owner);

export interface Registration {
  /** The new holder's device item, whole. */
  device: Device;
  /** The token's owner item as it was read (undefined: nobody held it). */
  previous: TokenOwner | undefined;
  /** The new holder's devices removed by the cap, and whether the new holder also holds each one's token. */
  evict: ReadonlyArray<{ device: Device; ownsToken: boolean }>;
}

/** A transaction that lost to a concurrent writer: read again and retry. */
function lostRace(e: unknown): boolean {
  return isConditionalFailure(e) || isTransactionConflict(e);
}

/**
 * Write a registration in one transaction: the owner item names the new holder (if it is still as
 * read), the holder's device item is written, the earlier holder's device item is removed, and
 * the devices the cap evicts are removed (with their owner items, when the holder holds them).
 * False when a condition failed: something changed since it was read.
 */
export async function commitRegistration(db: DynamoDBDocumentClient, tableName: string, r: Registration): Promise<boolean> {
  const d = r.device;
  const items: TransactItems = [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...ownerKey(d.platform, d.token),
          entity: 'tokenOwner',
          workspaceId: d.workspaceId,
          agentId: d.agentId,
          deviceId: d.deviceId,
          platform: d.platform,
          endpointArn: d.endpointArn,
          registeredAt: d.registeredAt,
          rev: randomUUID(),
        },
        ...(r.previous ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': r.previous.rev } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    },
    { Put: { TableName: tableName, Item: deviceItem(d) } },
  ];
  // The copies (store/targets.ts): the new holder gains this device and loses the evicted ones; an
  // earlier holder, another agent, loses the device the token moved from.
  const agents: Owner[] = [{ workspaceId: d.workspaceId, agentId: d.agentId }];
  const changes: Array<{ set?: Record<string, unknown>; remove?: string[] }> = [{ set: { [devAttr(d.deviceId)]: deviceTarget(d) }, remove: r.evict.map((e) => devAttr(e.device.deviceId)) }];
  if (r.previous && !sameAgent(r.previous, d)) {
    // The earlier holder's device item goes: the token now reaches only its new holder.
    items.push({ Delete: { TableName: tableName, Key: k.device(r.previous.workspaceId, r.previous.agentId, r.previous.deviceId) } });
    agents.push({ workspaceId: r.previous.workspaceId, agentId: r.previous.agentId });
    changes.push({ remove: [devAttr(r.previous.deviceId)] });
  }
  for (const e of r.evict) {
    items.push({
      Delete: { TableName: tableName, Key: k.device(e.device.workspaceId, e.device.agentId, e.device.deviceId), ConditionExpression: 'attribute_exists(pk)' },
    });
    if (e.ownsToken) {
      items.push({
        Delete: {
          TableName: tableName,
          Key: ownerKey(e.device.platform, e.device.token),
          ConditionExpression: 'workspaceId = :w AND agentId = :a',
          ExpressionAttributeValues: { ':w': d.workspaceId, ':a': d.agentId },
        },
      });
    }
  }
  try {
    return await commitWithTargets(db, tableName, agents, () => ({ own: items, changes }));
  } catch (e) {
    if (lostRace(e)) return false;
    throw e;
  }
}

/**
 * Remove a device item and, when its agent holds the token, the token's owner item (only while
 * it still names that agent). False when a condition failed: it was removed or taken meanwhile.
 */
export async function commitRemoval(db: DynamoDBDocumentClient, tableName: string, d: Device, ownsToken: boolean): Promise<boolean> {
  const own: TransactItems = [
    { Delete: { TableName: tableName, Key: k.device(d.workspaceId, d.agentId, d.deviceId), ConditionExpression: 'attribute_exists(pk)' } },
    ...(ownsToken
      ? [
          {
            Delete: {
              TableName: tableName,
              Key: ownerKey(d.platform, d.token),
              ConditionExpression: 'workspaceId = :w AND agentId = :a',
              ExpressionAttributeValues: { ':w': d.workspaceId, ':a': d.agentId },
            },
          },
        ]
      : []),
  ];
  try {
    return await commitWithTargets(db, tableName, [d], () => ({ own, changes: [{ remove: [devAttr(d.deviceId)] }] }));
  } catch (e) {
    if (lostRace(e)) return false;
    throw e;
  }
}

/**
 * Mark a device enabled or disabled (and, when SNS gave it a new endpoint, record that). A device
 * deleted meanwhile stays deleted: false is returned.
 */
export async function setDeviceEnabled(db: DynamoDBDocumentClient, tableName: string, owner: Owner, deviceId: string, enabled: boolean, endpointArn?: string): Promise<boolean> {
  // A device read here, so its copy can be written whole when it is enabled again.
  const device = enabled ? await getDevice(db, tableName, owner, deviceId) : undefined;
  if (enabled && !device) return false;
  return commitWithTargets(db, tableName, [owner], () => ({
    own: [
      {
        Update: {
          TableName: tableName,
          Key: k.device(owner.workspaceId, owner.agentId, deviceId),
          UpdateExpression: `SET enabled = :e, updatedAt = :u${endpointArn ? ', endpointArn = :a' : ''}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':e': enabled, ':u': new Date().toISOString(), ...(endpointArn ? { ':a': endpointArn } : {}) },
        },
      },
    ],
    // A disabled device leaves the copies: the fan-out sends only to enabled ones.
    changes: [enabled ? { set: { [devAttr(deviceId)]: deviceTarget({ ...device!, ...(endpointArn ? { endpointArn } : {}) }) } } : { remove: [devAttr(deviceId)] }],
  }));
}

export const markDeviceDisabled = (db: DynamoDBDocumentClient, tableName: string, owner: Owner, deviceId: string) => setDeviceEnabled(db, tableName, owner, deviceId, false);
