/**
 * `$connect` authorizer (REQUEST, identity source `route.request.querystring.token`): browsers
 * cannot set headers on a WebSocket, so the agent JWT travels in the query string.
 */
import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { verifyAgentToken } from '../../edge/auth.js';
import { logger } from '../../platform/logger.js';

export interface AuthorizerResult {
  principalId: string;
  policyDocument: { Version: '2012-10-17'; Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }> };
  context?: Record<string, string>;
}

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string, context?: Record<string, string>): AuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
    ...(context ? { context } : {}),
  };
}

export const handler = middy<APIGatewayRequestAuthorizerEvent, AuthorizerResult, Error, Context>().handler(async (event) => {
  try {
    const a = await verifyAgentToken(event.queryStringParameters?.token);
    // expiresAt rides along to every route of the connection: it ends with the token (SPEC §10.4).
    return policy(a.agentId, 'Allow', event.methodArn, { agentId: a.agentId, workspaceId: a.workspaceId, email: a.email, name: a.name, expiresAt: String(a.expiresAt) });
  } catch {
    logger.info('websocket connect refused');
    return policy('anonymous', 'Deny', event.methodArn);
  }
});
