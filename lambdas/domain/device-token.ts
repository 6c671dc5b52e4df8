/**
 * What a device token looks like, per platform, so junk ("abc") is refused at registration instead
 * of becoming an SNS endpoint that fails on the first push.
 *
 * - APNs: the device token is 32 bytes today, sent as hex: 64 hex digits. Apple says tokens are of
 *   variable length and not to hard-code their size, so longer even-length hex is accepted too.
 *   https://developer.apple.com/documentation/usernotifications/registering-your-app-with-apns
 *   https://nshipster.com/apns-device-tokens/
 * - FCM: registration tokens are opaque URL-safe text (about 150–200 characters today, often
 *   `{instance id}:{base64url}`); Firebase documents no fixed shape, so this is permissive: the
 *   URL-safe base64 alphabet plus `:`, at least 8 characters.
 *   https://firebase.google.com/docs/cloud-messaging/manage-tokens
 */
import type { Platform } from './push.js';

const APNS = /^(?:[0-9a-fA-F]{2}){32,100}$/;
const FCM = /^[A-Za-z0-9_\-:.]{8,4096}$/;

/** Undefined when the token fits its platform; otherwise what is wrong, for the 400. */
export function deviceTokenProblem(platform: Platform, token: string): string | undefined {
  if (platform === 'GCM') return FCM.test(token) ? undefined : 'token: an FCM registration token is at least 8 characters of A-Z a-z 0-9 _ - : .';
  return APNS.test(token) ? undefined : `token: an ${platform} device token is 64 hexadecimal digits`;
}
