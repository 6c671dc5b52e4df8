/**
 * What every agent request does with the agent's profile before the handler runs (SPEC §10.3–10.4):
 * refuse a removed agent, restore one who signed in again, keep `lastSeenAt` about a day fresh,
 * record the token's `email_verified`, and clear a failing email once the agent signed in after
 * the failure.
 *
 * It reads the profile once per request (a strongly consistent GetItem, so a removal takes effect
 * at once). Because that read already says whether lastSeenAt is stale, no per-container memo is
 * needed to keep the writes to about one a day: a write happens only when the read asks for it,
 * and it is conditional, so containers racing on the same stale mark write it once.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getAgent, type Agent, type Identity } from '../store/agents.js';
import { clearEmailFailing, restoreAgent, setEmailVerified, touchLastSeen } from '../store/agent-status.js';
import { backfillTargets } from './targets-backfill.js';
import { LAST_SEEN_REFRESH_MS, lastSeenIsStale, signedInAfter } from '../domain/agent-activity.js';

export interface AccessDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
  log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** What a verified token tells beyond the identity; the WebSocket's `$connect` has only the identity. */
export type TokenFacts = Identity & { authTime?: number; emailVerified?: boolean };

/** The agent was removed from the workspace and has not signed in since (the caller answers 401). */
export class AgentRemovedError extends Error {
  constructor() {
    super('agent removed');
    this.name = 'AgentRemovedError';
  }
}

/**
 * The agent's profile as it stands after this use, or undefined when there is none yet (the
 * handler's ensureAgent creates it). Throws AgentRemovedError for a removed agent.
 *
 * Signing in again restores a removed agent: a token whose `auth_time` (else `iat`) is later than
 * the removal comes from a fresh authentication at the identity provider, which the provider only
 * grants to people it still lets in with this workspace claim, the same rule that made them an
 * agent in the first place. Tokens issued before the removal (and their silent refreshes, which
 * keep `auth_time`) stay refused.
 */
export async function admitAgent(deps: AccessDeps, token: TokenFacts): Promise<Agent | undefined> {
  const nowMs = (deps.now ?? Date.now)();
  const now = new Date(nowMs).toISOString();
  let agent = await getAgent(deps.db, deps.tableName, token.workspaceId, token.agentId);
  if (!agent) return undefined;
  const ids = { workspaceId: agent.workspaceId, agentId: agent.agentId };

  if (agent.removedAt) {
    if (token.authTime === undefined || !signedInAfter(token.authTime, agent.removedAt)) throw new AgentRemovedError();
    if (!(await restoreAgent(deps.db, deps.tableName, agent, now))) {
      // Someone else restored (or removed again) meanwhile: decide on what is there now.
      const again = await getAgent(deps.db, deps.tableName, ids.workspaceId, ids.agentId);
      if (!again || again.removedAt) throw new AgentRemovedError();
      agent = again;
    } else {
      deps.log?.('info', 'removed agent signed in again', { ...ids, removedAt: agent.removedAt });
      const { removedAt: _gone, ...rest } = agent;
      agent = { ...rest, lastSeenAt: now };
    }
  }

  const writes: Array<Promise<unknown>> = [];
  if (lastSeenIsStale(agent.lastSeenAt, nowMs)) {
    writes.push(touchLastSeen(deps.db, deps.tableName, agent, now, new Date(nowMs - LAST_SEEN_REFRESH_MS).toISOString()));
    agent = { ...agent, lastSeenAt: now };
  }
  if (token.emailVerified !== undefined && (agent.emailVerified ?? true) !== token.emailVerified) {
    writes.push(setEmailVerified(deps.db, deps.tableName, ids, token.emailVerified));
    agent = { ...agent, emailVerified: token.emailVerified };
  }
  if (agent.emailStatus === 'failing' && agent.emailFailure && token.authTime !== undefined && signedInAfter(token.authTime, agent.emailFailure.at)) {
    writes.push(clearEmailFailing(deps.db, deps.tableName, ids, agent.emailFailure.at));
    const { emailStatus: _s, emailFailure: _f, ...rest } = agent;
    agent = rest;
  }
  // Stored before the target copies: copied now, once (app/targets-backfill.ts), so the fan-out
  // stops reading this agent's connections and devices item by item.
  if (agent.legacyTargets) {
    writes.push(backfillTargets(deps, ids));
    const { legacyTargets: _l, ...rest } = agent;
    agent = rest;
  }
  // Best effort: the request is served even when a mark cannot be written now (throttling, say);
  // the next use finds it stale and tries again.
  for (const r of await Promise.allSettled(writes)) {
    if (r.status === 'rejected') deps.log?.('warn', 'agent marks not updated', { ...ids, error: (r.reason as Error)?.name ?? 'Error' });
  }
  return agent;
}

/** `$connect`'s form: false for a removed agent (the connection is refused). */
export async function admitConnection(deps: AccessDeps, identity: Identity): Promise<boolean> {
  try {
    await admitAgent(deps, identity);
    return true;
  } catch (e) {
    if (e instanceof AgentRemovedError) return false;
    throw e;
  }
}
