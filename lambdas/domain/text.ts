/** Lengths and cuts in Unicode code points (SPEC §6, §8). */
export const PREVIEW_CODE_POINTS = 500;
export const MAX_BODY_CODE_POINTS = 10000;

export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The first `max` code points of `s`, nothing added. Iterating a string walks code points, so a
 * surrogate pair is never split; combining marks count as their own code points, as SPEC counts.
 */
export function cutCodePoints(s: string, max = PREVIEW_CODE_POINTS): string {
  if (s.length <= max) return s; // UTF-16 length ≥ code points: already short enough
  let n = 0;
  let end = 0;
  for (const ch of s) {
    if (n === max) break;
    end += ch.length;
    n++;
  }
  return s.slice(0, end);
}

/**
 * Bytes of `s` in UTF-8. A lone surrogate counts 3 (what a lenient encoder writes); in JSON text
 * it is escaped as `\uXXXX` (6) before it is encoded, which `jsonTextBytes` accounts for.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Bytes of a value's JSON text in UTF-8: what APNs and FCM count against their limits. */
export function jsonTextBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value));
}

/** True when the string holds an unpaired surrogate (not valid Unicode text). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/**
 * Characters that must never reach a push title or body, a frame preview or an email subject
 * (SPEC §8): C0 and C1 controls except line feed and tab, and the bidirectional embedding,
 * override and isolate characters (U+202A–U+202E, U+2066–U+2069) that can make a text read
 * backwards ("Trojan Source").
 */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;

export function hasUnsafeChars(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s);
}

/** `s` with every unsafe character removed (SPEC §8). */
export function stripUnsafeChars(s: string): string {
  return s.replace(UNSAFE, '');
}
