import * as z from 'zod/mini';
import { httpHandler } from '../../platform/http.js';
import { messageBody, clientMessageId } from '../../platform/schemas.js';
import { conversationFor } from '../../platform/access.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { appendMessage, type NewMessage } from '../../store/messages.js';
import { logger } from '../../platform/logger.js';

const body = z.strictObject({ body: messageBody, clientMessageId: z.optional(clientMessageId) });

export const handler = httpHandler({ auth: 'agentOrVisitor', body, idParams: ['id'] }, async ({ body, params, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const conv = await conversationFor(db, tableName, caller, params.id!);
  const m: NewMessage =
    caller.kind === 'visitor'
      ? { fromType: 'visitor', fromId: conv.visitorId, fromName: conv.visitor.name, body: body.body, clientMessageId: body.clientMessageId }
      : { fromType: 'agent', fromId: caller.kind === 'agent' ? caller.agent.agentId : '', body: body.body, clientMessageId: body.clientMessageId };
  const r = await appendMessage(db, tableName, conv, m);
  logger.info('message posted', { messageId: r.messageId, conversationId: conv.conversationId, seq: r.seq, fromType: m.fromType, duplicate: r.duplicate });
  return { status: r.duplicate ? 200 : 201, body: { messageId: r.messageId, seq: r.seq, createdAt: r.createdAt } };
});
