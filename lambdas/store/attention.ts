/**
 * The agent's attention state the fan-out reads (SPEC §11.4, §11.6): `doNotDisturbUntil` (ISO
 * instant) and `activeAt` (ISO instant of the last `active` frame), stored on the profile and copied
 * onto the agent's recipient-list items, like the targets (store/targets.ts): the fan-out reads those
 * items anyway, so a quiet or active recipient costs it no request. Written through
 * commitWithTargets (profile version `tv` as read, bumped), so a list item that appears meanwhile is
 * not missed, and listWrites copies both onto a list item it creates (attentionAttributes).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { activeIsStale } from '../domain/attention-plan.js';
import { commitWithTargets } from './targets.js';

export const DND_ATTR = 'doNotDisturbUntil';
export const ACTIVE_ATTR = 'activeAt';

type Ids = { workspaceId: string; agentId: string };

/** The attention attributes of an item (profile), for copying onto a list item written whole. */
export function attentionAttributes(item: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [DND_ATTR, ACTIVE_ATTR]) {
    const v = item?.[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** Store (or, with null, remove) do-not-disturb on the profile and the agent's list items. */
export async function putDoNotDisturb(db: DynamoDBDocumentClient, tableName: string, a: Ids, until: string | null): Promise<void> {
  await commitWithTargets(db, tableName, [a], () => ({ own: [], changes: [until ? { set: { [DND_ATTR]: until } } : { remove: [DND_ATTR] }] }));
}

/**
 * Record an `active` at `nowMs`, unless the stored one is younger than ACTIVE_REFRESH_MS: then the
 * profile read is all it costs. True when written. Never on a message's path (the WebSocket route).
 */
export async function recordActive(db: DynamoDBDocumentClient, tableName: string, a: Ids, nowMs: number): Promise<boolean> {
  let wrote = false;
  await commitWithTargets(db, tableName, [a], ([state]) => {
    const stored = state?.item?.[ACTIVE_ATTR];
    wrote = !!state?.exists && activeIsStale(typeof stored === 'string' ? stored : undefined, nowMs);
    return { own: [], changes: [wrote ? { set: { [ACTIVE_ATTR]: new Date(nowMs).toISOString() } } : {}] };
  });
  return wrote;
}
