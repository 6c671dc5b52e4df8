/** Who may touch a conversation: an agent of its workspace, or the visitor whose token names it. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getConversation, type Conversation } from '../store/conversations.js';
import { visitorSecretMatches } from './auth.js';
import { notFound, unauthorized } from './errors.js';
import type { Caller } from './http.js';

export async function conversationFor(db: DynamoDBDocumentClient, tableName: string, caller: Caller, conversationId: string): Promise<Conversation> {
  if (caller.kind === 'visitor') {
    // A visitor token is scoped to one conversation: any other id is "not there" for it.
    if (caller.conversationId !== conversationId) throw notFound('conversation not found');
    const c = await getConversation(db, tableName, conversationId);
    if (!c || !visitorSecretMatches(caller.secret, c.visitorTokenHash)) throw unauthorized('invalid visitor token');
    return c;
  }
  if (caller.kind === 'agent') {
    const c = await getConversation(db, tableName, conversationId);
    if (!c || c.workspaceId !== caller.agent.workspaceId) throw notFound('conversation not found');
    return c;
  }
  throw unauthorized();
}
