/**
 * Mobile push payloads (SPEC §8) as SNS wants them with `MessageStructure: "json"`: a JSON object
 * whose `default` member is required by SNS and whose platform member is itself a JSON string.
 */
import { cutCodePoints, jsonTextBytes, PREVIEW_CODE_POINTS, stripUnsafeChars } from './text.js';
import { visitorDisplayName, type VisitorMessage } from './visitor-message.js';
import type { PushPreview } from './settings.js';

export const PLATFORMS = ['APNS', 'APNS_SANDBOX', 'GCM'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * The most a platform payload may weigh, in bytes of UTF-8 JSON: APNs refuses a larger alert
 * (https://developer.apple.com/documentation/usernotifications/generating-a-remote-notification)
 * and so does FCM ("the maximum payload … is 4096 bytes",
 * https://firebase.google.com/docs/cloud-messaging/concept-options).
 */
export const MAX_PLATFORM_PAYLOAD_BYTES = 4096;

export interface PushText {
  title: string;
  body: string;
}

/**
 * Per-recipient choices of an alert push. `preview` is the recipient's `pushPreview` (SPEC §11.5,
 * default `full`); `badge` the agent's unread count (SPEC §11.2), when known.
 */
export interface PushOptions {
  preview?: PushPreview;
  badge?: number;
}

/** SPEC §11.5: the title of a `none` push and the body of a `name` one. */
export const PRIVATE_TEXT = 'New message';

/**
 * Title and body before any size fitting: unsafe characters (controls, bidi overrides) removed,
 * then the body cut to its first 500 code points; a name with nothing left is "Visitor".
 * `preview` (SPEC §11.5): `name` keeps the title and says "New message"; `none` shows neither the
 * name nor the text (title "New message", empty body).
 */
export function pushText(m: VisitorMessage, opts: PushOptions = {}): PushText {
  const preview = opts.preview ?? 'full';
  if (preview === 'none') return { title: PRIVATE_TEXT, body: '' };
  const title = visitorDisplayName(stripUnsafeChars(m.fromName ?? ''));
  if (preview === 'name') return { title, body: PRIVATE_TEXT };
  return { title, body: cutCodePoints(stripUnsafeChars(m.body), PREVIEW_CODE_POINTS) };
}

/** `s` with code points dropped from its end until its JSON text is at least `bytes` shorter (never half a pair). */
function shortenBy(s: string, bytes: number): string {
  const cps = [...s];
  let saved = 0;
  while (cps.length > 0 && saved < bytes) saved += jsonTextBytes(cps.pop()!) - 2; // minus the quotes
  return cps.join('');
}

/**
 * The payload `render` builds from `text`, shortened until its JSON is at most `limit` bytes: the
 * title first, then the body (SPEC §8). Counting bytes of the JSON text, escapes included, is
 * what the platforms count. Each round removes at least the excess from one field, so it ends.
 */
export function fitPayload<T>(text: PushText, render: (t: PushText) => T, limit = MAX_PLATFORM_PAYLOAD_BYTES): T {
  let t = text;
  for (;;) {
    const payload = render(t);
    const over = jsonTextBytes(payload) - limit;
    if (over <= 0) return payload;
    if (t.title) t = { ...t, title: shortenBy(t.title, over) };
    else if (t.body) t = { ...t, body: shortenBy(t.body, over) };
    else return payload; // only the fixed part is left: ids are short, so this does not happen
  }
}

export interface ApnsPayload {
  aps: { alert: PushText; 'thread-id': string; sound: 'default'; badge?: number };
  conversationId: string;
  messageId: string;
}

/** APNs: the ids sit beside `aps` so the app can open the conversation; thread-id groups a conversation's alerts. */
export function apnsPayload(m: VisitorMessage, limit = MAX_PLATFORM_PAYLOAD_BYTES, opts: PushOptions = {}): ApnsPayload {
  return fitPayload(
    pushText(m, opts),
    (alert) => ({
      aps: { alert, 'thread-id': m.conversationId, sound: 'default' as const, ...(opts.badge !== undefined ? { badge: opts.badge } : {}) },
      conversationId: m.conversationId,
      messageId: m.messageId,
    }),
    limit,
  );
}

export interface FcmV1Payload {
  fcmV1Message: {
    message: {
      notification: PushText;
      data: Record<string, string>;
      android: { collapse_key: string; notification: { tag: string; notification_count?: number } };
    };
  };
}

/**
 * FCM HTTP v1 through SNS. FCM rejects a `data` value that is not a string, so every value is one.
 * SPEC §11.1: `android.collapse_key` (a newer message replaces a waiting one) and
 * `android.notification.tag` (a shown notification with the same tag is replaced, not stacked) are
 * the conversation id, so a push repeated by a retry replaces the first
 * (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages#androidconfig).
 */
export function fcmV1Payload(m: VisitorMessage, limit = MAX_PLATFORM_PAYLOAD_BYTES, opts: PushOptions = {}): FcmV1Payload {
  return fitPayload(
    pushText(m, opts),
    (notification) => ({
      fcmV1Message: {
        message: {
          notification,
          data: {
            workspaceId: m.workspaceId,
            conversationId: m.conversationId,
            messageId: m.messageId,
            seq: String(m.seq),
            // SPEC §11.2: the badge as a string in data (FCM data values are strings) and as a number
            // in `notification_count` (AndroidNotification, the count launchers show).
            ...(opts.badge !== undefined ? { badge: String(opts.badge) } : {}),
          },
          android: {
            collapse_key: m.conversationId,
            notification: { tag: m.conversationId, ...(opts.badge !== undefined ? { notification_count: opts.badge } : {}) },
          },
        },
      },
    }),
    limit,
  );
}

export function platformPayload(platform: Platform, m: VisitorMessage, opts: PushOptions = {}): ApnsPayload | FcmV1Payload {
  return platform === 'GCM' ? fcmV1Payload(m, MAX_PLATFORM_PAYLOAD_BYTES, opts) : apnsPayload(m, MAX_PLATFORM_PAYLOAD_BYTES, opts);
}

/**
 * The `Message` of one Publish to an endpoint of `platform`. Only that platform's member is sent
 * (SNS picks it by the endpoint's platform); `default` carries the plain text SNS falls back to.
 */
export function snsPushMessage(platform: Platform, m: VisitorMessage, opts: PushOptions = {}): string {
  // `default` follows the preview too (an empty body falls back to the title, SNS wants text there).
  const text = pushText(m, opts);
  return JSON.stringify({ default: text.body || text.title, [platform]: JSON.stringify(platformPayload(platform, m, opts)) });
}

/**
 * The SNS message attributes of a Publish to an endpoint of `platform` (SPEC §11.1). For APNs:
 * `AWS.SNS.MOBILE.APNS.COLLAPSE_ID` (sent as the `apns-collapse-id` header: APNs shows one
 * notification for pushes with the same id, so a push repeated by a retry replaces the first) and
 * `AWS.SNS.MOBILE.APNS.PUSH_TYPE` `alert` (the `apns-push-type` header APNs requires for alerts).
 * These reserved attributes structure the push and are not delivered to the device
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html, "Reserved message
 * attributes for mobile push notifications"). FCM carries its collapse key in the payload instead.
 */
export function pushMessageAttributes(platform: Platform, m: Pick<VisitorMessage, 'conversationId'>): Record<string, { DataType: 'String'; StringValue: string }> | undefined {
  if (platform === 'GCM') return undefined;
  return {
    'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': { DataType: 'String', StringValue: m.conversationId },
    'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' },
  };
}
