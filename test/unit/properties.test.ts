/**
 * Property-based tests (fast-check) for the pure rules a single example cannot cover: the
 * code-point cut, pagination cursors, the conversation-list filters and the settings parser.
 */
import fc from 'fast-check';
import type * as zm from 'zod/mini';
import { codePointLength, cutCodePoints, hasLoneSurrogate } from '../../lambdas/domain/text.js';
import { CursorError, decodeCursor, encodeCursor } from '../../lambdas/store/keys.js';
import { listItem, type Conversation } from '../../lambdas/store/conversations.js';
import { isUnread, nextReadSeq, sharedStatus } from '../../lambdas/domain/read-state.js';
import { settingsSchema } from '../../lambdas/edge/schemas.js';
import { DEFAULT_SETTINGS, withDefaults } from '../../lambdas/domain/settings.js';
import { settingsAnswer } from '../../lambdas/edge/answers.js';
import { handler as listConversations } from '../../lambdas/handlers/http/list-conversations.js';

// Any UTF-16 text, lone surrogates included, and text made of whole code points (astral too).
const anyText = fc.string({ unit: 'binary', maxLength: 700 });
const codePoints = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', '\u0301', '😀', '𝄞', '中'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 700 });

describe('the code-point cut', () => {
  test('a prefix of the text, exactly min(max, length) code points long, never splitting a pair', () => {
    fc.assert(
      fc.property(codePoints, fc.integer({ min: 0, max: 800 }), (s, max) => {
        const cut = cutCodePoints(s, max);
        expect(s.startsWith(cut)).toBe(true);
        expect(codePointLength(cut)).toBe(Math.min(max, codePointLength(s)));
        // Whole code points in, whole code points out.
        expect(hasLoneSurrogate(cut)).toBe(false);
        // Cutting again changes nothing.
        expect(cutCodePoints(cut, max)).toBe(cut);
      }),
    );
  });

  test('on any UTF-16 text too (lone surrogates count as one code point each)', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 800 }), (s, max) => {
        const cut = cutCodePoints(s, max);
        expect(s.startsWith(cut)).toBe(true);
        expect(codePointLength(cut)).toBe(Math.min(max, codePointLength(s)));
      }),
    );
  });
});

describe('pagination cursors', () => {
  const key = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer()), { minKeys: 1, maxKeys: 6 });

  test('decode(encode(key)) is the key; a cursor is URL-safe text', () => {
    fc.assert(
      fc.property(key, (k) => {
        const c = encodeCursor(k)!;
        expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeCursor(c)).toEqual(k);
      }),
    );
  });

  test('any other text is either an object key or a CursorError (a 400), never another failure', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (c) => {
        try {
          const v = decodeCursor(c);
          expect(v === undefined || (typeof v === 'object' && !Array.isArray(v))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(CursorError);
        }
      }),
    );
  });
});

describe('the conversation-list filters', () => {
  const query = (listConversations as unknown as { spec: { query: zm.ZodMiniType<{ filter: string; limit?: number; cursor?: string }> } }).spec.query;

  test("the list's query (the handler's own schema): exactly the four filters, `all` by default; limit an integer 1..100", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('all', 'unread', 'assigned', 'unassigned', 'ALL', 'read', ''), fc.string({ maxLength: 12 })), (filter) => {
        const r = query.safeParse({ filter });
        expect(r.success).toBe(['all', 'unread', 'assigned', 'unassigned'].includes(filter));
      }),
    );
    expect(query.parse({})).toEqual({ filter: 'all' });
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -5, max: 120 }).map(String), fc.constantFrom('1.5', 'ten', '', '1e2', ' 7')), (limit) => {
        const r = query.safeParse({ limit });
        const n = Number(limit);
        const ok = limit.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 100;
        expect({ limit, ok: r.success }).toEqual({ limit, ok });
      }),
    );
  });

  const seq = fc.integer({ min: 0, max: 1000 });
  test('a list item is unread for the caller exactly when a visitor message is newer than their read position; the shared status follows its own position', () => {
    fc.assert(
      fc.property(seq, seq, seq, fc.option(fc.constantFrom('a', 'b'), { nil: null }), (lastVisitorSeq, readSeq, statusReadSeq, assigneeId) => {
        const c = {
          conversationId: 'c',
          workspaceId: 'w',
          visitor: {},
          visitorId: 'v',
          assigneeId,
          lastSeq: lastVisitorSeq,
          lastVisitorSeq,
          statusReadSeq,
          lastMessage: null,
        } as unknown as Conversation;
        const item = listItem(c, readSeq);
        expect(item.unread).toBe(lastVisitorSeq > readSeq);
        expect(item.unread).toBe(isUnread(lastVisitorSeq, readSeq));
        expect(item.status).toBe(sharedStatus(lastVisitorSeq, statusReadSeq));
        expect(item.status === 'unread').toBe(lastVisitorSeq > statusReadSeq);
        expect(item.assigneeId).toBe(assigneeId);
      }),
    );
  });

  test('reading never moves a position back, nor past the newest message', () => {
    fc.assert(
      fc.property(seq, fc.option(seq, { nil: undefined }), seq, (current, requested, lastSeq) => {
        const next = nextReadSeq(current, requested, lastSeq);
        expect(next).toBeGreaterThanOrEqual(current);
        expect(next === current || next <= lastSeq).toBe(true);
      }),
    );
  });
});

