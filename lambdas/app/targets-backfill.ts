/**
 * Agents stored before the target copies (issue 12 item 1) have connection and device items but
 * no copies on their profile and list items, and no mark (store/targets.ts isLegacy). Until they
 * are copied, the fan-out reads such an agent's targets the old way (one Query per legacy
 * recipient), and this copies them once: at the agent's next request or `$connect`
 * (app/agent-access.ts) and when the fan-out meets them. After that the agent costs no Query.
 *
 * One conditional transaction (store/targets.ts backfillWrites): a connect, disconnect or device
 * write that lands between the reads and the write moves the profile's `tv`, the transaction is
 * cancelled and read again; another backfill that won leaves nothing to do.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Targets } from '../domain/fanout-plan.js';
import { backfillWrites, isLegacy, legacyTargets, readProfileState, targetsOf } from '../store/targets.js';
import { isConditionalFailure, isTransactionConflict } from '../store/errors.js';
import { logger } from '../platform/logger.js';

export interface BackfillDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
}

type Ids = { workspaceId: string; agentId: string };

/** Attempts while concurrent writers of the agent keep moving its version. */
const ATTEMPTS = 3;

/**
 * The agent's targets as they stand, copied onto the profile and list items if they were not.
 * `copied`: this call wrote the copies. A copy that loses every attempt (or fails otherwise) is
 * left for the next use: the targets read are still answered, so nobody misses a message.
 */
export async function backfillTargets(deps: BackfillDeps, who: Ids): Promise<{ targets: Targets; copied: boolean } | undefined> {
  // Only the ids: a caller's object may carry more (a device token must never reach the logs).
  const agent: Ids = { workspaceId: who.workspaceId, agentId: who.agentId };
  let targets: Targets | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // The profile first, then the items: a write that commits after this read moves `tv`.
    const state = await readProfileState(deps.db, deps.tableName, agent);
    if (!state.exists || !state.item) return targets ? { targets, copied: false } : undefined;
    if (!isLegacy(state.item)) return { targets: targetsOf(state.item), copied: false };
    targets = await legacyTargets(deps.db, deps.tableName, agent, Math.floor((deps.now ?? Date.now)() / 1000));
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: backfillWrites(deps.tableName, agent, state, targets) }));
      logger.info('agent targets copied', { ...agent, connections: targets.connections.length, devices: targets.devices.length });
      return { targets, copied: true };
    } catch (e) {
      if (isConditionalFailure(e) || isTransactionConflict(e)) continue;
      logger.warn('agent targets not copied, left for the next use', { ...agent, error: (e as Error)?.name ?? 'Error' });
      return { targets, copied: false };
    }
  }
  return targets ? { targets, copied: false } : undefined;
}
