import * as z from 'zod/mini';
import { httpHandler } from '../../edge/http.js';
import { messageBody, clientMessageId } from '../../edge/schemas.js';
import { conversationFor } from '../../edge/access.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { appendMessage, findDuplicate, SeqContentionError, type NewMessage } from '../../store/messages.js';
import { logger } from '../../platform/logger.js';
import { rateLimited } from '../../edge/errors.js';
import { admitVisitor } from '../../app/visitor-gate.js';
import { originOf, refusalError } from '../../edge/refusals.js';
import { connectionsClient } from '../../platform/clients.js';
import { announceConversationUpdate } from '../../app/conversation-updates.js';

const body = z.strictObject({ body: messageBody, clientMessageId: z.optional(clientMessageId) });

export const handler = httpHandler({ auth: 'agentOrVisitor', body, idParams: ['id'] }, async ({ body, params, caller, event }) => {
  const db = dynamo();
  const { tableName, rateLimits } = config();
  const conv = await conversationFor(db, tableName, caller, params.id!);
  const m: NewMessage =
    caller.kind === 'visitor'
      ? { fromType: 'visitor', fromId: conv.visitorId, fromName: conv.visitor.name, body: body.body, clientMessageId: body.clientMessageId }
      : { fromType: 'agent', fromId: caller.kind === 'agent' ? caller.agent.agentId : '', body: body.body, clientMessageId: body.clientMessageId };
  if (caller.kind === 'visitor') {
    // A retry of a stored message stores nothing, so it is not counted: it still gets its 200.
    const retry = m.clientMessageId ? await findDuplicate(db, tableName, conv.conversationId, m) : undefined;
    // After the token check, so a stranger cannot spend a conversation's budget.
    const refusal = await admitVisitor({ db, tableName, rateLimits }, { workspaceId: conv.workspaceId, conversationId: conv.conversationId, origin: originOf(event), countsMessage: !retry });
    if (refusal) {
      logger.info('message refused', { conversationId: conv.conversationId, reason: refusal.kind });
      throw refusalError(refusal);
    }
  }
  let r;
  try {
    r = await appendMessage(db, tableName, conv, m, { deadlineMs: config().seqDeadlineMs });
  } catch (e) {
    // SPEC §10.2: a post that cannot get its seq in about 3 s is told to come back, never a 5xx.
    if (e instanceof SeqContentionError) {
      logger.warn('message refused: seq contention', { conversationId: conv.conversationId, attempts: e.attempts });
      throw rateLimited(1, 'too many messages at once in this conversation; try again');
    }
    throw e;
  }
  // An agent's reply (SPEC §7): teammates see who answered. A visitor's message goes through the fan-out.
  if (caller.kind === 'agent' && !r.duplicate) await announceConversationUpdate({ db, tableName, connections: connectionsClient }, conv.workspaceId, conv.conversationId);
  logger.info('message posted', { messageId: r.messageId, conversationId: conv.conversationId, seq: r.seq, fromType: m.fromType, duplicate: r.duplicate });
  return { status: r.duplicate ? 200 : 201, body: { messageId: r.messageId, seq: r.seq, createdAt: r.createdAt } };
});
