import * as z from 'zod/mini';
import { wsHandler } from '../../edge/ws.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { markActive } from '../../app/attention.js';

const schema = z.strictObject({ action: z.literal('active') });

/** SPEC §11.6: the console says the agent is at a tab; answered like a ping. */
export const handler = wsHandler(schema, async (_f, agent) => {
  await markActive({ db: dynamo(), tableName: config().tableName }, agent);
  return { type: 'pong' };
});
