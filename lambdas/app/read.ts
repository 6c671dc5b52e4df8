/** Reading a conversation: the reader's own position, then the shared status if the read decides it. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getConversationIn, updateSharedStatus } from '../store/conversations.js';
import { markRead } from '../store/positions.js';
import { nextReadSeq, readMovesStatus } from '../domain/read-state.js';
import { NotFoundError } from './errors.js';
import type { Identity } from '../store/agents.js';
import { clearOnRead, type ClearDeps } from './read-clear.js';

export async function readConversation(
  db: DynamoDBDocumentClient,
  tableName: string,
  me: Identity,
  conversationId: string,
  upToSeq: number | undefined,
  /** SPEC §11.3: the clients the tabs and devices are told through (absent: the read alone). */
  clear?: Omit<ClearDeps, 'db' | 'tableName'>,
): Promise<number> {
  const conv = await getConversationIn(db, tableName, me.workspaceId, conversationId);
  if (!conv) throw new NotFoundError('conversation not found');
  const target = nextReadSeq(0, upToSeq, conv.lastSeq);
  const readSeq = await markRead(db, tableName, { workspaceId: me.workspaceId, conversationId, agentId: me.agentId }, target);
  if (readMovesStatus(conv.assigneeId, me.agentId)) await updateSharedStatus(db, tableName, conv, readSeq);
  if (clear) await clearOnRead({ db, tableName, ...clear }, me, conversationId, readSeq);
  return readSeq;
}
