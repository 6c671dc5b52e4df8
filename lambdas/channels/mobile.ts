/**
 * Mobile: one SNS Publish (`MessageStructure: "json"`) per enabled device endpoint of an agent.
 * An endpoint SNS reports disabled (APNs/FCM rejected the token) or gone is marked disabled and
 * skipped from then on, until the app registers its token again. A refusal that retrying cannot
 * cure (a disabled platform application, a missing permission, an invalid payload) is recorded
 * on the guard item and logged as PUSH_REFUSED_FOR_GOOD, and the record is not retried: one
 * broken device or application must not hold up its stream shard (SPEC §8). Throttling and
 * server errors (after the SDK's own retries) are left for the stream retry.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { listDevices, markDeviceDisabled, type Device } from '../store/devices.js';
import { notifyOnce, type Outcome, type Settled } from '../store/notifications.js';
import { snsPushMessage } from '../domain/push.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { logger } from '../platform/logger.js';
import { emptyReport, errorName, httpStatusOf, tally, type ChannelReport } from './report.js';
import { isEndpointDisabled, isEndpointMissing, isPermanent, PUSH_REFUSED_FOR_GOOD } from './sns-errors.js';

export interface MobileDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
}

async function publish(deps: MobileDeps, d: Device, m: VisitorMessage): Promise<Outcome | Settled> {
  try {
    await deps.sns.send(
      new PublishCommand({ TargetArn: d.endpointArn, MessageStructure: 'json', Message: snsPushMessage(d.platform, m) }),
    );
    return 'sent';
  } catch (e) {
    const log = { messageId: m.messageId, deviceId: d.deviceId, agentId: d.agentId, platform: d.platform, error: errorName(e), status: httpStatusOf(e) };
    if (isEndpointDisabled(e) || isEndpointMissing(e)) {
      const detail = isEndpointDisabled(e) ? 'endpoint_disabled' : 'endpoint_deleted';
      await markDeviceDisabled(deps.db, deps.tableName, d, d.deviceId);
      logger.info('endpoint disabled, device skipped from now on', { ...log, detail });
      return { outcome: 'disabled', detail, error: log.error };
    }
    if (isPermanent(e)) {
      logger.error(PUSH_REFUSED_FOR_GOOD, log);
      return { outcome: 'rejected', detail: 'provider_error', error: log.error };
    }
    logger.warn('push failed', log);
    throw e;
  }
}

export async function notifyMobile(deps: MobileDeps, agent: { workspaceId: string; agentId: string }, m: VisitorMessage): Promise<ChannelReport> {
  const devices = (await listDevices(deps.db, deps.tableName, agent)).filter((d) => d.enabled);
  if (devices.length === 0) return emptyReport();
  const results = await Promise.allSettled(
    devices.map((d) =>
      notifyOnce(deps.db, deps.tableName, { messageId: m.messageId, channel: 'mobile', target: `${d.agentId}#${d.deviceId}` }, () =>
        publish(deps, d, m),
      ),
    ),
  );
  return tally(results);
}
