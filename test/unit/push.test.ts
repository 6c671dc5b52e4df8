import { apnsPayload, fcmV1Payload, pushText, snsPushMessage, PLATFORMS } from '../../lambdas/domain/push.js';
import type { VisitorMessage } from '../../lambdas/domain/visitor-message.js';
import { codePointLength, hasLoneSurrogate } from '../../lambdas/domain/text.js';

const msg = (over: Partial<VisitorMessage> = {}): VisitorMessage => ({
  workspaceId: 'ws1',
  conversationId: 'conv1',
  messageId: 'msg1',
  seq: 7,
  fromType: 'visitor',
  fromId: 'vis1',
  fromName: 'Ann',
  body: 'Hello',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('push text: first 500 code points, nothing added (SPEC §8)', () => {
  test('a short body is sent whole', () => {
    expect(pushText(msg({ body: 'Hi there' })).body).toBe('Hi there');
  });

  test('exactly 500 code points is not cut; 501 loses the last one and gains no ellipsis', () => {
    expect(pushText(msg({ body: 'x'.repeat(500) })).body).toBe('x'.repeat(500));
    expect(pushText(msg({ body: `${'x'.repeat(500)}y` })).body).toBe('x'.repeat(500));
  });

  test('emoji count as one each and are never split: 600 emoji give 500 whole emoji (1000 UTF-16 units)', () => {
    const body = '😀'.repeat(600);
    const out = pushText(msg({ body })).body;
    expect(codePointLength(out)).toBe(500);
    expect(out.length).toBe(1000);
    expect(hasLoneSurrogate(out)).toBe(false);
  });

  test('an emoji straddling the limit is kept whole, not halved', () => {
    const body = `${'a'.repeat(499)}😀😀`;
    const out = pushText(msg({ body })).body;
    expect(out).toBe(`${'a'.repeat(499)}😀`);
    expect(hasLoneSurrogate(out)).toBe(false);
    // Cutting by UTF-16 units would have left half a surrogate pair at position 500.
    expect(hasLoneSurrogate(body.slice(0, 500))).toBe(true);
  });

  test('CJK text is cut at 500 characters', () => {
    const body = '中文字符'.repeat(200);
    const out = pushText(msg({ body })).body;
    expect(codePointLength(out)).toBe(500);
    expect(body.startsWith(out)).toBe(true);
  });

  test('combining marks count as their own code points', () => {
    const body = 'e\u0301'.repeat(300); // 600 code points, 300 visible characters
    const out = pushText(msg({ body })).body;
    expect(codePointLength(out)).toBe(500);
    expect(out).toBe('e\u0301'.repeat(250));
  });

  test('the title is the visitor name, or "Visitor" when there is none', () => {
    expect(pushText(msg()).title).toBe('Ann');
    expect(pushText(msg({ fromName: undefined })).title).toBe('Visitor');
    expect(pushText(msg({ fromName: '   ' })).title).toBe('Visitor');
  });
});

describe('platform payloads', () => {
  test('APNS: aps.alert with title and body, thread-id is the conversation, ids beside aps', () => {
    expect(apnsPayload(msg())).toEqual({
      aps: { alert: { title: 'Ann', body: 'Hello' }, 'thread-id': 'conv1', sound: 'default' },
      conversationId: 'conv1',
      messageId: 'msg1',
    });
  });

  test('GCM: FCM HTTP v1 form, and every data value is a string', () => {
    const p = fcmV1Payload(msg({ seq: 42 }));
    expect(p.fcmV1Message.message.notification).toEqual({ title: 'Ann', body: 'Hello' });
    expect(p.fcmV1Message.message.data).toMatchObject({ conversationId: 'conv1', messageId: 'msg1', seq: '42' });
    for (const v of Object.values(p.fcmV1Message.message.data)) expect(typeof v).toBe('string');
  });

  test.each(PLATFORMS)('the SNS message for %s has a default and that platform as a JSON string', (platform) => {
    const doc = JSON.parse(snsPushMessage(platform, msg({ body: 'a "quoted" 😀' }))) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['default', platform].sort());
    expect(doc.default).toBe('a "quoted" 😀');
    expect(typeof doc[platform]).toBe('string');
    const inner = JSON.parse(doc[platform] as string);
    expect(JSON.stringify(inner)).toContain('a \\"quoted\\" 😀');
    expect(inner).toEqual(platform === 'GCM' ? fcmV1Payload(msg({ body: 'a "quoted" 😀' })) : apnsPayload(msg({ body: 'a "quoted" 😀' })));
  });

  test('a full-length push stays under the 4 KB APNs payload limit even with 4-byte characters', () => {
    const body = '😀'.repeat(2000);
    const bytes = Buffer.byteLength(JSON.parse(snsPushMessage('APNS', msg({ body, fromName: 'N'.repeat(100) }))).APNS as string);
    expect(bytes).toBeLessThanOrEqual(4096);
  });
});
