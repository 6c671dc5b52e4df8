import middy from '@middy/core';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { WsEvent } from '../../edge/ws.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { deleteConnection, getConnection } from '../../store/connections.js';
import { logger } from '../../platform/logger.js';

export const handler = middy<WsEvent, APIGatewayProxyResultV2, Error, Context>().handler(async (event) => {
  const { connectionId } = event.requestContext;
  const db = dynamo();
  const { tableName } = config();
  const c = await getConnection(db, tableName, connectionId);
  if (c) await deleteConnection(db, tableName, c);
  logger.info('disconnected', { connectionId, known: Boolean(c) });
  return { statusCode: 200 };
});
