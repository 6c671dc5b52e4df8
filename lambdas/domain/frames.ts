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
}

/** Per-recipient fields of the frame (further ones, such as the badge, are added here). */
export interface ChatMessageOptions {
  /** Default true. */
  notify?: boolean;
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
  };
}
