import * as z from 'zod/mini';
import { agentOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { ensureAgent } from '../../store/agents.js';
import { setDoNotDisturb } from '../../app/attention.js';
import { isIsoInstant } from '../../domain/attention-plan.js';
import { logger } from '../../platform/logger.js';

// SPEC §11.4: an ISO-8601 instant (with its zone) or null; the 7-day bound is the use case's (it needs now).
const schema = z.strictObject({
  until: z.nullable(z.string().check(z.refine(isIsoInstant, { message: 'must be an ISO-8601 instant such as 2026-01-01T18:00:00Z' }))),
});

export const handler = httpHandler({ auth: 'agent', body: schema }, async ({ body, caller }) => {
  const db = dynamo();
  const { tableName } = config();
  const agent = await ensureAgent(db, tableName, agentOf(caller));
  const out = await setDoNotDisturb({ db, tableName }, agent, body.until);
  logger.info('do-not-disturb set', { workspaceId: agent.workspaceId, agentId: agent.agentId, until: out.until });
  return { status: 200, body: out };
});
