/** Edge schemas shared by the HTTP and WebSocket handlers. */
import * as z from 'zod/mini';
import { codePointLength, hasLoneSurrogate, MAX_BODY_CODE_POINTS } from '../domain/text.js';
import { ID_PATTERN } from '../domain/ids.js';
import { TOO_LONG } from './http.js';
import { isValidTime, isValidTimeZone } from '../domain/attention.js';

// zod/mini rather than classic zod: it tree-shakes, which keeps handler bundles small.
export const messageBody = z.string().check(
  z.refine((s) => codePointLength(s) <= MAX_BODY_CODE_POINTS, { message: TOO_LONG }),
  z.refine((s) => s.trim().length > 0, { message: 'must hold 1 to 10000 characters' }),
  z.refine((s) => !hasLoneSurrogate(s), { message: 'is not valid Unicode text (lone surrogate)' }),
  z.refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' }),
  // The checks above cannot be JSON Schema; the API documents (docs/generate.ts) say them in words.
  z.describe('1 to 10000 code points, not only white space; no NUL, no lone surrogates (over 10000: 413)'),
);

export const clientMessageId = z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1..128 of A-Z a-z 0-9 _ . : -'));

export const id = z.string().check(z.regex(ID_PATTERN, 'is not a valid id'));

export const seq = z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));

export const settingsSchema = z.strictObject({
  desktop: z.boolean(),
  mobile: z.boolean(),
  email: z.boolean(),
  emailUnreadReminder: z.boolean(),
  scope: z.enum(['all', 'assigned']),
  unassigned: z.boolean(),
  // SPEC §2: optional in PUT (an absent one takes its default), always present in answers.
  pushPreview: z.optional(z.enum(['full', 'name', 'none'])),
  quietHours: z.optional(z.nullable(quietHoursSchema())),
  mobileOnlyWhenAway: z.optional(z.boolean()),
});

function quietHoursSchema() {
  const time = z.string().check(z.refine(isValidTime, { message: 'must be a time HH:MM (00:00 to 23:59)' }), z.describe('HH:MM, 00:00 to 23:59'));
  return z.strictObject({
    start: time,
    end: time,
    timeZone: z.string().check(z.refine(isValidTimeZone, { message: 'is not a known IANA time zone' }), z.describe('an IANA time zone, e.g. Europe/Paris')),
    days: z.optional(
      z.array(z.number().check(z.int(), z.gte(0), z.lte(6))).check(
        z.minLength(1),
        z.refine((d) => new Set(d).size === d.length, { message: 'must not repeat a day' }),
      ),
    ),
  });
}
