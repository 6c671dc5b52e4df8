/** DELETE /v1/me/devices/{deviceId}: forget the device and delete its SNS endpoint. */
import { DeleteEndpointCommand } from '@aws-sdk/client-sns';
import { agentOf, httpHandler } from '../../platform/http.js';
import { dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { notFound } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { deleteDevice, getDevice } from '../../store/devices.js';

export const handler = httpHandler({ auth: 'agent', idParams: ['deviceId'] }, async ({ params, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const me = agentOf(caller);
  const owner = { workspaceId: me.workspaceId, agentId: me.agentId };
  const deviceId = params.deviceId!;
  const device = await getDevice(db, tableName, owner, deviceId);
  if (!device) throw notFound('device not found');
  // Endpoint first: if this fails the device stays listed and the call can be repeated (DeleteEndpoint is idempotent).
  await snsClient().send(new DeleteEndpointCommand({ EndpointArn: device.endpointArn }));
  await deleteDevice(db, tableName, owner, deviceId);
  logger.info('device deleted', { ...owner, deviceId, platform: device.platform });
  return { status: 204 };
});
