/**
 * The clear and catch-up pushes (SPEC §11.3–11.4): one SNS Publish each, best effort. Unlike a
 * message's alert they have no guard and no retry of their own: the read that triggers a clear push
 * has answered the agent, and a lost catch-up is only a missed reminder of what the badge shows.
 * A failure is logged and reported, never thrown; a disabled endpoint is left for the next alert
 * push to mark (channels/mobile.ts), so these callers need no write on the device copies.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { PushMessage } from '../domain/attention-push.js';
import type { Platform } from '../domain/push.js';
import { logger } from '../platform/logger.js';
import { errorName, httpStatusOf } from './report.js';
import { isEndpointDisabled, isEndpointMissing } from './sns-errors.js';

export type AttentionOutcome = 'sent' | 'disabled' | 'failed';

export async function publishAttention(
  sns: SNSClient,
  d: { agentId: string; deviceId: string; platform: Platform; endpointArn: string },
  push: PushMessage,
  kind: 'clear' | 'catch-up',
): Promise<AttentionOutcome> {
  try {
    await sns.send(
      new PublishCommand({
        TargetArn: d.endpointArn,
        MessageStructure: 'json',
        Message: push.message,
        ...(push.attributes ? { MessageAttributes: push.attributes } : {}),
      }),
    );
    return 'sent';
  } catch (e) {
    const disabled = isEndpointDisabled(e) || isEndpointMissing(e);
    logger.warn(`${kind} push not sent`, { agentId: d.agentId, deviceId: d.deviceId, platform: d.platform, error: errorName(e), status: httpStatusOf(e), disabled });
    return disabled ? 'disabled' : 'failed';
  }
}
