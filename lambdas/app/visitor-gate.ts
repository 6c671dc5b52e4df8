/**
 * What a visitor request must pass before anything is written (SPEC §10.1, §10.2): the workspace
 * exists, the browser's origin is one the workspace allows, and the rate limits have room. A
 * refusal is returned as a value; the handler turns it into its HTTP answer.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getWorkspaceWidget } from '../store/workspaces.js';
import { takeRate, type Limit } from '../store/rate-limits.js';
import { originAllowed } from '../domain/widget.js';
import { LIMITS } from '../domain/rate-window.js';

export interface GateDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** False turns the rate limits off (tests of other behaviour; the offline stack's LOCAL_RATE_LIMITS=0). */
  rateLimits: boolean;
  now?: () => number;
}

export type Refusal = { kind: 'no_workspace' } | { kind: 'origin_not_allowed' } | { kind: 'rate_limited'; scope: string; retryAfterS: number };

/** A new conversation in `workspaceId` from a client at `clientAddress`, sent with this `Origin` header. */
export async function admitNewConversation(deps: GateDeps, r: { workspaceId: string; origin: string | undefined; clientAddress: string }): Promise<Refusal | undefined> {
  const widget = await getWorkspaceWidget(deps.db, deps.tableName, r.workspaceId);
  if (!widget) return { kind: 'no_workspace' };
  if (!originAllowed(widget, r.origin)) return { kind: 'origin_not_allowed' };
  if (!deps.rateLimits) return undefined;
  const limits: Limit[] = [
    { scope: 'conv-addr', key: `${r.workspaceId}#${r.clientAddress}`, limit: LIMITS.conversationsPerAddress },
    { scope: 'conv-ws', key: r.workspaceId, limit: widget.conversationsPerMinute },
  ];
  const t = await takeRate(deps.db, deps.tableName, limits, deps.now?.());
  return t.ok ? undefined : { kind: 'rate_limited', scope: t.scope, retryAfterS: t.retryAfterS };
}

/**
 * A visitor's read or post in a conversation of `workspaceId`. Only a post (`countsMessage`) is
 * rate limited. A workspace without its item (a conversation from before workspaces were
 * recorded) has the default settings: any origin.
 */
export async function admitVisitor(deps: GateDeps, r: { workspaceId: string; conversationId: string; origin: string | undefined; countsMessage: boolean }): Promise<Refusal | undefined> {
  const widget = await getWorkspaceWidget(deps.db, deps.tableName, r.workspaceId);
  if (widget && !originAllowed(widget, r.origin)) return { kind: 'origin_not_allowed' };
  if (!deps.rateLimits || !r.countsMessage) return undefined;
  const t = await takeRate(deps.db, deps.tableName, [{ scope: 'visitor-msg', key: r.conversationId, limit: LIMITS.visitorMessagesPerConversation }], deps.now?.());
  return t.ok ? undefined : { kind: 'rate_limited', scope: t.scope, retryAfterS: t.retryAfterS };
}
