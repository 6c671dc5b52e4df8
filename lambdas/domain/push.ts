/**
 * Mobile push payloads (SPEC §8) as SNS wants them with `MessageStructure: "json"`: a JSON object
 * whose `default` member is required by SNS and whose platform member is itself a JSON string.
 */
import { cutCodePoints, PREVIEW_CODE_POINTS } from './text.js';
import { visitorDisplayName, type VisitorMessage } from './visitor-message.js';

export const PLATFORMS = ['APNS', 'APNS_SANDBOX', 'GCM'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PushText {
  title: string;
  body: string;
}

export function pushText(m: VisitorMessage): PushText {
  return { title: visitorDisplayName(m.fromName), body: cutCodePoints(m.body, PREVIEW_CODE_POINTS) };
}

export interface ApnsPayload {
  aps: { alert: PushText; 'thread-id': string; sound: 'default' };
  conversationId: string;
  messageId: string;
}

/** APNs: the ids sit beside `aps` so the app can open the conversation; thread-id groups a conversation's alerts. */
export function apnsPayload(m: VisitorMessage): ApnsPayload {
  return {
    aps: { alert: pushText(m), 'thread-id': m.conversationId, sound: 'default' },
    conversationId: m.conversationId,
    messageId: m.messageId,
  };
}

export interface FcmV1Payload {
  fcmV1Message: { message: { notification: PushText; data: Record<string, string> } };
}

/** FCM HTTP v1 through SNS. FCM rejects a `data` value that is not a string, so every value is one. */
export function fcmV1Payload(m: VisitorMessage): FcmV1Payload {
  return {
    fcmV1Message: {
      message: {
        notification: pushText(m),
        data: {
          workspaceId: m.workspaceId,
          conversationId: m.conversationId,
          messageId: m.messageId,
          seq: String(m.seq),
        },
      },
    },
  };
}

export function platformPayload(platform: Platform, m: VisitorMessage): ApnsPayload | FcmV1Payload {
  return platform === 'GCM' ? fcmV1Payload(m) : apnsPayload(m);
}

/**
 * The `Message` of one Publish to an endpoint of `platform`. Only that platform's member is sent
 * (SNS picks it by the endpoint's platform); `default` carries the plain text SNS falls back to.
 */
export function snsPushMessage(platform: Platform, m: VisitorMessage): string {
  return JSON.stringify({ default: pushText(m).body, [platform]: JSON.stringify(platformPayload(platform, m)) });
}
