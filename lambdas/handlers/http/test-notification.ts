/** `POST /v1/me/notifications/test` (SPEC §12): a test notification on every channel now. */
import { agentOf, httpHandler } from '../../edge/http.js';
import { rateLimited } from '../../edge/errors.js';
import { connectionsClient, dynamo, sesClient, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { sendTestNotification } from '../../app/test-notification.js';

export const handler = httpHandler({ auth: 'agent' }, async ({ caller }) => {
  const c = config();
  const me = agentOf(caller);
  const r = await sendTestNotification(
    {
      db: dynamo(),
      tableName: c.tableName,
      sns: snsClient(),
      ses: sesClient(),
      connections: connectionsClient,
      emailFrom: c.emailFrom,
      consoleUrl: c.consoleUrl,
      rateLimits: c.rateLimits,
      ...(c.sesConfigurationSet ? { configurationSet: c.sesConfigurationSet } : {}),
    },
    { workspaceId: me.workspaceId, agentId: me.agentId },
  );
  if (r.kind === 'rate_limited') throw rateLimited(r.retryAfterS, 'one test notification per 30 seconds');
  return { status: 200, body: { deliveries: r.deliveries } };
});
