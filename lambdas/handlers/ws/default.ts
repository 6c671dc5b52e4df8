/** Unmatched or non-JSON frames: an error frame, and the connection stays open. */
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { errorFrame, MAX_FRAME_BYTES } from '../../platform/ws-frames.js';
import type { WsEvent } from '../../platform/ws.js';

export const handler = middy<WsEvent, APIGatewayProxyResultV2, Error, Context>().handler(async (event) => {
  const raw = event.body ?? '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_FRAME_BYTES) return errorFrame('payload_too_large', 'frame over 32 KB');
  let action: unknown;
  try {
    action = (JSON.parse(raw) as { action?: unknown } | null)?.action;
  } catch {
    return errorFrame('bad_request', 'frame is not JSON');
  }
  return errorFrame('unknown_action', typeof action === 'string' ? `unknown action: ${action.slice(0, 64)}` : 'frame has no action');
});
