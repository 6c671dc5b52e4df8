/**
 * Device removal as a use case: the agent's device item and, when nobody else needs it, its SNS
 * endpoint. Used by DELETE /v1/me/devices/{id} and by removing an agent (SPEC §10.4).
 */
import { DeleteEndpointCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deleteDevice, getDevice, listDevices } from '../store/devices.js';

export interface DeviceDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
}

export type DeviceOwner = { workspaceId: string; agentId: string };

/** False when the agent has no such device. */
export async function removeDevice(deps: DeviceDeps, owner: DeviceOwner, deviceId: string): Promise<boolean> {
  const device = await getDevice(deps.db, deps.tableName, owner, deviceId);
  if (!device) return false;
  // Endpoint first: if this fails the device stays listed and the call can be repeated (DeleteEndpoint is idempotent).
  await deps.sns.send(new DeleteEndpointCommand({ EndpointArn: device.endpointArn }));
  await deleteDevice(deps.db, deps.tableName, owner, deviceId);
  return true;
}

/** Every device of the agent; the number removed. */
export async function removeAllDevices(deps: DeviceDeps, owner: DeviceOwner): Promise<number> {
  const devices = await listDevices(deps.db, deps.tableName, owner);
  for (const d of devices) await removeDevice(deps, owner, d.deviceId);
  return devices.length;
}
