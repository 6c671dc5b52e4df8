/** (Un)assigning: the assignee must be an agent of the same workspace; the status follows them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assign, getConversationIn, listItem } from './conversations.js';
import { getAgent, type Identity } from './agents.js';
import { getPosition } from './positions.js';
import { isConditionalFailure } from './errors.js';
import { invalid, notFound } from '../platform/errors.js';

export async function assignConversation(
  db: DynamoDBDocumentClient,
  tableName: string,
  me: Identity,
  conversationId: string,
  agentId: string | null,
) {
  if (agentId && !(await getAgent(db, tableName, me.workspaceId, agentId))) {
    throw invalid('agentId: no such agent in this workspace');
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const conv = await getConversationIn(db, tableName, me.workspaceId, conversationId);
    if (!conv) throw notFound('conversation not found');
    const assigneeRead = agentId ? ((await getPosition(db, tableName, conversationId, agentId))?.readSeq ?? 0) : conv.statusReadSeq;
    try {
      const updated = await assign(db, tableName, conv, agentId, assigneeRead);
      const myRead = (await getPosition(db, tableName, conversationId, me.agentId))?.readSeq ?? 0;
      return listItem(updated, myRead);
    } catch (e) {
      // A concurrent (un)assign or new message moved the conversation: read it again.
      if (!isConditionalFailure(e)) throw e;
    }
  }
  throw new Error('assignment kept conflicting');
}
