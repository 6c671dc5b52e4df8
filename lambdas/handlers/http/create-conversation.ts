import * as z from 'zod/mini';
import { httpHandler } from '../../platform/http.js';
import { messageBody, id } from '../../platform/schemas.js';
import { newVisitorToken } from '../../platform/auth.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { createConversation } from '../../store/messages.js';
import { logger } from '../../platform/logger.js';
import { newId } from '../../domain/ids.js';
import { hasLoneSurrogate } from '../../domain/text.js';

const body = z.strictObject({
  visitor: z.strictObject({
    name: z.optional(
      z.string().check(
        z.trim(),
        z.minLength(1),
        z.maxLength(200),
        // It ends up in push titles, frames and emails: it must be valid text, as a message body must.
        z.refine((s) => !hasLoneSurrogate(s) && !s.includes('\u0000'), { message: 'is not valid text' }),
      ),
    ),
    email: z.optional(z.email().check(z.maxLength(320))),
  }),
  message: z.optional(z.strictObject({ body: messageBody })),
});

export const handler = httpHandler({ auth: 'none', body, idParams: ['workspaceId'] }, async ({ body, params }) => {
  const workspaceId = id.parse(params.workspaceId);
  // The token embeds the conversation id, so the id is chosen before the write.
  const conversationId = newId('conv');
  const { token, hash } = newVisitorToken(conversationId);
  const { conversation, first } = await createConversation(dynamo(), config().tableName, {
    conversationId,
    workspaceId,
    visitor: body.visitor,
    visitorTokenHash: hash,
    firstMessage: body.message?.body,
  });
  logger.info('conversation created', { workspaceId, conversationId, withMessage: Boolean(first) });
  return { status: 201, body: { conversationId: conversation.conversationId, visitorToken: token } };
});
