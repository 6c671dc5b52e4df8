import middy from '@middy/core';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { connectionAgent, type WsEvent } from '../../edge/ws.js';
import { connectionsClient, dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { putConnection } from '../../store/connections.js';
import { ensureAgent } from '../../store/agents.js';
import { logger } from '../../platform/logger.js';
import { enforceConnectionCap } from '../../app/connections.js';
import { admitConnection } from '../../app/agent-access.js';

export const handler = middy<WsEvent, APIGatewayProxyResultV2, Error, Context>().handler(async (event) => {
  const a = await connectionAgent(event);
  if (!a) return { statusCode: 401 };
  const db = dynamo();
  const { tableName } = config();
  // SPEC §10.4: a removed agent cannot connect; a connection counts as use (lastSeenAt).
  if (!(await admitConnection({ db, tableName }, a))) return { statusCode: 401 };
  await ensureAgent(db, tableName, a);
  const { connectionId } = event.requestContext;
  await putConnection(db, tableName, {
    connectionId,
    workspaceId: a.workspaceId,
    agentId: a.agentId,
    connectedAt: new Date().toISOString(),
    ...(a.expiresAt !== undefined ? { expiresAt: a.expiresAt } : {}),
  });
  logger.info('connected', { connectionId, workspaceId: a.workspaceId, agentId: a.agentId });
  // Closing *other* connections is fine here; this one is not usable until $connect returns.
  await enforceConnectionCap({ db, tableName, connections: connectionsClient }, a, connectionId).catch((e: unknown) =>
    logger.warn('connection cap not enforced', { connectionId, error: (e as Error)?.name }),
  );
  return { statusCode: 200 };
});
