/**
 * Desktop: one `chat.message` frame to one live WebSocket connection through the @connections
 * management API. A 410 means the connection is gone (it can come even for an id that looks live):
 * it is forgotten at once (its items and its copies on the recipient items) and not retried. Any
 * other failure is thrown, left for the retry.
 */
import { PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deleteConnection } from '../store/connections.js';
import type { Settled } from '../store/notifications.js';
import { logger } from '../platform/logger.js';
import { errorName, httpStatusOf } from './report.js';

export interface DesktopDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** Lazy: a stack without a WebSocket API fails only when there is a connection to post to. */
  connections: () => ApiGatewayManagementApiClient;
}

export function isGone(e: unknown): boolean {
  return errorName(e) === 'GoneException' || httpStatusOf(e) === 410;
}

export async function postFrame(deps: DesktopDeps, c: { workspaceId: string; agentId: string; connectionId: string }, data: Uint8Array, messageId: string): Promise<Settled> {
  try {
    await deps.connections().send(new PostToConnectionCommand({ ConnectionId: c.connectionId, Data: data }));
    return { outcome: 'sent' };
  } catch (e) {
    if (!isGone(e)) {
      logger.warn('post to connection failed', { messageId, connectionId: c.connectionId, agentId: c.agentId, error: errorName(e), status: httpStatusOf(e) });
      throw e;
    }
    await deleteConnection(deps.db, deps.tableName, c);
    logger.info('connection gone, forgotten', { messageId, connectionId: c.connectionId, agentId: c.agentId });
    return { outcome: 'gone' };
  }
}
