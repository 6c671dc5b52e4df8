import { z } from 'zod';
import { httpHandler } from '../../platform/http.js';
import { conversationFor } from '../../platform/access.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listMessages } from '../../store/messages.js';

const query = z.strictObject({ cursor: z.string().max(512).optional(), limit: z.coerce.number().int().min(1).max(200).optional() });

export const handler = httpHandler({ auth: 'agentOrVisitor', query, idParams: ['id'] }, async ({ query, params, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const conv = await conversationFor(db, tableName, caller, params.id!);
  return { status: 200, body: await listMessages(db, tableName, conv.conversationId, query.cursor, query.limit) };
});
