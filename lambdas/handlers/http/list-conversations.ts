import { z } from 'zod';
import { agentOf, httpHandler } from '../../platform/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listConversations } from '../../store/conversations.js';

const query = z.strictObject({
  filter: z.enum(['all', 'unread', 'assigned', 'unassigned']).default('all'),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const handler = httpHandler({ auth: 'agent', query }, async ({ query, caller }) => {
  const me = agentOf(caller);
  const page = await listConversations(dynamo(), config().tableName, me.workspaceId, me.agentId, query.filter, query.cursor, query.limit);
  return { status: 200, body: page };
});
