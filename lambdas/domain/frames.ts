/** The `chat.message` frame pushed to an agent's WebSocket connections (SPEC §7). */
import { cutCodePoints, PREVIEW_CODE_POINTS, stripUnsafeChars } from './text.js';
import { visitorDisplayName, type VisitorMessage } from './visitor-message.js';

export interface ChatMessageFrame {
  type: 'chat.message';
  workspaceId: string;
  conversationId: string;
  messageId: string;
  seq: number;
  from: { type: 'visitor'; id: string; name: string };
  preview: string;
  assigneeId: string | null;
  createdAt: string;
  /** SPEC §7, §11.4: false during do-not-disturb or quiet hours (the console shows no notification). */
  notify: boolean;
  /** SPEC §11.2: the recipient's unread count, when known. */
  unreadConversations?: number;
}

/** Per-recipient fields of the frame (options, so other fields join without new parameters). */
export interface ChatMessageOptions {
  /** Default true. */
  notify?: boolean;
  unreadConversations?: number;
}

/** `assigneeId` is the conversation's assignee when the notification is decided, not when it was written. */
export function chatMessageFrame(m: VisitorMessage, assigneeId: string | null | undefined, opts: ChatMessageOptions = {}): ChatMessageFrame {
  return {
    type: 'chat.message',
    workspaceId: m.workspaceId,
    conversationId: m.conversationId,
    messageId: m.messageId,
    seq: m.seq,
    from: { type: 'visitor', id: m.fromId, name: visitorDisplayName(stripUnsafeChars(m.fromName ?? '')) },
    // Unsafe characters (controls, bidi overrides) never reach the preview (SPEC §8); then the 500 cut.
    preview: cutCodePoints(stripUnsafeChars(m.body), PREVIEW_CODE_POINTS),
    assigneeId: assigneeId ?? null,
    createdAt: m.createdAt,
    notify: opts.notify ?? true,
    ...(opts.unreadConversations !== undefined ? { unreadConversations: opts.unreadConversations } : {}),
  };
}

/** SPEC §11.3: to every tab of the agent who read C, so each closes C's notification and sets its badge. */
export interface ConversationReadFrame {
  type: 'conversation.read';
  conversationId: string;
  readSeq: number;
  unreadConversations: number;
}

export function conversationReadFrame(conversationId: string, readSeq: number, unreadConversations: number): ConversationReadFrame {
  return { type: 'conversation.read', conversationId, readSeq, unreadConversations };
}
