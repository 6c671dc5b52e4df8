/**
 * Mobile: one SNS Publish (`MessageStructure: "json"`) to one enabled device endpoint, with the
 * platform's collapse key (domain/push.ts) so that a push repeated by a retry replaces the first.
 * An endpoint SNS reports disabled (APNs/FCM rejected the token) or gone is marked disabled (and
 * leaves the recipient items' copies) until the app registers its token again. A refusal that
 * retrying cannot cure (a disabled platform application, a missing permission, an invalid payload)
 * is recorded on the guard item and logged as PUSH_REFUSED_FOR_GOOD, and not retried: one broken
 * device or application must not hold up its stream shard (SPEC §8). Throttling and server errors
 * (after the SDK's own retries) are thrown, left for the retry.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { markDeviceDisabled } from '../store/devices.js';
import type { Settled } from '../store/notifications.js';
import { pushMessageAttributes, snsPushMessage, type Platform, type PushOptions } from '../domain/push.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { logger } from '../platform/logger.js';
import { errorName, httpStatusOf } from './report.js';
import { isEndpointDisabled, isEndpointMissing, isPermanent, PUSH_REFUSED_FOR_GOOD } from './sns-errors.js';

export interface MobileDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
}

export interface DeviceRef {
  workspaceId: string;
  agentId: string;
  deviceId: string;
  platform: Platform;
  endpointArn: string;
}

/** `opts`: the recipient's choices for the payload (SPEC §11.5 `pushPreview`, §11.2 badge). */
export async function publishPush(deps: MobileDeps, d: DeviceRef, m: VisitorMessage, opts: PushOptions = {}): Promise<Settled> {
  try {
    const attributes = pushMessageAttributes(d.platform, m);
    await deps.sns.send(
      new PublishCommand({
        TargetArn: d.endpointArn,
        MessageStructure: 'json',
        Message: snsPushMessage(d.platform, m, opts),
        ...(attributes ? { MessageAttributes: attributes } : {}),
      }),
    );
    return { outcome: 'sent' };
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
