/** The pure rules behind SPEC §10.1–10.2: origins as browsers send them, fixed one-minute windows, and the local client address. */
import { normalizeOrigin, originAllowed } from '../../lambdas/domain/widget.js';
import { rateWindow } from '../../lambdas/domain/rate-window.js';
import type { IncomingMessage } from 'node:http';
import { sourceIpOf } from '../../local/http-gateway.js';

describe('origins (SPEC §10.1)', () => {
  test.each([
    ['https://shop.example', 'https://shop.example'],
    ['https://Shop.Example.COM', 'https://shop.example.com'],
    ['https://shop.example:443', 'https://shop.example'],
    ['https://shop.example:8443', 'https://shop.example:8443'],
    ['http://localhost:5173', 'http://localhost:5173'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
  ])('%s is the origin %s', (input, origin) => {
    expect(normalizeOrigin(input)).toBe(origin);
  });

  test.each([
    'http://shop.example', // plain http off localhost
    'https://shop.example/', // a path, even an empty one
    'https://shop.example/widget',
    'https://shop.example?x=1',
    'https://shop.example#top',
    'https://user@shop.example',
    'ftp://shop.example',
    'shop.example',
    '*',
    'null',
    'https://',
    ' https://shop.example',
    `https://${'a'.repeat(300)}.example`,
  ])('%s is not an origin', (input) => {
    expect(normalizeOrigin(input)).toBeUndefined();
  });

  test('an empty list allows every origin; a list allows only its own, and a missing header passes', () => {
    expect(originAllowed({ allowedOrigins: [] }, 'https://anything.example')).toBe(true);
    const s = { allowedOrigins: ['https://shop.example'] };
    expect(originAllowed(s, 'https://shop.example')).toBe(true);
    expect(originAllowed(s, 'https://SHOP.example:443')).toBe(true);
    expect(originAllowed(s, 'https://evil.example')).toBe(false);
    expect(originAllowed(s, 'https://shop.example.evil.example')).toBe(false);
    expect(originAllowed(s, 'http://shop.example')).toBe(false);
    expect(originAllowed(s, 'null')).toBe(false);
    expect(originAllowed(s, undefined)).toBe(true);
  });
});

describe('one-minute windows (SPEC §10.2)', () => {
  const at = (iso: string) => Date.parse(iso);

  test('every instant of a minute is one window; the next minute is another', () => {
    const a = rateWindow(at('2026-12-01T10:15:00.000Z'));
    const b = rateWindow(at('2026-12-01T10:15:59.999Z'));
    const c = rateWindow(at('2026-12-01T10:16:00.000Z'));
    expect(a.id).toBe('2026-12-01T10:15');
    expect(b.id).toBe(a.id);
    expect(c.id).toBe('2026-12-01T10:16');
  });

  test('Retry-After is the whole seconds to the window end, at least 1', () => {
    expect(rateWindow(at('2026-12-01T10:15:00.000Z')).retryAfterS).toBe(60);
    expect(rateWindow(at('2026-12-01T10:15:30.200Z')).retryAfterS).toBe(30);
    expect(rateWindow(at('2026-12-01T10:15:59.999Z')).retryAfterS).toBe(1);
  });

  test('the counter expires after its window ends', () => {
    const w = rateWindow(at('2026-12-01T10:15:20.000Z'));
    expect(w.ttl * 1000).toBeGreaterThan(w.endsAtMs);
    expect(w.endsAtMs).toBe(at('2026-12-01T10:16:00.000Z'));
  });
});

describe('the local client address (SPEC §9)', () => {
  const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  test('from loopback, the first x-forwarded-for entry is the client', () => {
    expect(sourceIpOf(req('127.0.0.1', '203.0.113.9, 10.0.0.1'))).toBe('203.0.113.9');
    expect(sourceIpOf(req('::ffff:127.0.0.1', '2001:db8::7'))).toBe('2001:db8::7');
    expect(sourceIpOf(req('::1', ' 198.51.100.3 '))).toBe('198.51.100.3');
  });

  test('from loopback with no usable header, the socket address', () => {
    expect(sourceIpOf(req('127.0.0.1'))).toBe('127.0.0.1');
    expect(sourceIpOf(req('127.0.0.1', 'not-an-address'))).toBe('127.0.0.1');
    expect(sourceIpOf(req('127.0.0.1', ''))).toBe('127.0.0.1');
  });

  test('from anywhere else the header is not believed', () => {
    expect(sourceIpOf(req('192.0.2.5', '203.0.113.9'))).toBe('192.0.2.5');
    expect(sourceIpOf(req('::ffff:192.0.2.5', '127.0.0.1'))).toBe('192.0.2.5');
  });
});
