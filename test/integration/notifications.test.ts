/** The per-(message, channel, target) claim that makes redelivered stream records harmless. */
import { createTestTable, type TestTable } from '../support/table.js';
import { claimNotification, notifyOnce, releaseNotification, markNotified, type NotificationKey } from '../../lambdas/store/notifications.js';
import { newId } from '../../lambdas/domain/ids.js';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable('notif');
});

const key = (): NotificationKey => ({ messageId: newId('msg'), channel: 'desktop', target: `A#${newId('conn')}` });

test('notifyOnce sends once however often it is asked, also when asked at the same time', async () => {
  const k = key();
  let sends = 0;
  const send = async () => {
    sends++;
    return 'sent' as const;
  };
  const results = await Promise.all(Array.from({ length: 5 }, () => notifyOnce(t.doc, t.tableName, k, send)));
  expect(sends).toBe(1);
  expect(results.filter((r) => r === 'sent')).toHaveLength(1);
  expect(await notifyOnce(t.doc, t.tableName, k, send)).toBe('skipped');
  expect(sends).toBe(1);
});

test('a failed send releases its claim so the retry sends it', async () => {
  const k = key();
  await expect(notifyOnce(t.doc, t.tableName, k, async () => Promise.reject(new Error('500')))).rejects.toThrow('500');
  let sends = 0;
  expect(
    await notifyOnce(t.doc, t.tableName, k, async () => {
      sends++;
      return 'sent';
    }),
  ).toBe('sent');
  expect(sends).toBe(1);
});

test('a claim left by a crashed worker blocks others until its lease runs out', async () => {
  const k = key();
  const now = Date.now();
  expect((await claimNotification(t.doc, t.tableName, k, { now, leaseMs: 1000 })).state).toBe('claimed');
  expect((await claimNotification(t.doc, t.tableName, k, { now: now + 500 })).state).toBe('busy');
  expect((await claimNotification(t.doc, t.tableName, k, { now: now + 1001 })).state).toBe('claimed');
});

test('a settled notification is never claimed again, lease or not, and a stale release does not undo it', async () => {
  const k = key();
  const c = await claimNotification(t.doc, t.tableName, k, { leaseMs: 1 });
  if (c.state !== 'claimed') throw new Error('expected a claim');
  await markNotified(t.doc, t.tableName, k, 'gone');
  await releaseNotification(t.doc, t.tableName, k, c.claimId);
  expect((await claimNotification(t.doc, t.tableName, k, { now: Date.now() + 60_000 })).state).toBe('done');
});

test("releasing someone else's claim does nothing", async () => {
  const k = key();
  const now = Date.now();
  await claimNotification(t.doc, t.tableName, k, { now, leaseMs: 60_000 });
  await releaseNotification(t.doc, t.tableName, k, 'not-mine');
  expect((await claimNotification(t.doc, t.tableName, k, { now })).state).toBe('busy');
});
