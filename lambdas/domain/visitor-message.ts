/**
 * A new visitor message as the notifiers see it: what the fan-out reads from the stream record,
 * and what the desktop frame and the mobile push are built from.
 */
export interface VisitorMessage {
  workspaceId: string;
  conversationId: string;
  messageId: string;
  seq: number;
  fromType: 'visitor' | 'agent';
  fromId: string;
  /** The visitor's name when the message was written (absent when the visitor gave none). */
  fromName?: string;
  body: string;
  createdAt: string;
}

export const ANONYMOUS_VISITOR = 'Visitor';

/** The name agents see for the sender: the visitor's name, or "Visitor" when there is none. */
export function visitorDisplayName(name: string | undefined | null): string {
  const n = name?.trim();
  return n ? n : ANONYMOUS_VISITOR;
}
