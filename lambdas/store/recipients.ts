/**
 * The fan-out's read (SPEC §2): a conversation as it is now, with its candidate recipients and
 * their settings as they are now — the assignee and the scope-all agents, or for an unassigned
 * conversation the scope-all and unassigned-on agents. Which of them hear about a message, and on
 * which channel, is the domain's decision (planFanout). Each candidate carries its live connections
 * and enabled devices (store/targets.ts): no request per recipient. Three requests in two round trips.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assigneeCandidates, scopeAllAgents, type Candidate } from './agents.js';
import { getConversation, type Conversation } from './conversations.js';

export async function conversationWithCandidates(
  db: DynamoDBDocumentClient,
  tableName: string,
  workspaceId: string,
  conversationId: string,
): Promise<{ conversation: Conversation; candidates: Candidate[] } | undefined> {
  // The scope-all list does not depend on the assignee: read it beside the conversation, one round trip saved.
  const [conversation, scopeAll] = await Promise.all([getConversation(db, tableName, conversationId), scopeAllAgents(db, tableName, workspaceId)]);
  if (!conversation) return undefined;
  const mine = await assigneeCandidates(db, tableName, workspaceId, conversation.assigneeId);
  return { conversation, candidates: [...mine, ...scopeAll] };
}
