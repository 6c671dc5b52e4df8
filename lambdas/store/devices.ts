/**
 * Mobile devices of an agent: one item per (platform, token) under the agent, holding the SNS
 * platform endpoint it was registered as. Tokens are stored (SNS needs them again to re-enable an
 * endpoint) but never logged.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Platform } from '../domain/push.js';
import { k, PREFIX } from './keys.js';
import { queryAll } from './query.js';
import { writtenIf } from './errors.js';

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
}

type Owner = { workspaceId: string; agentId: string };

function toDevice(it: Record<string, unknown>): Device {
  return {
    workspaceId: it.workspaceId as string,
    agentId: it.agentId as string,
    deviceId: it.deviceId as string,
    platform: it.platform as Platform,
    token: it.token as string,
    endpointArn: it.endpointArn as string,
    enabled: it.enabled !== false,
    createdAt: it.createdAt as string,
    updatedAt: (it.updatedAt as string | undefined) ?? (it.createdAt as string),
  };
}

/** Store a new device. False when it was already there (a concurrent registration of the same token). */
export function createDevice(db: DynamoDBDocumentClient, tableName: string, d: Device): Promise<boolean> {
  return writtenIf(
    db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...k.device(d.workspaceId, d.agentId, d.deviceId), entity: 'device', ...d },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

export async function getDevice(db: DynamoDBDocumentClient, tableName: string, owner: Owner, deviceId: string) {
  const r = await db.send(
    new GetCommand({ TableName: tableName, Key: k.device(owner.workspaceId, owner.agentId, deviceId), ConsistentRead: true }),
  );
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

/**
 * Mark a device enabled or disabled (and, when SNS gave it a new endpoint, record that). A device
 * deleted meanwhile stays deleted: false is returned.
 */
export async function setDeviceEnabled(
  db: DynamoDBDocumentClient,
  tableName: string,
  owner: Owner,
  deviceId: string,
  enabled: boolean,
  endpointArn?: string,
): Promise<boolean> {
  return writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.device(owner.workspaceId, owner.agentId, deviceId),
        UpdateExpression: `SET enabled = :e, updatedAt = :u${endpointArn ? ', endpointArn = :a' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':e': enabled, ':u': new Date().toISOString(), ...(endpointArn ? { ':a': endpointArn } : {}) },
      }),
    ),
  );
}

export const markDeviceDisabled = (db: DynamoDBDocumentClient, tableName: string, owner: Owner, deviceId: string) =>
  setDeviceEnabled(db, tableName, owner, deviceId, false);

export async function deleteDevice(db: DynamoDBDocumentClient, tableName: string, owner: Owner, deviceId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: k.device(owner.workspaceId, owner.agentId, deviceId) }));
}
