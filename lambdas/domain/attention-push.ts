/**
 * The pushes of SPEC §11.3–11.4 that are not a visitor message: the silent clear push sent when an
 * agent reads a conversation, and the catch-up alert sent once do-not-disturb or quiet hours end;
 * and when a quiet spell ends, for the catch-up's place in the `due` index. Plain rules, no AWS.
 */
import { localClock, quietState } from './attention.js';
import type { NotificationSettings } from './settings.js';
import type { Platform } from './push.js';

type Attributes = Record<string, { DataType: 'String'; StringValue: string }>;

/** One Publish's `Message` (MessageStructure json) and message attributes. */
export interface PushMessage {
  message: string;
  attributes?: Attributes;
}

/** The `Message` of one Publish: the platform's member (a JSON string) and the `default` SNS requires. */
function wrap(platform: Platform, payload: unknown, fallback: string): string {
  return JSON.stringify({ default: fallback, [platform]: JSON.stringify(payload) });
}

/**
 * SPEC §11.3, exactly: APNs `{"aps": {"content-available": 1, "badge": n}, "type": "clear",
 * "conversationId"}` as a background push — `apns-push-type: background` with `apns-priority: 5`
 * is what APNs requires for a content-available push without alert
 * (https://developer.apple.com/documentation/usernotifications/pushing-background-updates-to-your-app),
 * set through SNS's reserved attributes AWS.SNS.MOBILE.APNS.PUSH_TYPE / PRIORITY
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html); FCM a data-only message
 * at normal priority (no `notification`, so the app decides what to remove).
 */
export function clearPush(platform: Platform, conversationId: string, badge: number): PushMessage {
  if (platform === 'GCM') {
    return {
      message: wrap(platform, { fcmV1Message: { message: { data: { type: 'clear', conversationId, badge: String(badge) }, android: { priority: 'normal' } } } }, ''),
    };
  }
  return {
    message: wrap(platform, { aps: { 'content-available': 1, badge }, type: 'clear', conversationId }, ''),
    attributes: {
      'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'background' },
      'AWS.SNS.MOBILE.APNS.PRIORITY': { DataType: 'String', StringValue: '5' },
    },
  };
}

export const CATCH_UP_COLLAPSE_KEY = 'catch-up';
export const CATCH_UP_TITLE = 'While you were away';

export function catchUpBody(n: number): string {
  return `${n} unread conversation${n === 1 ? '' : 's'}`;
}

/** SPEC §11.4: one alert per device once the quiet is over, collapse key `catch-up`, badge n. */
export function catchUpPush(platform: Platform, unread: number): PushMessage {
  const alert = { title: CATCH_UP_TITLE, body: catchUpBody(unread) };
  if (platform === 'GCM') {
    return {
      message: wrap(
        platform,
        {
          fcmV1Message: {
            message: {
              notification: alert,
              data: { type: 'catch-up', badge: String(unread) },
              android: { collapse_key: CATCH_UP_COLLAPSE_KEY, notification: { tag: CATCH_UP_COLLAPSE_KEY, notification_count: unread } },
            },
          },
        },
        alert.body,
      ),
    };
  }
  return {
    message: wrap(platform, { aps: { alert, badge: unread, sound: 'default' }, type: 'catch-up' }, alert.body),
    attributes: {
      'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': { DataType: 'String', StringValue: CATCH_UP_COLLAPSE_KEY },
      'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' },
    },
  };
}

/** Minutes from `minutes` (since local midnight) forward to `end` (since local midnight), 1..1440. */
function minutesUntil(minutes: number, end: number): number {
  const d = (end - minutes + 1440) % 1440;
  return d === 0 ? 1440 : d;
}

/**
 * When the agent's quiet, as it holds at `nowMs`, is over: the later of do-not-disturb's `until`
 * and the end of the quiet-hours window that follows it (one window may start as DND ends). The
 * window end is found from the local clock through Intl; a DST jump inside the window can make it
 * an hour off, which costs nothing: the reminder checks the agent is no longer quiet before it
 * sends, and records the entry again when they still are. Undefined when not quiet.
 */
export function quietEndsAt(settings: Pick<NotificationSettings, 'quietHours'>, doNotDisturbUntil: string | null | undefined, nowMs: number): number | undefined {
  let t = nowMs;
  // DND then a window, or a window then DND: a few steps settle it (bounded, never a loop).
  for (let i = 0; i < 4; i++) {
    const q = quietState(settings, doNotDisturbUntil, t);
    if (!q) return t === nowMs ? undefined : t;
    if (q === 'do_not_disturb') t = Date.parse(doNotDisturbUntil!);
    else {
      const qh = settings.quietHours!;
      const { minutes } = localClock(qh.timeZone, t);
      const [h, m] = qh.end.split(':').map(Number);
      const startOfMinute = t - (t % 60_000);
      t = startOfMinute + minutesUntil(minutes, h! * 60 + m!) * 60_000;
    }
  }
  return t;
}
