import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { seq } from '../../edge/schemas.js';
import { connectionsClient, dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { readConversation } from '../../app/read.js';
import { announceConversationUpdate } from '../../app/conversation-updates.js';

const body = z.strictObject({ upToSeq: z.optional(seq) });

export const handler = httpHandler({ auth: 'agent', body: z._default(z.optional(body), {}), idParams: ['id'] }, async ({ body, params, caller }) => {
  const me = agentOf(caller);
  const readSeq = await readConversation(dynamo(), config().tableName, me, params.id!, body.upToSeq, { sns: snsClient(), connections: connectionsClient });
  await announceConversationUpdate({ db: dynamo(), tableName: config().tableName, connections: connectionsClient }, me.workspaceId, params.id!, me.agentId);
  return { status: 200, body: { readSeq } };
});
