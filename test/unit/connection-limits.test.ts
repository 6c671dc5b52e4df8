/** The pure rules that end WebSocket connections, and the local gateway's frame-header reader. */
import { connectionsOverCap, expiryMinutes, isExpired, MAX_CONNECTIONS_PER_AGENT } from '../../lambdas/domain/connection-limits.js';
import { frameSizeWatch } from '../../local/frame-limit.js';
import { k } from '../../lambdas/store/keys.js';

const conn = (i: number) => ({ connectionId: `c${String(i).padStart(2, '0')}`, connectedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() });

describe('connection cap', () => {
  test('20 or fewer: nothing to close', () => {
    const twenty = Array.from({ length: MAX_CONNECTIONS_PER_AGENT }, (_, i) => conn(i));
    expect(connectionsOverCap(twenty, 'c19')).toEqual([]);
  });

  test('21: the oldest one, whatever order the query gave', () => {
    const all = Array.from({ length: 21 }, (_, i) => conn(i)).reverse();
    expect(connectionsOverCap(all, 'c20').map((c) => c.connectionId)).toEqual(['c00']);
  });

  test('23: the three oldest, never the new one even when its clock reads oldest', () => {
    const all = Array.from({ length: 23 }, (_, i) => conn(i));
    expect(connectionsOverCap(all, 'c00').map((c) => c.connectionId)).toEqual(['c01', 'c02', 'c03']);
  });
});

describe('token expiry', () => {
  test('expired at exp itself, not before; an unknown expiry never expires', () => {
    expect(isExpired(100, 99_999)).toBe(false);
    expect(isExpired(100, 100_000)).toBe(true);
    expect(isExpired(undefined, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  test('the sweep reads one bucket per minute from the lookback up to the current minute', () => {
    const now = Date.UTC(2026, 11, 1, 22, 30, 42) / 1000;
    const minutes = expiryMinutes(now, 3);
    expect(minutes.map((m) => k.connExpiryPk(m))).toEqual(['CONNEXP#2026-12-01T22:27', 'CONNEXP#2026-12-01T22:28', 'CONNEXP#2026-12-01T22:29', 'CONNEXP#2026-12-01T22:30']);
    // A token expiring at 22:30:59 is in the current bucket.
    expect(k.connExpiryPk(now + 17)).toBe('CONNEXP#2026-12-01T22:30');
  });

  test('sort keys order by expiry, so "at or before now" is one key range', () => {
    expect(k.connExpirySk(999, 'zzz') < k.connExpirySk(1000, '')).toBe(true);
    expect(k.connExpirySk(1000, 'a') < k.connExpirySk(1000, '')).toBe(false);
  });
});

/** A masked client frame header for a payload of `len` bytes (the payload itself left out). */
function header(len: number, opcode = 0x1, fin = true): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  const mask = Buffer.from([1, 2, 3, 4]);
  if (len < 126) return Buffer.concat([Buffer.from([first, 0x80 | len]), mask]);
  if (len < 65536) {
    const b = Buffer.from([first, 0x80 | 126, 0, 0]);
    b.writeUInt16BE(len, 2);
    return Buffer.concat([b, mask]);
  }
  const b = Buffer.alloc(10);
  b[0] = first;
  b[1] = 0x80 | 127;
  b.writeBigUInt64BE(BigInt(len), 2);
  return Buffer.concat([b, mask]);
}

const frame = (len: number, opcode = 0x1, fin = true) => Buffer.concat([header(len, opcode, fin), Buffer.alloc(len, 0x61)]);

/** Feed `bytes` to a watch in chunks of `size`; the sizes of the oversize frames it reported. */
function watch(bytes: Buffer, size: number, limit = 32 * 1024): number[] {
  const seen: number[] = [];
  const feed = frameSizeWatch(limit, (n) => seen.push(n));
  for (let i = 0; i < bytes.length; i += size) feed(bytes.subarray(i, i + size));
  return seen;
}

describe('the local gateway reads frame sizes on the wire', () => {
  test.each([1, 3, 7, 1000, 70_000])('frames up to 32 KB pass, and the reader stays in step to the next one, in chunks of %i bytes', (size) => {
    const fine = Buffer.concat([frame(5), frame(300), frame(32 * 1024), frame(20_000, 0x1, false), frame(20_000, 0x0), frame(0, 0x9)]);
    expect(watch(fine, size)).toEqual([]);
    // Only a reader that kept every boundary finds the oversize frame at the end.
    expect(watch(Buffer.concat([fine, frame(40_000)]), size)).toEqual([40_000]);
  });

  test.each([1, 5, 13, 4096])('the first frame over 32 KB is reported once, in chunks of %i bytes', (size) => {
    const stream = Buffer.concat([frame(10), frame(32 * 1024 + 1), frame(70_000)]);
    expect(watch(stream, size)).toEqual([32 * 1024 + 1]);
  });

  test('a 64-bit length is read too', () => {
    expect(watch(Buffer.concat([frame(100), header(200_000)]), 64)).toEqual([200_000]);
  });
});
