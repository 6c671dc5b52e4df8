/** A visitor-gate refusal (lambdas/app/visitor-gate.ts) as its SPEC §6 answer. */
import type { Refusal } from '../app/visitor-gate.js';
import { notFound, originNotAllowed, rateLimited, type AppError } from './errors.js';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export function refusalError(r: Refusal): AppError {
  switch (r.kind) {
    case 'no_workspace':
      return notFound('workspace not found');
    case 'origin_not_allowed':
      return originNotAllowed();
    case 'rate_limited':
      return rateLimited(r.retryAfterS);
  }
}

/** The browser's `Origin` header (HTTP API payload 2.0 lower-cases header names), if any. */
export function originOf(event: APIGatewayProxyEventV2): string | undefined {
  const o = event.headers?.origin;
  return o === undefined || o === '' ? undefined : o;
}

/** The client's address as API Gateway saw it (the TCP peer; the local gateway sets it per SPEC §9). */
export function clientAddressOf(event: APIGatewayProxyEventV2): string {
  return event.requestContext?.http?.sourceIp ?? 'unknown';
}
