import * as z from 'zod/mini';
import { httpHandler } from '../../edge/http.js';
import { conversationFor } from '../../edge/access.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listMessages } from '../../store/messages.js';
import { admitVisitor } from '../../app/visitor-gate.js';
import { originOf, refusalError } from '../../edge/refusals.js';

const query = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(512))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(200))),
});

export const handler = httpHandler({ auth: 'agentOrVisitor', query, idParams: ['id'] }, async ({ query, params, caller, event }) => {
  const db = dynamo();
  const { tableName, rateLimits } = config();
  const conv = await conversationFor(db, tableName, caller, params.id!);
  if (caller.kind === 'visitor') {
    const refusal = await admitVisitor({ db, tableName, rateLimits }, { workspaceId: conv.workspaceId, conversationId: conv.conversationId, origin: originOf(event), countsMessage: false });
    if (refusal) throw refusalError(refusal);
  }
  return { status: 200, body: await listMessages(db, tableName, conv.conversationId, query.cursor, query.limit) };
});
