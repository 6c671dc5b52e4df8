import * as z from 'zod/mini';
import { wsHandler } from '../../edge/ws.js';
import { id, messageBody, clientMessageId } from '../../edge/schemas.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { getConversationIn } from '../../store/conversations.js';
import { appendMessage, SeqContentionError } from '../../store/messages.js';
import { notFound, rateLimited } from '../../edge/errors.js';
import { connectionsClient } from '../../platform/clients.js';
import { announceConversationUpdate } from '../../app/conversation-updates.js';

const schema = z.strictObject({ action: z.literal('sendMessage'), conversationId: id, body: messageBody, clientMessageId: z.optional(clientMessageId) });

export const handler = wsHandler(schema, async (f, agent) => {
  const db = dynamo();
  const { tableName } = config();
  const conv = await getConversationIn(db, tableName, agent.workspaceId, f.conversationId);
  if (!conv) throw notFound('conversation not found');
  let r;
  try {
    r = await appendMessage(db, tableName, conv, { fromType: 'agent', fromId: agent.agentId, body: f.body, clientMessageId: f.clientMessageId }, { deadlineMs: config().seqDeadlineMs });
  } catch (e) {
    // SPEC §10.2: no seq within about 3 s is an error frame `rate_limited`, as HTTP answers 429.
    if (e instanceof SeqContentionError) throw rateLimited(1, 'too many messages at once in this conversation; try again');
    throw e;
  }
  if (!r.duplicate) await announceConversationUpdate({ db, tableName, connections: connectionsClient }, agent.workspaceId, f.conversationId);
  return { type: 'ack', clientMessageId: f.clientMessageId ?? null, messageId: r.messageId, seq: r.seq };
});
