/**
 * Desktop: the `chat.message` frame to every live WebSocket connection of an agent through the
 * @connections management API. A 410 means the connection is gone (it can come even for an id
 * that looks live): it is forgotten at once and not retried; the agent's other connections are
 * still served. Any other failure is left for the stream retry.
 */
import { PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectionsOf, deleteConnection, type Connection } from '../store/connections.js';
import { notifyOnce, type Outcome } from '../store/notifications.js';
import type { ChatMessageFrame } from '../domain/frames.js';
import { logger } from '../platform/logger.js';
import { errorName, httpStatusOf, tally, type ChannelReport } from './report.js';

export interface DesktopDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** Lazy: a stack without a WebSocket API fails only when there is a connection to post to. */
  connections: () => ApiGatewayManagementApiClient;
}

export function isGone(e: unknown): boolean {
  return errorName(e) === 'GoneException' || httpStatusOf(e) === 410;
}

async function post(deps: DesktopDeps, c: Connection, data: Uint8Array, messageId: string): Promise<Outcome> {
  try {
    await deps.connections().send(new PostToConnectionCommand({ ConnectionId: c.connectionId, Data: data }));
    return 'sent';
  } catch (e) {
    if (!isGone(e)) {
      logger.warn('post to connection failed', { messageId, connectionId: c.connectionId, agentId: c.agentId, error: errorName(e), status: httpStatusOf(e) });
      throw e;
    }
    await deleteConnection(deps.db, deps.tableName, c);
    logger.info('connection gone, forgotten', { messageId, connectionId: c.connectionId, agentId: c.agentId });
    return 'gone';
  }
}

export async function notifyDesktop(
  deps: DesktopDeps,
  agent: { workspaceId: string; agentId: string },
  frame: ChatMessageFrame,
): Promise<ChannelReport> {
  const conns = await connectionsOf(deps.db, deps.tableName, agent.workspaceId, agent.agentId);
  const data = new TextEncoder().encode(JSON.stringify(frame));
  const results = await Promise.allSettled(
    conns.map((c) =>
      notifyOnce(deps.db, deps.tableName, { messageId: frame.messageId, channel: 'desktop', target: `${c.agentId}#${c.connectionId}` }, () =>
        post(deps, c, data, frame.messageId),
      ),
    ),
  );
  return tally(results);
}
