import * as z from 'zod/mini';
import { wsHandler } from '../../edge/ws.js';
import { id, seq } from '../../edge/schemas.js';
import { connectionsClient, dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { readConversation } from '../../app/read.js';
import { announceConversationUpdate } from '../../app/conversation-updates.js';

const schema = z.strictObject({ action: z.literal('markRead'), conversationId: id, upToSeq: z.optional(seq) });

export const handler = wsHandler(schema, async (f, agent) => {
  const readSeq = await readConversation(dynamo(), config().tableName, agent, f.conversationId, f.upToSeq, { sns: snsClient(), connections: connectionsClient });
  await announceConversationUpdate({ db: dynamo(), tableName: config().tableName, connections: connectionsClient }, agent.workspaceId, f.conversationId, agent.agentId);
  return { type: 'read', conversationId: f.conversationId, readSeq };
});
