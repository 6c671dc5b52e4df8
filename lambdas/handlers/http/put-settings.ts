import { agentOf, httpHandler } from '../../edge/http.js';
import { settingsSchema } from '../../edge/schemas.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { ensureAgent, putSettings } from '../../store/agents.js';
import { logger } from '../../platform/logger.js';
import { withDefaults } from '../../domain/settings.js';

export const handler = httpHandler({ auth: 'agent', body: settingsSchema }, async ({ body, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const agent = await ensureAgent(db, tableName, agentOf(caller));
  const settings = withDefaults(body);
  await putSettings(db, tableName, agent, settings);
  logger.info('settings saved', { workspaceId: agent.workspaceId, agentId: agent.agentId, settings });
  return { status: 200, body: settings };
});
