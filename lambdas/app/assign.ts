/** (Un)assigning: the assignee must be an agent of the same workspace; the status follows them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assign, getConversationIn, listItem } from '../store/conversations.js';
import { getAgent, type Identity } from '../store/agents.js';
import { getPosition, recordDue } from '../store/positions.js';
import { owedOnAssignment } from '../domain/reminder-plan.js';
import { isConditionalFailure } from '../store/errors.js';
import { InvalidInputError, NotFoundError } from './errors.js';

export async function assignConversation(db: DynamoDBDocumentClient, tableName: string, me: Identity, conversationId: string, agentId: string | null) {
  const assignee = agentId ? await getAgent(db, tableName, me.workspaceId, agentId) : undefined;
  if (agentId && !assignee) {
    throw new InvalidInputError('agentId: no such agent in this workspace');
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const conv = await getConversationIn(db, tableName, me.workspaceId, conversationId);
    if (!conv) throw new NotFoundError('conversation not found');
    const assigneePos = agentId ? await getPosition(db, tableName, conversationId, agentId) : undefined;
    const assigneeRead = agentId ? (assigneePos?.readSeq ?? 0) : conv.statusReadSeq;
    try {
      const updated = await assign(db, tableName, conv, agentId, assigneeRead);
      // SPEC §4: assigned while it holds visitor messages the new assignee has not read, they are
      // owed them (from now: the grace period and the 7 days count from the assignment). The
      // conditional write skips it if they read or were emailed up to there meanwhile.
      if (agentId && assignee && owedOnAssignment(assignee, updated.lastVisitorSeq, { readSeq: assigneeRead, emailedSeq: assigneePos?.emailedSeq ?? 0 })) {
        await recordDue(db, tableName, { workspaceId: me.workspaceId, conversationId, agentId }, updated.lastVisitorSeq);
      }
      const myRead = (await getPosition(db, tableName, conversationId, me.agentId))?.readSeq ?? 0;
      return listItem(updated, myRead);
    } catch (e) {
      // A concurrent (un)assign or new message moved the conversation: read it again.
      if (!isConditionalFailure(e)) throw e;
    }
  }
  throw new Error('assignment kept conflicting');
}
