/**
 * Read positions (SPEC §3). Each agent has their own; the conversation's shared status follows
 * the assignee, or whoever read last while unassigned. Neither decides anybody's email.
 */
export interface Position {
  readSeq: number;
  emailedSeq: number;
}

/** The agent's unread-ness for listing: a visitor message newer than their read position. */
export function isUnread(lastVisitorSeq: number, readSeq: number): boolean {
  return lastVisitorSeq > readSeq;
}

/** Due for a reminder: a visitor message newer than both what was read and what was emailed. */
export function isDue(lastVisitorSeq: number, p: Position): boolean {
  return lastVisitorSeq > Math.max(p.readSeq, p.emailedSeq);
}

/** Whether a read by `readerId` moves the shared status. */
export function readMovesStatus(assigneeId: string | null | undefined, readerId: string): boolean {
  return !assigneeId || assigneeId === readerId;
}

export function sharedStatus(lastVisitorSeq: number, statusReadSeq: number): 'read' | 'unread' {
  return lastVisitorSeq > statusReadSeq ? 'unread' : 'read';
}

/** A requested read position is clamped to what exists; reading never moves a position back. */
export function nextReadSeq(current: number, requested: number | undefined, lastSeq: number): number {
  const target = Math.min(requested ?? lastSeq, lastSeq);
  return Math.max(current, target);
}