describe('the settings parser', () => {
  const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const quietHours = fc.option(
    fc.record(
      {
        start: time,
        end: time,
        timeZone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'),
        days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
      },
      { requiredKeys: ['start', 'end', 'timeZone'] },
    ),
    { nil: null },
  );
  const settings = fc.record(
    {
      desktop: fc.boolean(),
      mobile: fc.boolean(),
      email: fc.boolean(),
      emailUnreadReminder: fc.boolean(),
      scope: fc.constantFrom('all', 'assigned'),
      unassigned: fc.boolean(),
      pushPreview: fc.constantFrom('full', 'name', 'none'),
      quietHours,
      mobileOnlyWhenAway: fc.boolean(),
    },
    // The three newer fields may be left out of a PUT.
    { requiredKeys: ['desktop', 'mobile', 'email', 'emailUnreadReminder', 'scope', 'unassigned'] },
  );

  test('every valid PUT is accepted; the stored settings have every field, the PUT values and the defaults for the rest, and parse again', () => {
    fc.assert(
      fc.property(settings, (put) => {
        const parsed = settingsSchema.parse(put);
        const stored = withDefaults(parsed);
        expect(Object.keys(stored).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
        for (const [k, v] of Object.entries(stored)) expect(v).toEqual(k in put ? (put as Record<string, unknown>)[k] : (DEFAULT_SETTINGS as Record<string, unknown>)[k]);
        expect(settingsAnswer.safeParse(stored).success).toBe(true);
        expect(withDefaults(settingsSchema.parse(stored))).toEqual(stored);
      }),
    );
  });

  test('an unknown field, a missing required one, or a wrong type is refused', () => {
    const required = ['desktop', 'mobile', 'email', 'emailUnreadReminder', 'scope', 'unassigned'];
    fc.assert(
      fc.property(
        settings,
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.constantFrom(...required),
        fc.oneof(fc.integer(), fc.constant('yes'), fc.constant(null), fc.constant([])),
        (put, extra, field, wrong) => {
          if (!(extra in DEFAULT_SETTINGS) && extra !== '__proto__') expect(settingsSchema.safeParse({ ...put, [extra]: true }).success).toBe(false);
          const { [field]: _dropped, ...missing } = put as Record<string, unknown>;
          expect(settingsSchema.safeParse(missing).success).toBe(false);
          expect(settingsSchema.safeParse({ ...put, [field]: wrong }).success).toBe(false);
        },
      ),
    );
  });

  test('quiet hours: a time outside 00:00–23:59 or an unknown time zone is refused', () => {
    fc.assert(
      fc.property(
        settings,
        fc.oneof(
          fc.constantFrom('24:00', '7:00', '12:60', '', 'noon'),
          fc.string({ maxLength: 6 }).filter((s) => !/^([01]\d|2[0-3]):[0-5]\d$/.test(s)),
        ),
        (put, bad) => {
          const base = { ...put, quietHours: { start: '22:00', end: '07:00', timeZone: 'UTC' } };
          expect(settingsSchema.safeParse(base).success).toBe(true);
          expect(settingsSchema.safeParse({ ...base, quietHours: { ...base.quietHours, start: bad } }).success).toBe(false);
          expect(settingsSchema.safeParse({ ...base, quietHours: { ...base.quietHours, timeZone: 'Mars/Olympus' } }).success).toBe(false);
        },
      ),
    );
  });
});
