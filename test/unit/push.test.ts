import { apnsPayload, fcmV1Payload, fitPayload, platformPayload, pushText, snsPushMessage, MAX_PLATFORM_PAYLOAD_BYTES, PLATFORMS, type Platform } from '../../lambdas/domain/push.js';
import type { VisitorMessage } from '../../lambdas/domain/visitor-message.js';
import { codePointLength, hasLoneSurrogate, hasUnsafeChars } from '../../lambdas/domain/text.js';

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

/** The platform member exactly as it goes to APNs/FCM: its UTF-8 bytes. */
const memberBytes = (platform: Platform, m: VisitorMessage) => Buffer.byteLength(JSON.parse(snsPushMessage(platform, m))[platform] as string, 'utf8');
const textOf = (platform: Platform, m: VisitorMessage) => {
  const p = JSON.parse(JSON.parse(snsPushMessage(platform, m))[platform] as string);
  return platform === 'GCM' ? p.fcmV1Message.message.notification : p.aps.alert;
};

describe('unsafe characters never reach a title or a body (SPEC §8)', () => {
  test('controls (but line feed and tab) and bidi overrides are removed; the rest of the text stays', () => {
    const t = pushText(msg({ fromName: 'Ann\u202E\u0007 Lee', body: 'pay\u202Egnp.exe\u0000\u001B[31m red\nline\ttab\u2066x\u2069' }));
    expect(t).toEqual({ title: 'Ann Lee', body: 'paygnp.exe[31m red\nline\ttabx' });
    expect(hasUnsafeChars(t.title) || hasUnsafeChars(t.body)).toBe(false);
  });

  test('a name of nothing but unsafe characters is "Visitor"', () => {
    expect(pushText(msg({ fromName: '\u202E\u0001\u0002' })).title).toBe('Visitor');
  });

  test('the 500-code-point cut counts what is left after removing them', () => {
    const body = `${'\u0001'.repeat(100)}${'x'.repeat(600)}`;
    expect(pushText(msg({ body })).body).toBe('x'.repeat(500));
  });
});

