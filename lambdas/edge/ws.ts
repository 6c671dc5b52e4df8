/**
 * The middy stack for WebSocket message routes: parse the frame, validate it with zod, find the
 * agent behind the connection, and answer with a frame. A bad frame gets an `error` frame; the
 * connection stays open (API Gateway sends the returned body back on two-way routes).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { tracer } from '../platform/tracer.js';
import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { asAppError } from './errors.js';
import { parseWith } from './http.js';
import { errorInfo, logger } from '../platform/logger.js';
import { connectionsClient, dynamo } from '../platform/clients.js';
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { closeConnection } from '../app/connections.js';
import { isExpired } from '../domain/connection-limits.js';
import { config } from '../platform/config.js';
import { getConnection } from '../store/connections.js';
import { errorFrame, frame, readFrame } from './ws-frames.js';
import type { Identity } from '../store/agents.js';

export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

/** The agent behind a connection, and when its token expires (epoch s) when known. */
export type ConnectionAgent = Identity & { expiresAt?: number };

/** The agent behind a connection: the authorizer's context, or the stored connection. */
export async function connectionAgent(event: WsEvent): Promise<ConnectionAgent | undefined> {
  const a = event.requestContext.authorizer;
  if (a && typeof a.agentId === 'string' && typeof a.workspaceId === 'string') {
    // Context values may arrive as strings: the authorizer sends expiresAt as one.
    const exp = Number(a.expiresAt);
    return {
      agentId: a.agentId,
      workspaceId: a.workspaceId,
      email: String(a.email ?? ''),
      name: String(a.name ?? a.agentId),
      ...(a.expiresAt !== undefined && Number.isFinite(exp) ? { expiresAt: exp } : {}),
    };
  }
  const c = await getConnection(dynamo(), config().tableName, event.requestContext.connectionId);
  return c ? { agentId: c.agentId, workspaceId: c.workspaceId, email: '', name: c.agentId, ...(c.expiresAt !== undefined ? { expiresAt: c.expiresAt } : {}) } : undefined;
}

/**
 * A frame on a connection whose token has expired: the `unauthorized` error frame, then the
 * connection is closed (the sweep would close it within a minute; this acts at once). When
 * @connections fails, the error frame is the route's answer and the sweep closes it later.
 */
async function refuseExpired(event: WsEvent, agent: ConnectionAgent): Promise<APIGatewayProxyResultV2> {
  const refusal = { type: 'error', code: 'unauthorized', message: 'token expired' };
  const { connectionId } = event.requestContext;
  try {
    await connectionsClient().send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(JSON.stringify(refusal)) }));
    await closeConnection({ db: dynamo(), tableName: config().tableName, connections: connectionsClient }, { connectionId, workspaceId: agent.workspaceId, agentId: agent.agentId });
    logger.info('frame on an expired connection: closed', { connectionId });
    return { statusCode: 200 };
  } catch (e) {
    logger.warn('closing an expired connection failed', { connectionId, error: errorInfo(e) });
    return frame(refusal);
  }
}

export function wsHandler<T>(schema: z.ZodMiniType<T> | undefined, fn: (input: T, agent: Identity, event: WsEvent) => Promise<unknown>) {
  const h = middy<WsEvent, APIGatewayProxyResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .handler(async (event) => {
      logger.setCorrelationId(event.requestContext?.requestId);
      try {
        const f = readFrame(event.body ?? '');
        if (!f.ok) return f.reply;
        const agent = await connectionAgent(event);
        if (!agent) return errorFrame('unauthorized', 'unknown connection');
        if (isExpired(agent.expiresAt)) return await refuseExpired(event, agent);
        // The same 400/413 decision as HTTP, as an error frame (below).
        const input = schema ? parseWith(schema, f.value) : (undefined as T);
        return frame(await fn(input, agent, event));
      } catch (e) {
        const app = asAppError(e);
        if (app) return errorFrame(app.code, app.message);
        logger.error('unhandled ws error', { error: errorInfo(e) });
        return errorFrame('internal_error', 'internal error');
      }
    });
  // The frame schema rides on the handler so docs/generate.ts documents the one it validates with.
  return Object.assign(h, { schema });
}
