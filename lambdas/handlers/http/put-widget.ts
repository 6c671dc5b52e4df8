import * as z from 'zod/mini';
import { adminOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { logger } from '../../platform/logger.js';
import { ensureAgent } from '../../store/agents.js';
import { putWorkspaceWidget } from '../../store/workspaces.js';
import { MAX_ALLOWED_ORIGINS, MAX_CONVERSATIONS_PER_MINUTE, normalizeOrigin } from '../../domain/widget.js';

const origin = z.string().check(
  z.refine((s) => normalizeOrigin(s) !== undefined, {
    message: 'must be an origin: https://host[:port] with no path (http only for localhost or 127.0.0.1)',
  }),
);

const body = z.strictObject({
  allowedOrigins: z.array(origin).check(z.maxLength(MAX_ALLOWED_ORIGINS)),
  conversationsPerMinute: z.number().check(z.int(), z.gte(1), z.lte(MAX_CONVERSATIONS_PER_MINUTE)),
});

/** PUT /v1/workspace/widget (SPEC §10.1): replace the widget settings, admins only; answers what is stored. */
export const handler = httpHandler({ auth: 'agent', body }, async ({ body, caller }) => {
  const admin = adminOf(caller);
  const db = dynamo();
  const { tableName } = config();
  await ensureAgent(db, tableName, admin);
  // Stored as browsers send them (lower-case host, no default port), so the check is an exact match.
  const widget = {
    allowedOrigins: [...new Set(body.allowedOrigins.map((o) => normalizeOrigin(o)!))],
    conversationsPerMinute: body.conversationsPerMinute,
  };
  await putWorkspaceWidget(db, tableName, admin.workspaceId, widget);
  logger.info('widget settings saved', { workspaceId: admin.workspaceId, origins: widget.allowedOrigins.length, conversationsPerMinute: widget.conversationsPerMinute });
  return { status: 200, body: widget };
});