describe('each platform payload is at most 4096 bytes of UTF-8 JSON (SPEC §8)', () => {
  const worst: Array<[string, Partial<VisitorMessage>]> = [
    ['100 4-byte name, 500 4-byte body', { fromName: '😀'.repeat(100), body: '😀'.repeat(500) }],
    ['100 4-byte name, 500 control characters (the issue: 4,400 bytes)', { fromName: '😀'.repeat(100), body: '\u0001'.repeat(500) }],
    ['200 4-byte name, 500 quotes and backslashes (2 bytes each as JSON)', { fromName: '𝒜'.repeat(200), body: '"\\'.repeat(250) }],
    ['controls and bidi mixed into 4-byte text', { fromName: '\u202E😀'.repeat(100), body: '\u0007😀'.repeat(500) }],
    ['10000 code points of 3-byte CJK', { fromName: '中'.repeat(200), body: '中'.repeat(10000) }],
  ];
  test.each(PLATFORMS.flatMap((p) => worst.map(([name, over]) => [p, name, over] as const)))('%s: %s', (platform, _name, over) => {
    const m = msg(over);
    expect(memberBytes(platform, m)).toBeLessThanOrEqual(MAX_PLATFORM_PAYLOAD_BYTES);
    const t = textOf(platform, m);
    expect(hasUnsafeChars(t.title) || hasUnsafeChars(t.body)).toBe(false);
    expect(hasLoneSurrogate(t.title) || hasLoneSurrogate(t.body)).toBe(false);
    // These fit once cleaned: nothing is shortened beyond the 500 cut.
    expect(t).toEqual(pushText(m));
  });

  test('a name too long for the limit is shortened first, the body kept whole', () => {
    const m = msg({ fromName: '😀'.repeat(2000), body: '😀'.repeat(500) });
    for (const platform of PLATFORMS) {
      expect(memberBytes(platform, m)).toBeLessThanOrEqual(MAX_PLATFORM_PAYLOAD_BYTES);
      expect(memberBytes(platform, m)).toBeGreaterThan(MAX_PLATFORM_PAYLOAD_BYTES - 4); // shortened no more than needed
      const t = textOf(platform, m);
      expect(t.body).toBe('😀'.repeat(500));
      expect('😀'.repeat(2000).startsWith(t.title)).toBe(true);
      expect(hasLoneSurrogate(t.title)).toBe(false);
    }
  });

  test('when the title is used up, the body is shortened next, never splitting a code point', () => {
    const render = (t: { title: string; body: string }) => ({ aps: { alert: t } });
    const fixed = JSON.stringify(render({ title: '', body: '' })).length;
    // Room for the fixed part and 5 emoji (4 bytes each): the whole title goes, then the body is cut to 5.
    const out = fitPayload({ title: '😀😀', body: '😀'.repeat(8) }, render, fixed + 22);
    expect(out.aps.alert).toEqual({ title: '', body: '😀'.repeat(5) });
    // The title is only cut as far as needed.
    const partial = fitPayload({ title: 'abcdef', body: 'xyz' }, render, fixed + 3 + 4);
    expect(partial.aps.alert).toEqual({ title: 'abcd', body: 'xyz' });
  });

  test('JSON escapes count: a 6-byte escape is removed as one code point', () => {
    const render = (t: { title: string; body: string }) => ({ t: t.title, b: t.body });
    const fixed = JSON.stringify(render({ title: '', body: '' })).length;
    const out = fitPayload({ title: '', body: '\u0001\u0001\u0001' }, render, fixed + 12);
    expect(out.b).toBe('\u0001\u0001');
  });

  test('normal text is not touched by the fitting', () => {
    const m = msg({ fromName: 'Ann', body: 'x'.repeat(600) });
    expect(apnsPayload(m).aps.alert).toEqual({ title: 'Ann', body: 'x'.repeat(500) });
    expect(fcmV1Payload(m).fcmV1Message.message.notification).toEqual({ title: 'Ann', body: 'x'.repeat(500) });
  });
});

describe('preview privacy (SPEC §11.5), per platform', () => {
  const m = msg({ fromName: 'Zelda Quux', body: 'my card number is 4111' });
  test.each(PLATFORMS)('%s full: the name and the text', (platform) => {
    const doc = JSON.parse(snsPushMessage(platform, m, { preview: 'full' }));
    expect(textOf(platform, m)).toEqual({ title: 'Zelda Quux', body: 'my card number is 4111' });
    expect(JSON.parse(doc[platform])).toEqual(platformPayload(platform, m));
  });

  test.each(PLATFORMS)('%s name: the name as title, body "New message", the text nowhere', (platform) => {
    const text = snsPushMessage(platform, m, { preview: 'name' });
    const inner = JSON.parse(JSON.parse(text)[platform]);
    expect(platform === 'GCM' ? inner.fcmV1Message.message.notification : inner.aps.alert).toEqual({ title: 'Zelda Quux', body: 'New message' });
    expect(text).not.toContain('4111');
  });

  test.each(PLATFORMS)('%s none: title "New message", empty body, neither name nor text anywhere (data and default included)', (platform) => {
    const text = snsPushMessage(platform, m, { preview: 'none' });
    const doc = JSON.parse(text);
    const inner = JSON.parse(doc[platform]);
    expect(platform === 'GCM' ? inner.fcmV1Message.message.notification : inner.aps.alert).toEqual({ title: 'New message', body: '' });
    expect(doc.default).toBe('New message');
    for (const secret of ['Zelda', 'Quux', '4111', 'card']) expect(text).not.toContain(secret);
    if (platform === 'GCM') for (const v of Object.values(inner.fcmV1Message.message.data)) expect(typeof v).toBe('string');
    // The ids the app needs to open the conversation stay.
    expect(text).toContain('conv1');
    expect(text).toContain('msg1');
  });
});
