/** Rate-limit counters in DynamoDB Local (SPEC §10.2): conditional ADD, all or none, TTL, windows. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTable, type TestTable } from '../support/table.js';
import { takeRate } from '../../lambdas/store/rate-limits.js';
import { k } from '../../lambdas/store/keys.js';
import { rateWindow } from '../../lambdas/domain/rate-window.js';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable('rate');
});

const NOW = Date.parse('2026-12-01T10:15:20.000Z');

async function counter(scope: string, key: string, nowMs = NOW) {
  const r = await t.doc.send(new GetCommand({ TableName: t.tableName, Key: k.rateCounter(scope, key, rateWindow(nowMs).id), ConsistentRead: true }));
  return r.Item;
}

test('a limit of 3 takes 3 and refuses the 4th with the seconds left in the minute; the refusal writes nothing', async () => {
  const l = [{ scope: 's1', key: 'a', limit: 3 }];
  for (let i = 0; i < 3; i++) expect(await takeRate(t.doc, t.tableName, l, NOW)).toEqual({ ok: true });
  expect(await takeRate(t.doc, t.tableName, l, NOW)).toEqual({ ok: false, scope: 's1', retryAfterS: 40 });
  const item = await counter('s1', 'a');
  expect(item?.count).toBe(3);
  expect(item?.ttl).toBeGreaterThan(Date.parse('2026-12-01T10:16:00.000Z') / 1000);
});

test('concurrent takes never pass the limit', async () => {
  const l = [{ scope: 's2', key: 'a', limit: 5 }];
  const r = await Promise.all(Array.from({ length: 20 }, () => takeRate(t.doc, t.tableName, l, NOW)));
  expect(r.filter((x) => x.ok)).toHaveLength(5);
  expect((await counter('s2', 'a'))?.count).toBe(5);
});

test('several limits are taken all or none: a full one leaves the others untouched', async () => {
  const full = { scope: 's3-ws', key: 'w', limit: 1 };
  expect(await takeRate(t.doc, t.tableName, [{ scope: 's3-addr', key: 'w#1', limit: 5 }, full], NOW)).toEqual({ ok: true });
  const refused = await takeRate(t.doc, t.tableName, [{ scope: 's3-addr', key: 'w#2', limit: 5 }, full], NOW);
  expect(refused).toEqual({ ok: false, scope: 's3-ws', retryAfterS: 40 });
  expect(await counter('s3-addr', 'w#2')).toBeUndefined();
  expect((await counter('s3-addr', 'w#1'))?.count).toBe(1);
});

test('the next minute is a new window', async () => {
  const l = [{ scope: 's4', key: 'a', limit: 1 }];
  expect((await takeRate(t.doc, t.tableName, l, NOW)).ok).toBe(true);
  expect((await takeRate(t.doc, t.tableName, l, NOW)).ok).toBe(false);
  expect((await takeRate(t.doc, t.tableName, l, NOW + 60_000)).ok).toBe(true);
});
