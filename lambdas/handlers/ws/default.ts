/** Unmatched or non-JSON frames: an error frame, and the connection stays open. */
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { errorFrame, readFrame } from '../../edge/ws-frames.js';
import type { WsEvent } from '../../edge/ws.js';

export const handler = middy<WsEvent, APIGatewayProxyResultV2, Error, Context>().handler(async (event) => {
  const f = readFrame(event.body ?? '');
  if (!f.ok) return f.reply;
  const action = (f.value as { action?: unknown } | null)?.action;
  return errorFrame('unknown_action', typeof action === 'string' ? `unknown action: ${action.slice(0, 64)}` : 'frame has no action');
});
