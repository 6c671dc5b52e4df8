import { DEFAULT_SETTINGS, defaultSettings, wantsEmail, channelsOn, type NotificationSettings } from '../../lambdas/domain/settings.js';
import { recipients, isRecipient } from '../../lambdas/domain/recipients.js';
import { cutCodePoints, codePointLength, hasLoneSurrogate } from '../../lambdas/domain/text.js';
import { isDue, isUnread, nextReadSeq, readMovesStatus, sharedStatus } from '../../lambdas/domain/read-state.js';
import { deviceIdFor, newId, ID_PATTERN } from '../../lambdas/domain/ids.js';

const s = (over: Partial<NotificationSettings> = {}): NotificationSettings => ({ ...defaultSettings(), ...over });

describe('settings (SPEC §2)', () => {
  test('a new agent gets the SPEC defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual({
      desktop: true,
      mobile: true,
      email: false,
      emailUnreadReminder: false,
      scope: 'assigned',
      unassigned: true,
      pushPreview: 'full',
      quietHours: null,
      mobileOnlyWhenAway: false,
    });
  });
  test('email needs both toggles', () => {
    expect(wantsEmail(s({ email: true, emailUnreadReminder: false }))).toBe(false);
    expect(wantsEmail(s({ email: false, emailUnreadReminder: true }))).toBe(false);
    expect(wantsEmail(s({ email: true, emailUnreadReminder: true }))).toBe(true);
    expect(channelsOn(s({ desktop: false, email: true, emailUnreadReminder: true }))).toEqual(['mobile', 'email']);
  });
});

describe('recipients (SPEC §2)', () => {
  const Z = { agentId: 'Z', settings: s({ scope: 'assigned', unassigned: false }) };
  const X = { agentId: 'X', settings: s({ scope: 'all', unassigned: false }) };
  const Y = { agentId: 'Y', settings: s({ scope: 'assigned', unassigned: true }) };
  const W = { agentId: 'W', settings: s({ scope: 'assigned', unassigned: false }) };

  test('assigned to Z: Z plus every scope-all agent, nobody else', () => {
    expect(recipients([Z, X, Y, W], 'Z').map((r) => r.agentId)).toEqual(['Z', 'X']);
  });
  test('unassigned: scope-all agents and agents with unassigned on', () => {
    expect(recipients([Z, X, Y, W], null).map((r) => r.agentId)).toEqual(['X', 'Y']);
  });
  test('the author of a message is never its recipient, and candidates count once', () => {
    expect(recipients([X, X, Z], 'Z', 'X').map((r) => r.agentId)).toEqual(['Z']);
  });
  test('assigned to someone else: an unassigned-on agent does not hear about it', () => {
    expect(isRecipient(Y, 'Z')).toBe(false);
  });
});

describe('text in code points (SPEC §6, §8)', () => {
  test('cuts at 500 code points and never splits a surrogate pair', () => {
    const emoji = '😀'.repeat(600);
    const cut = cutCodePoints(emoji);
    expect(codePointLength(cut)).toBe(500);
    expect(hasLoneSurrogate(cut)).toBe(false);
    const mixed = 'a' + '😀'.repeat(499) + 'tail';
    expect(cutCodePoints(mixed)).toBe('a' + '😀'.repeat(499));
  });
  test('short text is untouched; CJK counts one per character', () => {
    expect(cutCodePoints('hello')).toBe('hello');
    const cjk = '漢'.repeat(501);
    expect(cutCodePoints(cjk)).toBe('漢'.repeat(500));
  });
  test('combining marks are code points of their own', () => {
    expect(codePointLength('e\u0301')).toBe(2);
  });
  test('lone surrogates are detected', () => {
    expect(hasLoneSurrogate('a\uD800b')).toBe(true);
    expect(hasLoneSurrogate('a\uDC00')).toBe(true);
    expect(hasLoneSurrogate('😀')).toBe(false);
  });
});

describe('read state (SPEC §3)', () => {
  test('due only when a visitor message is newer than both read and emailed positions', () => {
    expect(isDue(5, { readSeq: 4, emailedSeq: 0 })).toBe(true);
    expect(isDue(5, { readSeq: 5, emailedSeq: 0 })).toBe(false);
    expect(isDue(5, { readSeq: 0, emailedSeq: 5 })).toBe(false);
    expect(isDue(6, { readSeq: 0, emailedSeq: 5 })).toBe(true);
  });
  test('unread for the caller follows only their own position', () => {
    expect(isUnread(3, 2)).toBe(true);
    expect(isUnread(3, 3)).toBe(false);
  });
  test('reading never moves a position back and never past the newest message', () => {
    expect(nextReadSeq(5, 3, 10)).toBe(5);
    expect(nextReadSeq(5, 99, 10)).toBe(10);
    expect(nextReadSeq(0, undefined, 7)).toBe(7);
  });
  test('the shared status follows the assignee, or anyone while unassigned', () => {
    expect(readMovesStatus('Z', 'X')).toBe(false);
    expect(readMovesStatus('Z', 'Z')).toBe(true);
    expect(readMovesStatus(null, 'X')).toBe(true);
    expect(sharedStatus(4, 3)).toBe('unread');
    expect(sharedStatus(4, 4)).toBe('read');
  });
});

describe('ids', () => {
  test('new ids are unique, sortable by time and safe in keys and paths', () => {
    const a = newId('conv', 1000);
    const b = newId('conv', 2000);
    expect(a < b).toBe(true);
    expect(ID_PATTERN.test(a)).toBe(true);
    expect(newId('x')).not.toBe(newId('x'));
  });
  test('a device id depends on platform and token only', () => {
    expect(deviceIdFor('GCM', 't')).toBe(deviceIdFor('GCM', 't'));
    expect(deviceIdFor('GCM', 't')).not.toBe(deviceIdFor('APNS', 't'));
  });
});
