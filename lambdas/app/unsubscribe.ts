/**
 * SPEC §11.7: the reminder email's one-click unsubscribe. The signed token names the agent; both
 * email toggles go off (the same save as the settings route: profile and recipient-list copies),
 * so no more reminders are sent. A token that is not ours is refused and writes nothing.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getAgent, putSettings } from '../store/agents.js';
import { verifyUnsubscribe } from '../domain/unsubscribe-token.js';
import { logger } from '../platform/logger.js';

export class BadUnsubscribeToken extends Error {
  constructor() {
    super('this unsubscribe link is not valid');
  }
}

/** True when the agent's reminders are now off (or already were); false when the agent no longer exists. */
export async function unsubscribe(deps: { db: DynamoDBDocumentClient; tableName: string; secret: string }, token: string): Promise<boolean> {
  const ids = verifyUnsubscribe(deps.secret, token);
  if (!ids) throw new BadUnsubscribeToken();
  const agent = await getAgent(deps.db, deps.tableName, ids.workspaceId, ids.agentId);
  if (!agent || agent.removedAt) return false;
  if (agent.settings.email || agent.settings.emailUnreadReminder) {
    await putSettings(deps.db, deps.tableName, agent, { ...agent.settings, email: false, emailUnreadReminder: false });
  }
  logger.info('reminder emails turned off from the unsubscribe link', ids);
  return true;
}
