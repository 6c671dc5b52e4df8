/** GET /v1/me/devices: the caller's registered devices, never their tokens (SPEC §6). */
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listDevices } from '../../store/devices.js';

export const handler = httpHandler({ auth: 'agent' }, async ({ caller }) => {
  const me = agentOf(caller);
  const devices = await listDevices(dynamo(), config().tableName, { workspaceId: me.workspaceId, agentId: me.agentId });
  devices.sort((a, b) => (a.registeredAt < b.registeredAt ? 1 : a.registeredAt > b.registeredAt ? -1 : 0));
  return {
    status: 200,
    body: {
      devices: devices.map((d) => ({ deviceId: d.deviceId, platform: d.platform, endpointArn: d.endpointArn, enabled: d.enabled, registeredAt: d.registeredAt })),
    },
  };
});
