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

/**
 * A frame's parsed JSON, or the error frame that answers it: over the size limit, or not JSON.
 * API Gateway closes a connection that sends a frame over 32 KB (code 1009) before any route sees
 * it, and so does the local gateway; the size check here only guards a route invoked some other way.
 */
export function readFrame(raw: string): { ok: true; value: unknown } | { ok: false; reply: APIGatewayProxyResultV2 } {
  if (Buffer.byteLength(raw, 'utf8') > MAX_FRAME_BYTES) return { ok: false, reply: errorFrame('payload_too_large', 'frame over 32 KB') };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false, reply: errorFrame('bad_request', 'frame is not JSON') };
  }
}
