import { wsHandler } from '../../platform/ws.js';

export const handler = wsHandler(undefined, async () => ({ type: 'pong' }));
