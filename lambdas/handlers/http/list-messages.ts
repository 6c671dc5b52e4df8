import * as z from 'zod/mini';
import { httpHandler } from '../../platform/http.js';
import { conversationFor } from '../../platform/access.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listMessages } from '../../store/messages.js';

const query = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(512))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(200))),
});

export const handler = httpHandler({ auth: 'agentOrVisitor', query, idParams: ['id'] }, async ({ query, params, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const conv = await conversationFor(db, tableName, caller, params.id!);
  return { status: 200, body: await listMessages(db, tableName, conv.conversationId, query.cursor, query.limit) };
});
