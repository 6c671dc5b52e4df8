/** GET /v1/agents: the caller's workspace's agents (id and name), one paged Query (store/members.ts). */
import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listMembers } from '../../store/members.js';

const query = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(500))),
});

export const handler = httpHandler({ auth: 'agent', query }, async ({ query, caller }) => {
  const me = agentOf(caller);
  return { status: 200, body: await listMembers(dynamo(), config().tableName, me.workspaceId, query.cursor, query.limit) };
});
