/** The contract checker (test/support/contract.ts) on hand-made records: it passes what the documents say and names what they do not. */
import { readFileSync } from 'node:fs';
import { contractChecker, type ContractRecord } from '../support/contract.js';

const check = contractChecker(JSON.parse(readFileSync('docs/openapi.json', 'utf8')), JSON.parse(readFileSync('docs/asyncapi.json', 'utf8')));
const http = (method: string, path: string, status: number, body?: unknown): ContractRecord => ({ kind: 'http', method, path, status, body });
const settings = { desktop: true, mobile: true, email: false, emailUnreadReminder: false, scope: 'all', unassigned: false, pushPreview: 'full', quietHours: null, mobileOnlyWhenAway: false };

test('documented answers pass: templated paths, a 204 without body, an error in the error shape', () => {
  const r = check([
    http('POST', '/v1/conversations/conv_1/messages', 201, { messageId: 'm', seq: 1, createdAt: '2026-01-01T00:00:00.000Z' }),
    http('PUT', '/v1/me/notification-settings', 200, settings),
    http('DELETE', '/v1/me/devices/dev_1', 204),
    http('GET', '/v1/conversations', 401, { error: { code: 'unauthorized', message: 'missing or invalid token' } }),
    { kind: 'frame', frame: { type: 'pong' } },
  ]);
  expect(r.violations).toEqual([]);
  expect(r.checked).toBe(5);
});

test('a missing field, an unknown field, an undocumented status and an off-shape error are each named', () => {
  const r = check([
    http('POST', '/v1/conversations/conv_1/messages', 201, { messageId: 'm', createdAt: 'x' }),
    http('PUT', '/v1/me/notification-settings', 200, { ...settings, extra: true }),
    http('GET', '/v1/me', 418, { error: { code: 'bad_request', message: 'x' } }),
    http('GET', '/v1/nowhere', 404, { message: 'Not Found' }),
    { kind: 'frame', frame: { type: 'read', conversationId: 'c' } },
  ]);
  expect(r.violations).toHaveLength(5);
  expect(r.violations[0]).toMatch(/POST \/v1\/conversations\/\{id\}\/messages → 201: .*seq/);
  expect(r.violations[1]).toMatch(/extra/);
  expect(r.violations[2]).toMatch(/418/);
  expect(r.violations[3]).toMatch(/not the error shape/);
  expect(r.violations[4]).toMatch(/frame "read"/);
});

test('5xx answers and frames of undocumented types are counted, not failed', () => {
  const r = check([http('GET', '/v1/me', 500, { error: { code: 'internal_error', message: 'x' } }), { kind: 'frame', frame: { type: 'hello' } }]);
  expect(r).toMatchObject({ violations: [], serverErrors: 1, unknownFrameTypes: { hello: 1 } });
});

test("API Gateway's own 413 (over 10 MB) is documented; the same shape on a 400 is not", () => {
  const r = check([http('POST', '/v1/me/devices', 413, { message: 'Request Entity Too Large' }), http('POST', '/v1/me/devices', 400, { message: 'x' })]);
  expect(r.violations).toHaveLength(1);
  expect(r.violations[0]).toMatch(/POST \/v1\/me\/devices → 400/);
});
