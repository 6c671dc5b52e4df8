/**
 * Devices as use cases (SPEC §8 "one token, one owner", §10.3 the cap): registering a token, which
 * moves it from whoever held it and may evict the agent's least recently registered device, and
 * removing a device, whose SNS endpoint is deleted only by the token's holder. Used by
 * POST/DELETE /v1/me/devices and by removing an agent (SPEC §10.4).
 *
 * The DynamoDB side of each is one conditional transaction (store/devices.ts); SNS calls come
 * before it (finding an endpoint) or after it (deleting one nobody holds any more), never in
 * between, so a lost race only repeats the reads. One narrow window remains: a token registered
 * by someone new between a removal's commit and its DeleteEndpoint gets an endpoint that is then
 * deleted; its first push reports the endpoint deleted, the device is marked disabled, and the
 * app's next registration creates the endpoint again.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { commitRegistration, commitRemoval, getDevice, getTokenOwner, holds, listDevices, type Device } from '../store/devices.js';
import { deleteEndpoint, usableEndpoint } from '../channels/endpoints.js';
import { devicesToEvict } from '../domain/device-cap.js';
import { deviceIdFor } from '../domain/ids.js';
import type { Platform } from '../domain/push.js';
import { logger } from '../platform/logger.js';
import { errorName } from '../channels/report.js';

export interface DeviceDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
}

export type DeviceOwner = { workspaceId: string; agentId: string };

/** Reads and a transaction, again while a concurrent writer keeps winning: a handful is plenty. */
const ATTEMPTS = 5;

export class DeviceConflictError extends Error {
  constructor() {
    super('device registration kept losing to concurrent changes');
  }
}

/** Delete an endpoint nobody holds any more. Failing leaves an unused endpoint behind, nothing worse: logged, not thrown. */
async function dropEndpoint(deps: DeviceDeps, endpointArn: string, why: string) {
  try {
    await deleteEndpoint(deps.sns, endpointArn);
  } catch (e) {
    logger.warn('endpoint left behind', { why, error: errorName(e) });
  }
}

export interface Registered {
  deviceId: string;
  endpointArn: string;
  /** False when the agent already had this device (SPEC §6: 200 with the same ids). */
  created: boolean;
  /** True when another agent held the token until now. */
  moved: boolean;
  /** Devices the cap removed. */
  evicted: number;
}

export async function registerDevice(deps: DeviceDeps, owner: DeviceOwner, req: { platform: Platform; token: string; appArn: string }): Promise<Registered> {
  const deviceId = deviceIdFor(req.platform, req.token);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const [holder, mine, devices] = await Promise.all([
      getTokenOwner(deps.db, deps.tableName, req.platform, req.token),
      getDevice(deps.db, deps.tableName, owner, deviceId),
      listDevices(deps.db, deps.tableName, owner),
    ]);
    // The token's endpoint is kept and reused: whoever holds the token, the phone is the same.
    const endpointArn = await usableEndpoint(deps.sns, req.appArn, req.token, holder?.endpointArn ?? mine?.endpointArn);
    const evict = await Promise.all(
      devicesToEvict(devices, deviceId).map(async (device) => ({
        device,
        ownsToken: holds(await getTokenOwner(deps.db, deps.tableName, device.platform, device.token), owner),
      })),
    );
    const now = new Date().toISOString();
    const device: Device = {
      ...owner,
      deviceId,
      platform: req.platform,
      token: req.token,
      endpointArn,
      enabled: true,
      createdAt: mine?.createdAt ?? now,
      updatedAt: now,
      registeredAt: now,
    };
    if (await commitRegistration(deps.db, deps.tableName, { device, previous: holder, evict })) {
      // An evicted device's endpoint goes only when this agent held its token (then nobody else does).
      for (const e of evict) if (e.ownsToken && e.device.endpointArn !== endpointArn) await dropEndpoint(deps, e.device.endpointArn, 'device cap');
      return { deviceId, endpointArn, created: !mine, moved: holder !== undefined && !holds(holder, owner), evicted: evict.length };
    }
  }
  throw new DeviceConflictError();
}

/** False when the agent has no such device. */
export async function removeDevice(deps: DeviceDeps, owner: DeviceOwner, deviceId: string): Promise<boolean> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const device = await getDevice(deps.db, deps.tableName, owner, deviceId);
    if (!device) return false;
    const holder = await getTokenOwner(deps.db, deps.tableName, device.platform, device.token);
    // Only the token's holder takes the endpoint with it: another agent's pushes must go on. A device
    // with no owner item (registered before owners were recorded) keeps its endpoint: it may be shared.
    const owns = holds(holder, owner);
    if (await commitRemoval(deps.db, deps.tableName, device, owns)) {
      if (owns) await dropEndpoint(deps, holder!.endpointArn, 'device removed');
      return true;
    }
  }
  throw new DeviceConflictError();
}

/** Every device of the agent; the number removed. */
export async function removeAllDevices(deps: DeviceDeps, owner: DeviceOwner): Promise<number> {
  const devices = await listDevices(deps.db, deps.tableName, owner);
  let removed = 0;
  for (const d of devices) if (await removeDevice(deps, owner, d.deviceId)) removed++;
  return removed;
}
