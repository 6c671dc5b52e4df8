/**
 * Removing an agent from a workspace (SPEC §10.4), as one use case. In this order, so the cut is
 * immediate and every later step can be repeated:
 *
 *  1. the profile is marked removed and the agent leaves both recipient lists (one transaction):
 *     from here on their tokens are refused, the fan-out does not pick them (lists, assignee) and
 *     the reminder drops what it finds for them;
 *  2. what they were owed is cleared: a Query of the `due` index on the `{ws}#{agent}#` prefix;
 *  3. their devices are removed (endpoints deleted unless another agent holds the token);
 *  4. their live connections are closed through @connections and forgotten.
 *
 * A step that fails throws: the caller answers 5xx and a repeated DELETE runs every step again
 * (each is idempotent), so a half-done removal is finished by retrying it.
 */
import { DeleteConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getAgent } from '../store/agents.js';
import { markRemoved } from '../store/agent-status.js';
import { dueOfAgent } from '../store/reminders.js';
import { dropDue } from '../store/positions.js';
import { connectionsOf, deleteConnection } from '../store/connections.js';
import { mapLimit } from '../platform/map-limit.js';
import { removeAllDevices } from './devices.js';

export interface RemovalDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  connections: () => ApiGatewayManagementApiClient;
  now?: () => number;
}

export interface RemovalResult {
  dueCleared: number;
  devicesRemoved: number;
  connectionsClosed: number;
}

/** No agent of that id in that workspace (the handler answers 404). */
export class UnknownAgentError extends Error {
  constructor() {
    super('unknown agent');
    this.name = 'UnknownAgentError';
  }
}

export async function removeAgent(deps: RemovalDeps, ids: { workspaceId: string; agentId: string }): Promise<RemovalResult> {
  const agent = await getAgent(deps.db, deps.tableName, ids.workspaceId, ids.agentId);
  if (!agent) throw new UnknownAgentError();
  await markRemoved(deps.db, deps.tableName, ids, new Date((deps.now ?? Date.now)()).toISOString());

  const due = await dueOfAgent(deps.db, deps.tableName, ids.workspaceId, ids.agentId);
  await mapLimit(due, 8, (conv) => dropDue(deps.db, deps.tableName, conv, ids.agentId, Number.MAX_SAFE_INTEGER));

  const devicesRemoved = await removeAllDevices(deps, ids);
  const connectionsClosed = await closeConnections(deps, ids);
  return { dueCleared: due.length, devicesRemoved, connectionsClosed };
}

/**
 * Close every live connection of the agent: `DeleteConnection` on @connections (API Gateway then
 * runs `$disconnect`), and the connection items are forgotten here too, so nothing waits for it.
 * A connection already gone (410) counts as closed.
 */
export async function closeConnections(
  deps: Pick<RemovalDeps, 'db' | 'tableName' | 'connections'>,
  ids: { workspaceId: string; agentId: string },
): Promise<number> {
  const conns = await connectionsOf(deps.db, deps.tableName, ids.workspaceId, ids.agentId);
  await mapLimit(conns, 8, async (c) => {
    try {
      await deps.connections().send(new DeleteConnectionCommand({ ConnectionId: c.connectionId }));
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    await deleteConnection(deps.db, deps.tableName, c);
  });
  return conns.length;
}

function isGone(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'GoneException' || err?.$metadata?.httpStatusCode === 410;
}
