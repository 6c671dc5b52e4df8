/**
 * `OPTIONS /{proxy+}`: every CORS preflight of the HTTP API (the API has no CORS configuration of
 * its own; lambdas/edge/cors.ts says why). No token: browsers send none on a preflight. Not
 * the middy HTTP stack: nothing to parse or authenticate, and a small bundle for a hot path.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { preflightHeaders } from '../../edge/cors.js';
import { errorBody } from '../../edge/errors.js';

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const headers = preflightHeaders(event.rawPath, event.headers?.origin, event.headers?.['access-control-request-method']);
  if (!headers) {
    return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify(errorBody('not_found', 'no such route')) };
  }
  return { statusCode: 204, headers };
};
