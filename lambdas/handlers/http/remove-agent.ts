/**
 * DELETE /v1/workspace/agents/{agentId} (admin role, SPEC §10.4): the agent is removed from the
 * caller's workspace → 204. An agent of another workspace is unknown here (404), as SPEC §5 has it.
 *
 * An admin cannot remove themselves (403): a stray click would cut their own session mid-task and
 * leave nobody who chose it; the person leaving is removed by another admin, or disabled at the
 * identity provider. Removing an already-removed agent answers 204 again and finishes whatever an
 * earlier attempt left undone.
 */
import { adminOf, httpHandler } from '../../edge/http.js';
import { connectionsClient, dynamo, snsClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { forbidden, notFound } from '../../edge/errors.js';
import { logger } from '../../platform/logger.js';
import { removeAgent, UnknownAgentError } from '../../app/agent-removal.js';

export const handler = httpHandler({ auth: 'agent', idParams: ['agentId'] }, async ({ params, caller }) => {
  const admin = adminOf(caller);
  const agentId = params.agentId!;
  if (agentId === admin.agentId) throw forbidden('an admin cannot remove themselves; another admin can');
  const ids = { workspaceId: admin.workspaceId, agentId };
  try {
    const r = await removeAgent({ db: dynamo(), tableName: config().tableName, sns: snsClient(), connections: connectionsClient }, ids);
    logger.info('agent removed', { ...ids, removedBy: admin.agentId, ...r });
  } catch (e) {
    if (e instanceof UnknownAgentError) throw notFound('agent not found');
    throw e;
  }
  return { status: 204 };
});
