import { catchUpPush, clearPush, quietEndsAt } from '../../lambdas/domain/attention-push.js';
import { buildMime, encodeHeaderText } from '../../lambdas/domain/mime.js';
import { signUnsubscribe, verifyUnsubscribe } from '../../lambdas/domain/unsubscribe-token.js';

const at = (iso: string) => Date.parse(iso);

describe('quietEndsAt: when a catch-up becomes due (SPEC §11.4)', () => {
  test('not quiet: undefined', () => {
    expect(quietEndsAt({ quietHours: null }, null, at('2026-03-02T12:00:00Z'))).toBeUndefined();
    expect(quietEndsAt({ quietHours: null }, '2026-03-02T11:00:00Z', at('2026-03-02T12:00:00Z'))).toBeUndefined();
  });

  test('do-not-disturb ends at its until', () => {
    expect(quietEndsAt({ quietHours: null }, '2026-03-02T12:30:00.000Z', at('2026-03-02T12:00:00Z'))).toBe(at('2026-03-02T12:30:00Z'));
  });

  test('a window across midnight in a non-UTC zone ends at its local end, the next day', () => {
    // 22:00–07:00 in Tokyo (UTC+9): at 23:30 local (14:30Z) it ends at 07:00 local = 22:00Z.
    const q = { start: '22:00', end: '07:00', timeZone: 'Asia/Tokyo' };
    expect(quietEndsAt({ quietHours: q }, null, at('2026-03-02T14:30:00Z'))).toBe(at('2026-03-02T22:00:00Z'));
    // After midnight local (02:15 = 17:15Z) the same end.
    expect(quietEndsAt({ quietHours: q }, null, at('2026-03-02T17:15:20Z'))).toBe(at('2026-03-02T22:00:00Z'));
  });

  test('do-not-disturb that ends inside quiet hours: the end of the window', () => {
    const q = { start: '22:00', end: '07:00', timeZone: 'UTC' };
    expect(quietEndsAt({ quietHours: q }, '2026-03-02T23:00:00Z', at('2026-03-02T20:00:00Z'))).toBe(at('2026-03-03T07:00:00Z'));
  });
});

describe('clear and catch-up payloads (SPEC §11.3, §11.4)', () => {
  const member = (m: string, platform: string) => JSON.parse(JSON.parse(m)[platform]);

  test('APNS clear: content-available, badge, background push at priority 5', () => {
    const p = clearPush('APNS', 'c1', 2);
    expect(member(p.message, 'APNS')).toEqual({ aps: { 'content-available': 1, badge: 2 }, type: 'clear', conversationId: 'c1' });
    expect(p.attributes).toEqual({
      'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'background' },
      'AWS.SNS.MOBILE.APNS.PRIORITY': { DataType: 'String', StringValue: '5' },
    });
  });

  test('FCM clear: data only, normal priority, no notification', () => {
    const p = clearPush('GCM', 'c1', 0);
    expect(member(p.message, 'GCM')).toEqual({ fcmV1Message: { message: { data: { type: 'clear', conversationId: 'c1', badge: '0' }, android: { priority: 'normal' } } } });
    expect(p.attributes).toBeUndefined();
  });

  test('catch-up: title, body with N, collapse key catch-up, badge N', () => {
    const a = catchUpPush('APNS_SANDBOX', 1);
    expect(member(a.message, 'APNS_SANDBOX').aps).toEqual({ alert: { title: 'While you were away', body: '1 unread conversation' }, badge: 1, sound: 'default' });
    expect(a.attributes?.['AWS.SNS.MOBILE.APNS.COLLAPSE_ID']?.StringValue).toBe('catch-up');
    const g = member(catchUpPush('GCM', 3).message, 'GCM').fcmV1Message.message;
    expect(g.notification.body).toBe('3 unread conversations');
    expect(g.android).toEqual({ collapse_key: 'catch-up', notification: { tag: 'catch-up', notification_count: 3 } });
    expect(g.data).toEqual({ type: 'catch-up', badge: '3' });
  });
});

