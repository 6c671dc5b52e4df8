/**
 * GET /v1/conversations/{id}: one conversation in the list's item shape (SPEC §6), for the console
 * opening a conversation by link (the reminder email's, a notification's) that its loaded list
 * pages do not hold: the visitor's name and the assignment without paging the whole list (§13).
 */
import { agentOf, httpHandler } from '../../edge/http.js';
import { conversationFor } from '../../edge/access.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { listItem } from '../../store/conversations.js';
import { getPosition } from '../../store/positions.js';

export const handler = httpHandler({ auth: 'agent', idParams: ['id'] }, async ({ params, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const conv = await conversationFor(db, tableName, caller, params.id!);
  const pos = await getPosition(db, tableName, conv.conversationId, agentOf(caller).agentId);
  return { status: 200, body: listItem(conv, pos?.readSeq ?? 0) };
});
