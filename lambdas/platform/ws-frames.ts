/**
 * WebSocket answers, in a module of their own: `ws/default` needs only these, and importing them
 * from ws.ts would pull the DynamoDB client (and ~220 KB of SDK) into its bundle.
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/** API Gateway's WebSocket frame limit. */
export const MAX_FRAME_BYTES = 32 * 1024;

export function frame(body: unknown): APIGatewayProxyResultV2 {
  return { statusCode: 200, body: JSON.stringify(body) };
}

export function errorFrame(code: string, message: string): APIGatewayProxyResultV2 {
  return frame({ type: 'error', code, message });
}
