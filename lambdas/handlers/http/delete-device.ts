/** DELETE /v1/me/devices/{deviceId}: forget the device and delete its SNS endpoint. */
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { notFound } from '../../edge/errors.js';
import { logger } from '../../platform/logger.js';
import { removeDevice } from '../../app/devices.js';

export const handler = httpHandler({ auth: 'agent', idParams: ['deviceId'] }, async ({ params, caller }) => {
  const me = agentOf(caller);
  const owner = { workspaceId: me.workspaceId, agentId: me.agentId };
  const deviceId = params.deviceId!;
  const removed = await removeDevice({ db: dynamo(), tableName: config().tableName, sns: snsClient() }, owner, deviceId);
  if (!removed) throw notFound('device not found');
  logger.info('device deleted', { ...owner, deviceId });
  return { status: 204 };
});