describe('the reminder email as SES SendRawEmail wants it (SPEC §11.7)', () => {
  const mime = buildMime({
    from: 'n@example.com',
    to: 'a@example.com',
    subject: 'Ünread: Zoë wrote\r\nBcc: evil@example.com',
    text: 'hello\n'.repeat(300),
    html: '<p>hi</p>',
    headers: { 'List-Unsubscribe': '<https://api.example/v1/unsubscribe?t=x.y>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    boundary: 'B',
  });
  const [head] = mime.split('\r\n\r\n');

  test('headers: the extra fields as given, a subject encoded as RFC 2047 words that cannot inject a header', () => {
    expect(head).toContain('\r\nList-Unsubscribe: <https://api.example/v1/unsubscribe?t=x.y>\r\n');
    expect(head).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    expect(head).not.toMatch(/\r\nBcc:/);
    expect(head).toContain('Subject: =?UTF-8?B?');
    expect(encodeHeaderText('plain ascii')).toBe('plain ascii');
  });

  test('no line over 1,000 characters (RFC 5321), CRLF only, both parts base64', () => {
    for (const line of mime.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(mime.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(mime.match(/Content-Transfer-Encoding: base64/g)).toHaveLength(2);
    expect(mime.trimEnd().endsWith('--B--')).toBe(true);
  });
});

describe('unsubscribe tokens', () => {
  test('a token verifies with its secret only, and names its agent', () => {
    const t = signUnsubscribe('s3cret', 'ws1', 'agent1');
    expect(verifyUnsubscribe('s3cret', t)).toEqual({ workspaceId: 'ws1', agentId: 'agent1' });
    expect(verifyUnsubscribe('other', t)).toBeUndefined();
    expect(verifyUnsubscribe('', t)).toBeUndefined();
    const [, sig] = t.split('.');
    const swapped = `${Buffer.from(JSON.stringify(['ws1', 'agent2'])).toString('base64url')}.${sig}`;
    expect(verifyUnsubscribe('s3cret', swapped)).toBeUndefined();
    for (const bad of ['', '.', 'a.b.c', 'bm90anNvbg.abc', `${t}x`]) expect(verifyUnsubscribe('s3cret', bad)).toBeUndefined();
  });
});

describe('the reminder waits while the agent is quiet (SPEC §4 "owed", §11.4)', () => {
  test('do-not-disturb and quiet hours hold (keep what is owed); otherwise send', async () => {
    const { planAgentReminder } = await import('../../lambdas/domain/reminder-plan.js');
    const now = at('2026-03-02T12:00:00Z');
    const base = { createdAt: '2026-03-01T00:00:00Z', lastSeenAt: '2026-03-02T00:00:00Z' };
    expect(planAgentReminder({ ...base, settings: { quietHours: null }, doNotDisturbUntil: '2026-03-02T13:00:00Z' }, now, 30)).toEqual({ kind: 'hold', reason: 'do_not_disturb' });
    expect(planAgentReminder({ ...base, settings: { quietHours: { start: '11:00', end: '13:00', timeZone: 'UTC' } } }, now, 30)).toEqual({ kind: 'hold', reason: 'quiet_hours' });
    expect(planAgentReminder({ ...base, settings: { quietHours: null }, doNotDisturbUntil: '2026-03-02T11:00:00Z' }, now, 30)).toEqual({ kind: 'send' });
  });
});

describe('whose badge a message counts in (SPEC §11.2)', () => {
  test('every recipient whatever their channels; not an inactive one; nobody for an agent reply', async () => {
    const { planRecipients } = await import('../../lambdas/domain/fanout-plan.js');
    // The fan-out counts the badge for every planned recipient (lambdas/app/fanout.ts).
    const badgeRecipients = (...a: Parameters<typeof planRecipients>) => planRecipients(...a).map((r) => r.agentId);
    const { withDefaults } = await import('../../lambdas/domain/settings.js');
    const now = Date.parse('2026-03-02T12:00:00Z');
    const off = withDefaults({ scope: 'all', desktop: false, mobile: false, email: false, emailUnreadReminder: false });
    const candidates = [
      { agentId: 'off', settings: off, lastSeenAt: '2026-03-02T00:00:00Z' },
      { agentId: 'gone', settings: withDefaults({ scope: 'all' }), lastSeenAt: '2025-01-01T00:00:00Z' },
      { agentId: 'mine', settings: withDefaults({}), lastSeenAt: '2026-03-02T00:00:00Z' },
      { agentId: 'other', settings: withDefaults({ unassigned: false }), lastSeenAt: '2026-03-02T00:00:00Z' },
    ];
    const visitor = { fromType: 'visitor' as const, fromId: 'v1' };
    expect(badgeRecipients(visitor, 'mine', candidates, { nowMs: now, inactiveDays: 30 })).toEqual(['off', 'mine']);
    expect(badgeRecipients({ fromType: 'agent', fromId: 'mine' }, 'mine', candidates, { nowMs: now, inactiveDays: 30 })).toEqual([]);
  });
});
