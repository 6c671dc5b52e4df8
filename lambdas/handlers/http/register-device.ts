/**
 * POST /v1/me/devices: register a phone's push token as an SNS platform endpoint. The device id
 * is derived from (platform, token), so the same token again finds the same device (200, same
 * ids); a disabled endpoint is enabled again, since the app registering its token is the sign
 * that the token works again.
 */
import * as z from 'zod/mini';
import {
  CreatePlatformEndpointCommand,
  GetEndpointAttributesCommand,
  SetEndpointAttributesCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { agentOf, httpHandler } from '../../platform/http.js';
import { dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { invalid } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { ensureAgent } from '../../store/agents.js';
import { createDevice, getDevice, setDeviceEnabled } from '../../store/devices.js';
import { deviceIdFor } from '../../domain/ids.js';
import { PLATFORMS } from '../../domain/push.js';
import { isEndpointMissing } from '../../channels/sns-errors.js';

const body = z.strictObject({
  platform: z.enum(PLATFORMS),
  // APNs tokens are hex and FCM tokens URL-safe text: visible ASCII keeps NUL and control bytes out of SNS.
  token: z.string().check(z.minLength(1), z.maxLength(4096), z.regex(/^[\x21-\x7E]+$/, 'must be visible ASCII without spaces')),
});

/** The endpoint's Enabled attribute, or undefined when SNS no longer knows the endpoint. */
async function endpointEnabled(sns: SNSClient, endpointArn: string): Promise<boolean | undefined> {
  try {
    const r = await sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }));
    return r.Attributes?.Enabled !== 'false';
  } catch (e) {
    if (isEndpointMissing(e)) return undefined;
    throw e;
  }
}

async function enable(sns: SNSClient, endpointArn: string, token: string) {
  await sns.send(new SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: { Enabled: 'true', Token: token } }));
}

/** CreatePlatformEndpoint is idempotent for the same token, but returns a disabled endpoint as it is. */
async function createEndpoint(sns: SNSClient, appArn: string, token: string): Promise<string> {
  const r = await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: appArn, Token: token }));
  const arn = r.EndpointArn;
  if (!arn) throw new Error('SNS returned no EndpointArn');
  if ((await endpointEnabled(sns, arn)) === false) await enable(sns, arn, token);
  return arn;
}

export const handler = httpHandler({ auth: 'agent', body }, async ({ body, caller }) => {
  const db = dynamo();
  const sns = snsClient();
  const { tableName, platformApps } = config();
  const appArn = platformApps[body.platform];
  if (!appArn) throw invalid(`platform: ${body.platform} is not configured on this deployment`);
  // The agent must exist to be found as a recipient (default settings on first sight).
  const agent = await ensureAgent(db, tableName, agentOf(caller));
  const owner = { workspaceId: agent.workspaceId, agentId: agent.agentId };
  const deviceId = deviceIdFor(body.platform, body.token);

  const existing = await getDevice(db, tableName, owner, deviceId);
  if (existing) {
    const enabled = existing.enabled ? await endpointEnabled(sns, existing.endpointArn) : false;
    let endpointArn = existing.endpointArn;
    if (enabled === undefined) endpointArn = await createEndpoint(sns, appArn, body.token);
    else if (!enabled) await enable(sns, endpointArn, body.token);
    if (enabled !== true) await setDeviceEnabled(db, tableName, owner, deviceId, true, endpointArn);
    logger.info('device registered again', { ...owner, deviceId, platform: body.platform, reenabled: enabled !== true });
    return { status: 200, body: { deviceId, endpointArn } };
  }

  const endpointArn = await createEndpoint(sns, appArn, body.token);
  const now = new Date().toISOString();
  const created = await createDevice(db, tableName, {
    ...owner,
    deviceId,
    platform: body.platform,
    token: body.token,
    endpointArn,
    enabled: true,
    createdAt: now,
    updatedAt: now,
  });
  logger.info('device registered', { ...owner, deviceId, platform: body.platform, created });
  return { status: created ? 201 : 200, body: { deviceId, endpointArn } };
});
