/**
 * The test notification (SPEC §12): what each channel gets. Fixed text, no visitor data: the agent
 * sees that the channel works, nothing else.
 */
import type { Platform } from './push.js';

export const TEST_TITLE = 'Test notification';
export const TEST_BODY = 'Notifications reach you here.';
/** SPEC §10.2: one test per agent per 30 seconds. */
export const TEST_COOLDOWN_MS = 30_000;

export function testFrame(at: string): { type: 'test'; at: string } {
  return { type: 'test', at };
}

/**
 * APNS/APNS_SANDBOX: an alert with `type: "test"` beside `aps`; GCM (FCM HTTP v1): a notification
 * with `data.type: "test"` (every data value a string, as FCM requires).
 */
export function testPushPayload(platform: Platform, at: string): Record<string, unknown> {
  if (platform === 'GCM') {
    return { fcmV1Message: { message: { notification: { title: TEST_TITLE, body: TEST_BODY }, data: { type: 'test', at } } } };
  }
  return { aps: { alert: { title: TEST_TITLE, body: TEST_BODY }, sound: 'default' }, type: 'test', at };
}

/** The Publish `Message` (MessageStructure json): only the endpoint's platform member, and `default`. */
export function testSnsMessage(platform: Platform, at: string): string {
  return JSON.stringify({ default: TEST_BODY, [platform]: JSON.stringify(testPushPayload(platform, at)) });
}

/** APNs requires `apns-push-type` for alerts (SNS reserved attribute; FCM needs none). */
export function testPushAttributes(platform: Platform): Record<string, { DataType: 'String'; StringValue: string }> | undefined {
  return platform === 'GCM' ? undefined : { 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' } };
}

export function testEmail(consoleUrl: string): { subject: string; text: string; html: string } {
  const settings = `${consoleUrl.replace(/\/$/, '')}/#/settings`;
  return {
    subject: TEST_TITLE,
    text: `This is a test notification. Email notifications reach you at this address.\n\nNotification settings: ${settings}\n`,
    html: `<p>This is a test notification. Email notifications reach you at this address.</p><p><a href="${settings}">Notification settings</a></p>`,
  };
}
