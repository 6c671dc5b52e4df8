import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listConversations } from '../../store/conversations.js';

const query = z.strictObject({
  filter: z._default(z.enum(['all', 'unread', 'assigned', 'unassigned']), 'all'),
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
});

export const handler = httpHandler({ auth: 'agent', query }, async ({ query, caller }) => {
  const me = agentOf(caller);
  const page = await listConversations(dynamo(), config().tableName, me.workspaceId, me.agentId, query.filter, query.cursor, query.limit);
  return { status: 200, body: page };
});
