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
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getAgent } from '../store/agents.js';
import { markRemoved } from '../store/agent-status.js';
import { dueOfAgent } from '../store/reminders.js';
import { dropDue } from '../store/positions.js';
import { mapLimit } from '../platform/map-limit.js';
import { removeAllDevices } from './devices.js';
import { closeAgentConnections } from './connections.js';

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
  const closed = await closeAgentConnections(deps, ids);
  // A connection left open must make the DELETE fail, so repeating it finishes the removal.
  if (closed.failed > 0) throw new Error(`${closed.failed} connection(s) of the removed agent could not be closed`);
  const connectionsClosed = closed.closed + closed.gone;
  return { dueCleared: due.length, devicesRemoved, connectionsClosed };
}
