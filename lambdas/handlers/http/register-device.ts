/**
 * POST /v1/me/devices: register a phone's push token as an SNS platform endpoint. The device id
 * is derived from (platform, token), so the same token again finds the same device (200, same
 * ids); a disabled endpoint is enabled again, since the app registering its token is the sign
 * that the token works again. A token another agent held moves to the caller (SPEC §8), and an
 * 11th device removes the caller's least recently registered one (SPEC §10.3): lambdas/app/devices.ts.
 */
import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { invalid } from '../../edge/errors.js';
import { logger } from '../../platform/logger.js';
import { ensureAgent } from '../../store/agents.js';
import { PLATFORMS } from '../../domain/push.js';
import { registerDevice } from '../../app/devices.js';
import { deviceTokenProblem } from '../../domain/device-token.js';

const body = z.strictObject({
  platform: z.enum(PLATFORMS),
  // APNs tokens are hex and FCM tokens URL-safe text: visible ASCII keeps NUL and control bytes out of SNS.
  token: z.string().check(z.minLength(1), z.maxLength(4096), z.regex(/^[\x21-\x7E]+$/, 'must be visible ASCII without spaces')),
});

export const handler = httpHandler({ auth: 'agent', body }, async ({ body, caller }) => {
  const db = dynamo();
  const { tableName, platformApps } = config();
  const appArn = platformApps[body.platform];
  if (!appArn) throw invalid(`platform: ${body.platform} is not configured on this deployment`);
  const problem = deviceTokenProblem(body.platform, body.token);
  if (problem) throw invalid(problem);
  // The agent must exist to be found as a recipient (default settings on first sight).
  const agent = await ensureAgent(db, tableName, agentOf(caller));
  const owner = { workspaceId: agent.workspaceId, agentId: agent.agentId };
  const r = await registerDevice({ db, tableName, sns: snsClient() }, owner, { platform: body.platform, token: body.token, appArn });
  logger.info(r.created ? 'device registered' : 'device registered again', {
    ...owner,
    deviceId: r.deviceId,
    platform: body.platform,
    movedFromAnotherAgent: r.moved,
    evicted: r.evicted,
  });
  return { status: r.created ? 201 : 200, body: { deviceId: r.deviceId, endpointArn: r.endpointArn } };
});
