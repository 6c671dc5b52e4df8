/**
 * The test notification's push (SPEC §12): one SNS Publish to one enabled device endpoint, with the
 * same handling of a refusal as a message's push (channels/mobile.ts): an endpoint SNS reports
 * disabled or gone is marked disabled; a refusal for good is reported; anything else is thrown.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { markDeviceDisabled } from '../store/devices.js';
import type { Settled } from '../store/notifications.js';
import { testPushAttributes, testSnsMessage } from '../domain/test-notification.js';
import { logger } from '../platform/logger.js';
import { errorName, httpStatusOf } from './report.js';
import { isEndpointDisabled, isEndpointMissing, isPermanent } from './sns-errors.js';
import type { DeviceRef, MobileDeps } from './mobile.js';

export async function publishTestPush(deps: MobileDeps, d: DeviceRef, at: string): Promise<Settled> {
  try {
    const attributes = testPushAttributes(d.platform);
    await deps.sns.send(new PublishCommand({ TargetArn: d.endpointArn, MessageStructure: 'json', Message: testSnsMessage(d.platform, at), ...(attributes ? { MessageAttributes: attributes } : {}) }));
    return { outcome: 'sent' };
  } catch (e) {
    const log = { deviceId: d.deviceId, agentId: d.agentId, platform: d.platform, error: errorName(e), status: httpStatusOf(e) };
    if (isEndpointDisabled(e) || isEndpointMissing(e)) {
      const detail = isEndpointDisabled(e) ? 'endpoint_disabled' : 'endpoint_deleted';
      await markDeviceDisabled(deps.db, deps.tableName, d, d.deviceId);
      logger.info('test push: endpoint disabled, device skipped from now on', { ...log, detail });
      return { outcome: 'disabled', detail, error: log.error };
    }
    if (isPermanent(e)) return { outcome: 'rejected', detail: 'provider_error', error: log.error };
    throw e;
  }
}
