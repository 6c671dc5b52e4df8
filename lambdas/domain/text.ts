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

/** True when the string holds an unpaired surrogate (not valid Unicode text). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
