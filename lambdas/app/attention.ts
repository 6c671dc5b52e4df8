/**
 * Do-not-disturb and `active` as use cases (SPEC §11.4, §11.6): the rules are domain/attention-plan.ts,
 * the storage store/attention.ts (profile and recipient-list copies, read by the fan-out).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dndUntil } from '../domain/attention-plan.js';
import { putDoNotDisturb, recordActive } from '../store/attention.js';
import { InvalidInputError } from './errors.js';

export interface AttentionDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
}

type Ids = { workspaceId: string; agentId: string };

/** `PUT /v1/me/do-not-disturb`: the instant stored, or null when it ended (null or past). */
export async function setDoNotDisturb(deps: AttentionDeps, a: Ids, until: string | null): Promise<{ until: string | null }> {
  const r = dndUntil(until, (deps.now ?? Date.now)());
  if (!r.ok) throw new InvalidInputError(r.message);
  await putDoNotDisturb(deps.db, deps.tableName, a, r.until);
  return { until: r.until };
}

/** The `active` frame: recorded unless the stored instant is fresh (at most one write per ~50 s). */
export function markActive(deps: AttentionDeps, a: Ids): Promise<boolean> {
  return recordActive(deps.db, deps.tableName, a, (deps.now ?? Date.now)());
}
