import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { ensureAgent } from '../../store/agents.js';
import { activeDnd } from '../../domain/attention-plan.js';
import { getUnreadCount } from '../../store/unread.js';

export const handler = httpHandler({ auth: 'agent' }, async ({ caller }) => {
  const me = agentOf(caller);
  const [a, unreadConversations] = await Promise.all([ensureAgent(dynamo(), config().tableName, me), getUnreadCount(dynamo(), config().tableName, me)]);
  return {
    status: 200,
    body: {
      agentId: a.agentId,
      workspaceId: a.workspaceId,
      email: a.email,
      name: a.name,
      settings: a.settings,
      // SPEC §10.3: SES refused the address for good, or it bounced or complained.
      emailStatus: a.emailStatus === 'failing' ? 'failing' : 'ok',
      // SPEC §6, §11.4: null when none or already past.
      doNotDisturbUntil: activeDnd(a.doNotDisturbUntil, Date.now()),
      // SPEC §11.2: the badge, from the one UNREAD item (store/unread.ts).
      unreadConversations,
    },
  };
});
