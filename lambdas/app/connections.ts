/**
 * Ending WebSocket connections from the server side: through the @connections DELETE
 * (DeleteConnection), and forgetting both of the connection's items at once rather than waiting
 * for `$disconnect`, which API Gateway delivers on a best-effort basis only. Used by `$connect` (the
 * per-agent cap, SPEC §10.3), the expiry sweep (SPEC §10.4), the message routes (an expired token)
 * and removing an agent (SPEC §10.4).
 */
import { DeleteConnectionCommand, PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectionsExpiringIn, connectionsOf, deleteConnection, type Connection } from '../store/connections.js';
import { connectionsOverCap, expiryMinutes, MAX_CONNECTIONS_PER_AGENT } from '../domain/connection-limits.js';
import { isGone } from '../channels/desktop.js';
import { errorName, httpStatusOf } from '../channels/report.js';
import { mapLimit } from '../platform/map-limit.js';
import { logger } from '../platform/logger.js';

export interface ConnectionDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** Lazy, as in the fan-out: the client is built only when something is to be closed. */
  connections: () => ApiGatewayManagementApiClient;
}

type Ref = Pick<Connection, 'connectionId' | 'workspaceId' | 'agentId'>;

/** What a connection closed for the cap is told first (a SPEC §7 `error` frame). */
export const TOO_MANY_CONNECTIONS = {
  type: 'error',
  code: 'too_many_connections',
  message: `more than ${MAX_CONNECTIONS_PER_AGENT} live connections: the oldest is closed`,
} as const;

/** Calls to @connections at once: a sweep or an agent's removal stays gentle on the API's rate. */
const CONCURRENCY = 8;

/**
 * Close one connection and forget it. `gone` when API Gateway no longer had it (410): forgotten
 * too. Any other failure throws and keeps the items, so a later attempt finds the connection again.
 */
export async function closeConnection(deps: ConnectionDeps, c: Ref): Promise<'closed' | 'gone'> {
  let outcome: 'closed' | 'gone' = 'closed';
  try {
    await deps.connections().send(new DeleteConnectionCommand({ ConnectionId: c.connectionId }));
  } catch (e) {
    if (!isGone(e)) throw e;
    outcome = 'gone';
  }
  await deleteConnection(deps.db, deps.tableName, c);
  return outcome;
}

export interface CloseSummary {
  closed: number;
  gone: number;
  failed: number;
}

/**
 * A last frame before the close, best effort. The close code cannot say why (DeleteConnection
 * takes none), and a console closed for the cap must not reconnect at once and close the next
 * oldest in turn.
 */
async function tell(deps: ConnectionDeps, c: Ref, frame: unknown): Promise<void> {
  try {
    await deps.connections().send(new PostToConnectionCommand({ ConnectionId: c.connectionId, Data: new TextEncoder().encode(JSON.stringify(frame)) }));
  } catch {
    /* gone already, or not reachable: the close that follows decides */
  }
}

async function closeAll(deps: ConnectionDeps, conns: readonly Ref[], why: string, notice?: unknown): Promise<CloseSummary> {
  const summary: CloseSummary = { closed: 0, gone: 0, failed: 0 };
  await mapLimit(conns, CONCURRENCY, async (c) => {
    try {
      if (notice !== undefined) await tell(deps, c, notice);
      summary[await closeConnection(deps, c)]++;
    } catch (e) {
      summary.failed++;
      logger.warn('closing a connection failed', { why, connectionId: c.connectionId, agentId: c.agentId, error: errorName(e), status: httpStatusOf(e) });
    }
  });
  return summary;
}

/** Every live connection of an agent (an agent removed, SPEC §10.4). */
export function closeAgentConnections(deps: ConnectionDeps, agent: { workspaceId: string; agentId: string }): Promise<CloseSummary> {
  return connectionsOf(deps.db, deps.tableName, agent.workspaceId, agent.agentId).then((conns) => closeAll(deps, conns, 'agent removed'));
}

/**
 * After `$connect` stored `newConnectionId`: close the agent's oldest connections beyond the cap
 * (SPEC §10.3). A failure is logged, not thrown: the new connection stands, and the next connect
 * or the expiry of the old one's token tries again.
 */
export async function enforceConnectionCap(deps: ConnectionDeps, agent: { workspaceId: string; agentId: string }, newConnectionId: string): Promise<CloseSummary> {
  const conns = await connectionsOf(deps.db, deps.tableName, agent.workspaceId, agent.agentId);
  const over = connectionsOverCap(conns, newConnectionId);
  if (over.length === 0) return { closed: 0, gone: 0, failed: 0 };
  const summary = await closeAll(deps, over, 'connection cap', TOO_MANY_CONNECTIONS);
  logger.info('connection cap: oldest connections closed', { workspaceId: agent.workspaceId, agentId: agent.agentId, ...summary });
  return summary;
}

/** The sweep (SPEC §10.4): every connection whose token expired in the last few minutes, closed. */
export async function closeExpiredConnections(deps: ConnectionDeps, nowMs = Date.now()): Promise<CloseSummary> {
  const nowS = Math.floor(nowMs / 1000);
  const buckets = await mapLimit(expiryMinutes(nowS), 4, (minute) => connectionsExpiringIn(deps.db, deps.tableName, minute, nowS));
  return closeAll(deps, buckets.flat(), 'token expired');
}
