/** `GET /v1/me/notifications?cursor=` (SPEC §12): the caller's own delivery log, newest first. */
import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listLog } from '../../store/delivery-log.js';

const query = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
});

export const handler = httpHandler({ auth: 'agent', query }, async ({ query, caller }) => {
  const me = agentOf(caller);
  return { status: 200, body: await listLog(dynamo(), config().tableName, me.workspaceId, me.agentId, query.cursor, query.limit) };
});
