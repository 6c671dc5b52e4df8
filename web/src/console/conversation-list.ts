/**
 * The list as the page holds it, and how a live frame, a read or an assignment changes it. Pure, so
 * the rules sit in one place: the server stays the authority and a reload shows its answer.
 */
import type { ChatMessageFrame, ConversationItem, ConversationUpdatedFrame, Filter } from '../shared/types.js';

/** Whether a conversation with this assignee belongs in the list under this filter. */
export function fitsFilter(filter: Filter, assigneeId: string | null, unread: boolean, me: string): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'unread':
      return unread;
    case 'assigned':
      return assigneeId === me;
    case 'unassigned':
      return assigneeId === null;
  }
}

/**
 * A visitor message just arrived: the conversation moves to the top, unread for me unless my read
 * position already covers it (`readSeq`: a frame that comes late, after a fan-out caught up, must
 * not make a read conversation unread again, issue 14 item 11).
 */
export function applyFrame(items: readonly ConversationItem[], f: ChatMessageFrame, filter: Filter, me: string, readSeq = 0): ConversationItem[] {
  const old = items.find((i) => i.conversationId === f.conversationId);
  const rest = items.filter((i) => i.conversationId !== f.conversationId);
  // A late frame (an older seq than what the list shows) must not roll the summary back.
  if (old?.lastMessage && old.lastMessage.seq >= f.seq) return [...items];
  const item: ConversationItem = {
    conversationId: f.conversationId,
    visitor: { ...old?.visitor, ...(f.from.name ? { name: f.from.name } : {}) },
    assigneeId: f.assigneeId,
    lastMessage: { messageId: f.messageId, seq: f.seq, from: { type: 'visitor', id: f.from.id }, body: f.preview, createdAt: f.createdAt },
    unread: f.seq > readSeq,
    status: f.seq > readSeq ? 'unread' : (old?.status ?? 'unread'),
  };
  return fitsFilter(filter, item.assigneeId, item.unread, me) ? [item, ...rest] : rest;
}

/**
 * I read the conversation: my badge clears, and so does the shared status when my read is the
 * one that decides it (SPEC §3: the assignee's read, or anybody's while unassigned).
 */
export function applyRead(items: readonly ConversationItem[], conversationId: string, me: string): ConversationItem[] {
  return items.map((i) => {
    if (i.conversationId !== conversationId) return i;
    const decides = i.assigneeId === null || i.assigneeId === me;
    return { ...i, unread: false, status: decides ? 'read' : i.status };
  });
}

/** The server's answer to an assignment replaces the item, or drops it if it left the filter. */
export function applyItem(items: readonly ConversationItem[], item: ConversationItem, filter: Filter, me: string): ConversationItem[] {
  const fits = fitsFilter(filter, item.assigneeId, item.unread, me);
  const at = items.findIndex((i) => i.conversationId === item.conversationId);
  if (at < 0) return fits ? [item, ...items] : [...items];
  const out = [...items];
  if (fits) out[at] = item;
  else out.splice(at, 1);
  return out;
}

export function visitorName(v: { name?: string } | undefined): string {
  return v?.name?.trim() || 'Visitor';
}

export function isChatMessageFrame(f: Record<string, unknown>): f is ChatMessageFrame & Record<string, unknown> {
  return (
    f.type === 'chat.message' &&
    typeof f.conversationId === 'string' &&
    typeof f.messageId === 'string' &&
    typeof f.seq === 'number' &&
    typeof f.preview === 'string' &&
    typeof f.from === 'object' &&
    f.from !== null
  );
}

/**
 * A teammate assigned, answered or read a conversation (`conversation.updated`, SPEC §7): the item
 * takes the new assignee, shared status and last message; it leaves a filter it no longer fits.
 * My own `unread` changes only when I am the reader. Undefined when the list does not hold it.
 */
export function applyUpdated(items: readonly ConversationItem[], f: ConversationUpdatedFrame, filter: Filter, me: string): ConversationItem[] | undefined {
  const at = items.findIndex((i) => i.conversationId === f.conversationId);
  if (at < 0) return undefined;
  const old = items[at]!;
  const item = updatedItem(old, f, me);
  const out = [...items];
  if (!fitsFilter(filter, item.assigneeId, item.unread, me)) {
    out.splice(at, 1);
    return out;
  }
  // Newer activity moves it to the top, as the server's order has it.
  if (item.lastMessage && item.lastMessage.seq > (old.lastMessage?.seq ?? -1)) {
    out.splice(at, 1);
    return [item, ...out];
  }
  out[at] = item;
  return out;
}

export function updatedItem(old: ConversationItem, f: ConversationUpdatedFrame, me: string): ConversationItem {
  // An older summary (frames can cross) never replaces a newer one.
  const last = f.lastMessage && f.lastMessage.seq >= (old.lastMessage?.seq ?? -1) ? f.lastMessage : old.lastMessage;
  return { ...old, assigneeId: f.assigneeId, status: f.status, lastMessage: last, unread: f.readBy === me ? false : old.unread };
}
