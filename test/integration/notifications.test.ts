/** The fan-out's guard (store/notifications.ts) against DynamoDB Local: one item per (message, part, channel). */
import { createTestTable, type TestTable } from '../support/table.js';
import { guardEntries, readDone, recordDone } from '../../lambdas/store/notifications.js';
import { newId } from '../../lambdas/domain/ids.js';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable('notifications');
});

test('targets recorded done are read back once per channel, with the outcomes not sent', async () => {
  const messageId = newId('msg');
  expect(await readDone(t.doc, t.tableName, messageId)).toEqual(new Set());
  await recordDone(t.doc, t.tableName, { messageId, part: 'all', channel: 'desktop' }, [
    { target: 'A#c1', settled: { outcome: 'sent' } },
    { target: 'B#c2', settled: { outcome: 'gone' } },
  ]);
  await recordDone(t.doc, t.tableName, { messageId, part: 'all', channel: 'mobile' }, [{ target: 'A#d1', settled: { outcome: 'disabled', detail: 'endpoint_disabled', error: 'EndpointDisabled' } }]);
  expect(await readDone(t.doc, t.tableName, messageId)).toEqual(new Set(['desktop#A#c1', 'desktop#B#c2', 'mobile#A#d1']));
  expect(await guardEntries(t.doc, t.tableName, messageId)).toEqual([
    { channel: 'desktop', target: 'A#c1', outcome: 'sent' },
    { channel: 'desktop', target: 'B#c2', outcome: 'gone' },
    { channel: 'mobile', target: 'A#d1', outcome: 'disabled', detail: 'endpoint_disabled', errorName: 'EndpointDisabled' },
  ]);
});

test('writers of one guard at once lose nothing (ADD to a set), and a part is read alone', async () => {
  const messageId = newId('msg');
  await Promise.all(Array.from({ length: 8 }, (_, i) => recordDone(t.doc, t.tableName, { messageId, part: 'b01', channel: 'desktop' }, [{ target: `A${i}#c`, settled: { outcome: 'sent' } }])));
  await recordDone(t.doc, t.tableName, { messageId, part: 'b02', channel: 'desktop' }, [{ target: 'Z#c', settled: { outcome: 'sent' } }]);
  expect((await readDone(t.doc, t.tableName, messageId, 'b01')).size).toBe(8);
  expect(await readDone(t.doc, t.tableName, messageId, 'b02')).toEqual(new Set(['desktop#Z#c']));
  expect((await readDone(t.doc, t.tableName, messageId)).size).toBe(9);
});
