/**
 * The delivery log's store against DynamoDB Local (store/delivery-log.ts, SPEC §12): more than one
 * BatchWriteItem's worth of entries written and paged back newest first, each with its 30-day TTL,
 * the same entry written twice staying one, and a clear entry (app/delivery-log.ts recordClear).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTable, type TestTable } from '../support/table.js';
import { listLog, LOG_TTL_S, writeLogEntries } from '../../lambdas/store/delivery-log.js';
import { messageLogId, type AgentLogEntry } from '../../lambdas/domain/delivery-log.js';
import { recordClear } from '../../lambdas/app/delivery-log.js';
import { k } from '../../lambdas/store/keys.js';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable('dlog');
});

const entry = (ws: string, agentId: string, i: number): AgentLogEntry => {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  return {
    workspaceId: ws,
    agentId,
    id: messageLogId(at, `msg_${String(i).padStart(3, '0')}`),
    entry: { kind: 'message', at, conversationId: 'conv_1', messageId: `msg_${String(i).padStart(3, '0')}`, reason: 'assigned', deliveries: [{ channel: 'email', outcome: 'due' }] },
  };
};

test('60 entries (three batches) come back newest first over pages, each with a 30-day ttl; writing them again adds none', async () => {
  const entries = Array.from({ length: 60 }, (_, i) => entry('w1', 'a1', i));
  const nowMs = Date.now();
  await writeLogEntries(t.doc, t.tableName, entries, nowMs);
  await writeLogEntries(t.doc, t.tableName, entries.slice(10, 40), nowMs);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listLog(t.doc, t.tableName, 'w1', 'a1', cursor, 25);
    seen.push(...page.notifications.map((n) => (n.kind === 'message' ? n.messageId : '?')));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen).toEqual(entries.map((e) => (e.entry.kind === 'message' ? e.entry.messageId : '')).reverse());
  const raw = await t.doc.send(new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': k.deliveryLogPk('w1', 'a1') } }));
  expect(raw.Items).toHaveLength(60);
  for (const it of raw.Items ?? []) expect(it.ttl).toBe(Math.floor(nowMs / 1000) + LOG_TTL_S);
  // Another agent's partition is empty.
  expect((await listLog(t.doc, t.tableName, 'w1', 'a2', undefined)).notifications).toEqual([]);
});

test('a clear entry, written twice for the same read, is one entry', async () => {
  const deps = { db: t.doc, tableName: t.tableName };
  const c = { conversationId: 'conv_9', readSeq: 4, at: '2026-02-01T10:00:00.000Z' };
  const deliveries = [{ channel: 'mobile' as const, target: 'dev_1', outcome: 'sent' as const }];
  expect(await recordClear(deps, { workspaceId: 'w2', agentId: 'a1' }, c, deliveries)).toBe(true);
  expect(await recordClear(deps, { workspaceId: 'w2', agentId: 'a1' }, c, deliveries)).toBe(true);
  expect((await listLog(t.doc, t.tableName, 'w2', 'a1', undefined)).notifications).toEqual([{ kind: 'clear', at: c.at, conversationId: 'conv_9', deliveries }]);
});
