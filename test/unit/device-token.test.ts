/** Device tokens per platform (lambdas/domain/device-token.ts): APNs hex, FCM URL-safe text. */
import { deviceTokenProblem } from '../../lambdas/domain/device-token.js';

const hex64 = 'a1'.repeat(32);

test.each([
  ['APNS', hex64],
  ['APNS_SANDBOX', hex64.toUpperCase()],
  ['APNS', 'ab'.repeat(50)],
  ['GCM', 'fcm-token-1'],
  ['GCM', `dGhpcyBpcyBh:APA91b${'x_y-z'.repeat(30)}`],
] as const)('%s %p is accepted', (platform, token) => {
  expect(deviceTokenProblem(platform, token)).toBeUndefined();
});

test.each([
  ['APNS', 'abc'],
  ['APNS', hex64.slice(1)],
  ['APNS', `${hex64.slice(2)}zz`],
  ['APNS', 'ab'.repeat(101)],
  ['GCM', 'abc'],
  ['GCM', 'with space in it'],
  ['GCM', 'slash/es/are/not/allowed'],
] as const)('%s %p is refused with a reason', (platform, token) => {
  expect(deviceTokenProblem(platform, token)).toMatch(/^token: /);
});
