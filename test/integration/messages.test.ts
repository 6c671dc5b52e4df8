import { createTestTable, type TestTable } from '../support/table.js';
import { createConversation, appendMessage, listMessages, SeqContentionError } from '../../lambdas/store/messages.js';
import { getConversation } from '../../lambdas/store/conversations.js';
import { newId } from '../../lambdas/domain/ids.js';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable('msgs');
});

async function newConv(ws = 'ws1') {
  const { conversation } = await createConversation(t.doc, t.tableName, {
    conversationId: newId('conv'),
    workspaceId: ws,
    visitor: { name: 'Ann' },
    visitorTokenHash: 'x',
  });
  return conversation;
}

test('50 concurrent posts get 50 distinct consecutive seqs', async () => {
  const c = await newConv();
  const results = await Promise.all(
    // No deadline: this is about distinct seqs, not about the 3 s limit (tested below). A fixed one,
    // even 120 s, ran out in CI while another suite kept the shared DynamoDB Local busy.
    Array.from({ length: 50 }, (_, i) => appendMessage(t.doc, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, body: `m${i}` }, { deadlineMs: Number.POSITIVE_INFINITY })),
  );
  const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  const after = await getConversation(t.doc, t.tableName, c.conversationId);
  expect(after?.lastSeq).toBe(50);
  const { messages } = await listMessages(t.doc, t.tableName, c.conversationId, undefined, 200);
  expect(messages.map((m) => m.seq)).toEqual(seqs);
  expect(new Set(messages.map((m) => m.body)).size).toBe(50);
}, 300_000); // a deadline for a hung run: DynamoDB Local serialises these transactions slowly on a busy machine

test('a repeated clientMessageId returns the first message and stores nothing new', async () => {
  const c = await newConv();
  const a = await appendMessage(t.doc, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, body: 'hi', clientMessageId: 'c-1' });
  const fresh = (await getConversation(t.doc, t.tableName, c.conversationId))!;
  const b = await appendMessage(t.doc, t.tableName, fresh, { fromType: 'visitor', fromId: c.visitorId, body: 'hi again', clientMessageId: 'c-1' });
  expect(a.duplicate).toBe(false);
  expect(b).toEqual({ ...a, duplicate: true });
  const { messages } = await listMessages(t.doc, t.tableName, c.conversationId, undefined);
  expect(messages).toHaveLength(1);
});

test('concurrent posts with the same clientMessageId store one message', async () => {
  const c = await newConv();
  const rs = await Promise.all(Array.from({ length: 8 }, () => appendMessage(t.doc, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, body: 'x', clientMessageId: 'same' })));
  expect(new Set(rs.map((r) => r.messageId)).size).toBe(1);
  expect(rs.filter((r) => !r.duplicate)).toHaveLength(1);
  const { messages } = await listMessages(t.doc, t.tableName, c.conversationId, undefined);
  expect(messages).toHaveLength(1);
});

test('a post that cannot get its seq before its deadline gives up with SeqContentionError and writes nothing', async () => {
  const c = await newConv();
  await expect(appendMessage(t.doc, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, body: 'late', clientMessageId: 'late-1' }, { deadlineMs: 0 })).rejects.toBeInstanceOf(
    SeqContentionError,
  );
  expect((await getConversation(t.doc, t.tableName, c.conversationId))?.lastSeq).toBe(0);
  expect((await listMessages(t.doc, t.tableName, c.conversationId, undefined, 10)).messages).toEqual([]);
});

test('under contention every post either gets a seq or gives up; the seqs given are 1..n with no gaps', async () => {
  const c = await newConv();
  // A short deadline makes giving up certain on any machine, without asserting how long anything took.
  const settled = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => appendMessage(t.doc, t.tableName, c, { fromType: 'visitor', fromId: c.visitorId, body: `m${i}` }, { deadlineMs: 50 })));
  const refused = settled.filter((s) => s.status === 'rejected');
  for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(SeqContentionError);
  const seqs = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.seq] : [])).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  const { messages } = await listMessages(t.doc, t.tableName, c.conversationId, undefined, 200);
  expect(messages.map((m) => m.seq)).toEqual(seqs);
});
