import { wsHandler } from '../../edge/ws.js';

export const handler = wsHandler(undefined, async () => ({ type: 'pong' }));
