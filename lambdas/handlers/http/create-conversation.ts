import * as z from 'zod/mini';
import { httpHandler } from '../../edge/http.js';
import { messageBody, id } from '../../edge/schemas.js';
import { newVisitorToken } from '../../edge/auth.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { createConversation } from '../../store/messages.js';
import { logger } from '../../platform/logger.js';
import { newId } from '../../domain/ids.js';
import { codePointLength, hasLoneSurrogate, hasUnsafeChars } from '../../domain/text.js';
import { admitNewConversation } from '../../app/visitor-gate.js';
import { clientAddressOf, originOf, refusalError } from '../../edge/refusals.js';

const MAX_VISITOR_NAME_CODE_POINTS = 100;

const body = z.strictObject({
  visitor: z.strictObject({
    name: z.optional(
      z.string().check(
        z.trim(),
        // SPEC §10.3: 1..100 code points, no control or bidi override characters (it becomes a push title).
        z.refine((s) => codePointLength(s) >= 1 && codePointLength(s) <= MAX_VISITOR_NAME_CODE_POINTS, {
          message: `must hold 1 to ${MAX_VISITOR_NAME_CODE_POINTS} characters`,
        }),
        // It ends up in push titles, frames and emails: it must be valid text, as a message body must.
        z.refine((s) => !hasLoneSurrogate(s) && !hasUnsafeChars(s), { message: 'is not valid text (control or bidi characters)' }),
      ),
    ),
    // RFC 5321 caps a forward path at 256 octets, so no deliverable address is longer than 254.
    email: z.optional(z.email().check(z.maxLength(254))),
  }),
  message: z.optional(z.strictObject({ body: messageBody })),
});

export const handler = httpHandler({ auth: 'none', body, idParams: ['workspaceId'] }, async ({ body, params, event }) => {
  const workspaceId = id.parse(params.workspaceId);
  const db = dynamo();
  const { tableName, rateLimits } = config();
  const refusal = await admitNewConversation({ db, tableName, rateLimits }, { workspaceId, origin: originOf(event), clientAddress: clientAddressOf(event) });
  if (refusal) {
    logger.info('conversation refused', { workspaceId, reason: refusal.kind, ...(refusal.kind === 'rate_limited' ? { limit: refusal.scope } : {}) });
    throw refusalError(refusal);
  }
  // The token embeds the conversation id, so the id is chosen before the write.
  const conversationId = newId('conv');
  const { token, hash } = newVisitorToken(conversationId);
  const { conversation, first } = await createConversation(db, tableName, {
    conversationId,
    workspaceId,
    visitor: body.visitor,
    visitorTokenHash: hash,
    firstMessage: body.message?.body,
  });
  logger.info('conversation created', { workspaceId, conversationId, withMessage: Boolean(first) });
  return { status: 201, body: { conversationId: conversation.conversationId, visitorToken: token } };
});
