/** Identifiers: time-ordered and random, URL-safe, with no AWS dependency. */
import { randomBytes, createHash } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** A sortable id: 10 chars of milliseconds, then 16 random chars. */
export function newId(prefix: string, now = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${base32(randomBytes(16))}`;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Same platform and token → same device id, which makes registration idempotent. */
export function deviceIdFor(platform: string, token: string): string {
  return `dev_${sha256Hex(`${platform}:${token}`).slice(0, 24)}`;
}

/** Ids travel in paths and keys: a conservative alphabet keeps `#`, `/` and `..` out of keys. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
