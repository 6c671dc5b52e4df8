import { chatMessageFrame } from '../../lambdas/domain/frames.js';
import type { VisitorMessage } from '../../lambdas/domain/visitor-message.js';

const msg = (over: Partial<VisitorMessage> = {}): VisitorMessage => ({
  workspaceId: 'ws1',
  conversationId: 'conv1',
  messageId: 'msg1',
  seq: 3,
  fromType: 'visitor',
  fromId: 'vis1',
  fromName: 'Ann',
  body: 'Hello',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

test('the chat.message frame has exactly the SPEC §7 fields', () => {
  expect(chatMessageFrame(msg(), 'Z')).toEqual({
    type: 'chat.message',
    workspaceId: 'ws1',
    conversationId: 'conv1',
    messageId: 'msg1',
    seq: 3,
    from: { type: 'visitor', id: 'vis1', name: 'Ann' },
    preview: 'Hello',
    assigneeId: 'Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    notify: true,
  });
});

test('notify (SPEC §7, §11.4): true unless the recipient is quiet', () => {
  expect(chatMessageFrame(msg(), null).notify).toBe(true);
  expect(chatMessageFrame(msg(), null, { notify: false }).notify).toBe(false);
  expect(chatMessageFrame(msg(), null, { notify: true }).notify).toBe(true);
});

test('an unassigned conversation has assigneeId null, and a nameless visitor is "Visitor"', () => {
  const f = chatMessageFrame(msg({ fromName: undefined }), undefined);
  expect(f.assigneeId).toBeNull();
  expect(f.from.name).toBe('Visitor');
});

test('the preview is cut like the push: 500 code points, surrogate pairs whole', () => {
  const body = `${'b'.repeat(499)}🎉${'c'.repeat(10)}`;
  expect(chatMessageFrame(msg({ body }), null).preview).toBe(`${'b'.repeat(499)}🎉`);
});

test('the preview and the name carry no control or bidi override characters (SPEC §8)', () => {
  const f = chatMessageFrame(msg({ fromName: 'Eve\u202E', body: 'abc\u202Edef\u0007\u0001 ok\nnext\tcol' }), null);
  expect(f.preview).toBe('abcdef ok\nnext\tcol');
  expect(f.from.name).toBe('Eve');
});

test('the 500-code-point preview counts the text left after removing them', () => {
  expect(chatMessageFrame(msg({ body: `${'\u202E'.repeat(50)}${'y'.repeat(600)}` }), null).preview).toBe('y'.repeat(500));
});
