import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { id } from '../../edge/schemas.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { assignConversation } from '../../app/assign.js';
import { connectionsClient } from '../../platform/clients.js';
import { announceConversationUpdate } from '../../app/conversation-updates.js';

const body = z.strictObject({ agentId: z.nullable(id) });

export const handler = httpHandler({ auth: 'agent', body, idParams: ['id'] }, async ({ body, params, caller }) => {
  const me = agentOf(caller);
  const item = await assignConversation(dynamo(), config().tableName, me, params.id!, body.agentId);
  // SPEC §7: teammates' consoles see the new assignee.
  await announceConversationUpdate({ db: dynamo(), tableName: config().tableName, connections: connectionsClient }, me.workspaceId, params.id!);
  return { status: 200, body: item };
});
