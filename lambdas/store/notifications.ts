/**
 * The exactly-once guard of the fan-out. Stream records arrive at least once and a batch with a
 * failure is retried, so each (message, channel, target) is claimed with a conditional write
 * before it is sent, and marked done after. A claim carries a short lease: if the worker dies
 * between claim and send, the lease runs out and a retry may claim it again; a failed send
 * releases its claim at once so the retry can redo it.
 */
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { k } from './keys.js';
import { isConditionalFailure, writtenIf } from './errors.js';

export interface NotificationKey {
  messageId: string;
  channel: 'desktop' | 'mobile';
  /** Who or what receives it, e.g. `{agentId}#{connectionId}` or `{agentId}#{deviceId}`. */
  target: string;
}

/**
 * Long enough for one send with the SDK's own retries. It only matters after a worker died
 * mid-send (one shard's batches never run side by side): until it runs out, retries of that
 * record report the target as busy, so the mapping's retry budget must outlast it.
 */
export const CLAIM_LEASE_MS = 15_000;
/** Stream records live 24 h; a guard kept a few days outlives any redelivery. */
const GUARD_TTL_S = 3 * 24 * 60 * 60;

export type Claim = { state: 'claimed'; claimId: string } | { state: 'done' } | { state: 'busy'; leaseUntil?: number };

/** What became of a claimed notification: delivered, or settled without delivery (target gone, device disabled, rejected). */
export type Outcome = 'sent' | 'gone' | 'disabled' | 'rejected';

/**
 * An outcome with why: `detail` in the delivery log's words (SPEC §12: `endpoint_disabled`,
 * `endpoint_deleted`, `provider_error`…) and the provider's error name, recorded on the guard item.
 */
export interface Settled {
  outcome: Outcome;
  detail?: string;
  error?: string;
}

export async function claimNotification(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: NotificationKey,
  opts: { leaseMs?: number; now?: number } = {},
): Promise<Claim> {
  const now = opts.now ?? Date.now();
  const claimId = randomUUID();
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.notification(key.messageId, key.channel, key.target),
        UpdateExpression:
          'SET #st = :pending, claimId = :c, leaseUntil = :lease, #ttl = :ttl, entity = :e, messageId = :m, channel = :ch, target = :t',
        ConditionExpression: 'attribute_not_exists(pk) OR (#st <> :done AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#st': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':done': 'done',
          ':c': claimId,
          ':lease': now + (opts.leaseMs ?? CLAIM_LEASE_MS),
          ':now': now,
          ':ttl': Math.floor(now / 1000) + GUARD_TTL_S,
          ':e': 'notification',
          ':m': key.messageId,
          ':ch': key.channel,
          ':t': key.target,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { state: 'claimed', claimId };
  } catch (e) {
    if (!isConditionalFailure(e)) throw e;
    // The exception's Item is the old item as DynamoDB sent it (attribute-value shape, not unmarshalled).
    // Without it, assume the other holder is still at work: a later retry is the safe side.
    const old = (e as { Item?: { status?: { S?: string }; leaseUntil?: { N?: string } } }).Item;
    if (old?.status?.S === 'done') return { state: 'done' };
    const leaseUntil = Number(old?.leaseUntil?.N);
    return Number.isFinite(leaseUntil) ? { state: 'busy', leaseUntil } : { state: 'busy' };
  }
}

/** Settle a notification for good. Unconditional: even if our lease ran out meanwhile, this one was sent. */
export async function markNotified(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: NotificationKey,
  settled: Outcome | Settled,
): Promise<void> {
  const s: Settled = typeof settled === 'string' ? { outcome: settled } : settled;
  const extra = [s.detail !== undefined ? 'detail = :d' : '', s.error !== undefined ? 'errorName = :er' : ''].filter(Boolean);
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: k.notification(key.messageId, key.channel, key.target),
      UpdateExpression: `SET #st = :done, outcome = :o, doneAt = :at${extra.map((x) => `, ${x}`).join('')} REMOVE leaseUntil`,
      ExpressionAttributeNames: { '#st': 'status' },
      ExpressionAttributeValues: {
        ':done': 'done',
        ':o': s.outcome,
        ':at': new Date().toISOString(),
        ...(s.detail !== undefined ? { ':d': s.detail } : {}),
        ...(s.error !== undefined ? { ':er': s.error } : {}),
      },
    }),
  );
}

/** Give a claim back after a failed send so the retry can redo it. Only our own claim is released. */
export async function releaseNotification(db: DynamoDBDocumentClient, tableName: string, key: NotificationKey, claimId: string) {
  await writtenIf(
    db.send(
      new DeleteCommand({
        TableName: tableName,
        Key: k.notification(key.messageId, key.channel, key.target),
        ConditionExpression: 'claimId = :c AND #st <> :done',
        ExpressionAttributeNames: { '#st': 'status' },
        ExpressionAttributeValues: { ':c': claimId, ':done': 'done' },
      }),
    ),
  );
}

export type OnceResult = Outcome | 'skipped' | 'busy';

/**
 * Run `send` at most once per key across redeliveries and retries. `send` resolves to how the
 * notification settled; if it throws, the claim is released and the error passes on (to be retried).
 */
export async function notifyOnce(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: NotificationKey,
  send: () => Promise<Outcome | Settled>,
): Promise<OnceResult> {
  let claim = await claimNotification(db, tableName, key);
  if (claim.state === 'busy' && claim.leaseUntil !== undefined) {
    // One shard's batches never run side by side, so a claim still pending when its record comes
    // round again was most likely left by an invocation that died mid-send. Quick stream retries
    // would all find it busy and give the record up; waiting out the (short) lease lets this
    // attempt take over instead. A live holder will have settled it by then: 'done' is skipped.
    const wait = claim.leaseUntil - Date.now();
    if (wait <= CLAIM_LEASE_MS) {
      await new Promise((r) => setTimeout(r, Math.max(0, wait) + 25));
      claim = await claimNotification(db, tableName, key);
    }
  }
  if (claim.state === 'done') return 'skipped';
  if (claim.state === 'busy') return 'busy';
  let settled: Outcome | Settled;
  try {
    settled = await send();
  } catch (e) {
    await releaseNotification(db, tableName, key, claim.claimId).catch(() => undefined);
    throw e;
  }
  await markNotified(db, tableName, key, settled);
  return typeof settled === 'string' ? settled : settled.outcome;
}
