/**
 * `conversation.updated` (SPEC §7, §13): when a conversation is assigned, unassigned, answered by an
 * agent or read, every live connection of the workspace's agents gets one frame with its assignee,
 * shared status and last message, so teammates' consoles stay current. Inline in those use cases'
 * handlers (not from the stream: the fan-out's filter passes visitor messages only, and a read moves
 * a POS# item, not the conversation), after their write succeeded.
 *
 * Cost: one GetItem of the conversation (consistent, so the frame says what was just written) and
 * one paged Query of the workspace's member list (store/members.ts), whose items carry each agent's
 * live connections as the recipient lists do (store/targets.ts) — no read per agent — then one
 * PostToConnection per connection. A connection API Gateway reports gone (410) is skipped here and
 * forgotten by the next fan-out post, ping or expiry sweep; a failed post is logged, never fails the
 * request that caused it: the console reloads its list on reconnect in any case.
 */
import { PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getConversation } from '../store/conversations.js';
import { memberItems } from '../store/members.js';
import { targetsOf } from '../store/targets.js';
import { sharedStatus } from '../domain/read-state.js';
import { mapLimit } from '../platform/map-limit.js';
import { logger } from '../platform/logger.js';
import { errorName } from '../channels/report.js';

export interface UpdateDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  connections: () => ApiGatewayManagementApiClient;
}

export async function announceConversationUpdate(deps: UpdateDeps, workspaceId: string, conversationId: string, readBy?: string): Promise<void> {
  try {
    const [conv, members] = await Promise.all([getConversation(deps.db, deps.tableName, conversationId), memberItems(deps.db, deps.tableName, workspaceId)]);
    if (!conv || conv.workspaceId !== workspaceId) return;
    const frame = {
      type: 'conversation.updated',
      conversationId,
      assigneeId: conv.assigneeId,
      status: sharedStatus(conv.lastVisitorSeq, conv.statusReadSeq),
      lastMessage: conv.lastMessage ?? null,
      ...(readBy ? { readBy } : {}),
    };
    const data = new TextEncoder().encode(JSON.stringify(frame));
    const nowS = Math.floor(Date.now() / 1000);
    const targets = members.flatMap((m) => targetsOf(m).connections.filter((c) => c.until > nowS));
    let sent = 0;
    await mapLimit(targets, 10, async (c) => {
      try {
        await deps.connections().send(new PostToConnectionCommand({ ConnectionId: c.connectionId, Data: data }));
        sent++;
      } catch (e) {
        logger.info('conversation update not delivered', { conversationId, connectionId: c.connectionId, error: errorName(e) });
      }
    });
    logger.info('conversation update sent', { conversationId, connections: targets.length, sent });
  } catch (e) {
    logger.warn('conversation update failed', { conversationId, error: errorName(e) });
  }
}
