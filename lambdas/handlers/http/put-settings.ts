import { agentOf, httpHandler } from '../../edge/http.js';
import { settingsSchema } from '../../edge/schemas.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { ensureAgent, putSettings } from '../../store/agents.js';
import { logger } from '../../platform/logger.js';

export const handler = httpHandler({ auth: 'agent', body: settingsSchema }, async ({ body, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const agent = await ensureAgent(db, tableName, agentOf(caller));
  await putSettings(db, tableName, agent, body);
  logger.info('settings saved', { workspaceId: agent.workspaceId, agentId: agent.agentId, settings: body });
  return { status: 200, body };
});
