import { adminOf, httpHandler } from '../../edge/http.js';
import { dynamo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { ensureAgent } from '../../store/agents.js';
import { getWorkspaceWidget } from '../../store/workspaces.js';
import { defaultWidgetSettings } from '../../domain/widget.js';

/** GET /v1/workspace/widget (SPEC §10.1): the caller's workspace's widget settings, admins only. */
export const handler = httpHandler({ auth: 'agent' }, async ({ caller }) => {
  const admin = adminOf(caller);
  const db = dynamo();
  const { tableName } = config();
  // Records the workspace if this admin's agent item predates workspace items.
  await ensureAgent(db, tableName, admin);
  const widget = (await getWorkspaceWidget(db, tableName, admin.workspaceId)) ?? defaultWidgetSettings();
  return { status: 200, body: widget };
});
