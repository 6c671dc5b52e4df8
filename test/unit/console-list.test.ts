/** The console's list rules (web/src/console/conversation-list.ts): pure, so tested without a browser. */
import { applyFrame, applyUpdated } from '../../web/src/console/conversation-list.js';
import type { ChatMessageFrame, ConversationItem } from '../../web/src/shared/types.js';

const item = (over: Partial<ConversationItem> = {}): ConversationItem => ({
  conversationId: 'c1',
  visitor: { name: 'Val' },
  assigneeId: null,
  lastMessage: { messageId: 'm3', seq: 3, from: { type: 'visitor', id: 'v' }, body: 'three', createdAt: '2026-01-01T00:00:00Z' },
  unread: false,
  status: 'read',
  ...over,
});

const frame = (seq: number): ChatMessageFrame => ({
  type: 'chat.message',
  notify: true,
  workspaceId: 'w',
  conversationId: 'c1',
  messageId: `m${seq}`,
  seq,
  from: { type: 'visitor', id: 'v', name: 'Val' },
  preview: `message ${seq}`,
  assigneeId: null,
  createdAt: '2026-01-01T00:00:01Z',
});

test('a new visitor message makes the conversation unread for me', () => {
  expect(applyFrame([item()], frame(4), 'all', 'me')[0]).toMatchObject({ unread: true, status: 'unread', lastMessage: { seq: 4 } });
});

test('a frame at or below my read position (a late fan-out) leaves it read (issue 14 item 11)', () => {
  const [i] = applyFrame([item()], frame(5), 'all', 'me', 5);
  expect(i).toMatchObject({ unread: false, status: 'read', lastMessage: { seq: 5 } });
  // Under "Unread" it does not come back.
  expect(applyFrame([], frame(5), 'unread', 'me', 5)).toEqual([]);
});

test('conversation.updated: the assignee, status and last message follow; my unread only when I read', () => {
  const mine = item({ unread: true, status: 'unread' });
  const last = { messageId: 'm4', seq: 4, from: { type: 'agent' as const, id: 'zoe' }, body: 'Zoe here', createdAt: '2026-01-01T00:00:02Z' };
  const [u] = applyUpdated([mine], { type: 'conversation.updated', conversationId: 'c1', assigneeId: 'zoe', status: 'read', lastMessage: last, readBy: 'zoe' }, 'all', 'me')!;
  expect(u).toMatchObject({ assigneeId: 'zoe', status: 'read', lastMessage: last, unread: true });
  const [r] = applyUpdated([mine], { type: 'conversation.updated', conversationId: 'c1', assigneeId: null, status: 'read', lastMessage: null, readBy: 'me' }, 'all', 'me')!;
  expect(r).toMatchObject({ unread: false, lastMessage: mine.lastMessage });
});

test('conversation.updated: an item that leaves the filter is dropped; one the list does not hold is undefined', () => {
  expect(applyUpdated([item()], { type: 'conversation.updated', conversationId: 'c1', assigneeId: 'zoe', status: 'read' }, 'unassigned', 'me')).toEqual([]);
  expect(applyUpdated([item()], { type: 'conversation.updated', conversationId: 'other', assigneeId: null, status: 'read' }, 'all', 'me')).toBeUndefined();
});
