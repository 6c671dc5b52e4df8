/**
 * Rate-limit counters (SPEC §10.2): one item per (scope, key, one-minute window), counted with
 * `ADD` under the condition `count < limit`, so a refused request writes nothing and two
 * requests can never both take the last slot. Several limits on one request are taken in one
 * transaction: all or none. The window is in the key and each counter has a `ttl` past its
 * window's end, so old counters need no cleanup and nothing ever scans for them.
 */
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rateWindow } from '../domain/rate-window.js';
import { k } from './keys.js';
import { cancelledIndexes, isConditionalFailure, isTransactionConflict } from './errors.js';
import { backOff } from './backoff.js';

export interface Limit {
  /** What is counted, e.g. `conv-addr`; part of the key. */
  scope: string;
  /** Whose count, e.g. `{ws}#{address}`. */
  key: string;
  limit: number;
}

export type Taken = { ok: true } | { ok: false; scope: string; retryAfterS: number };

/** Retries of a transaction that lost a race with another one on the same counter. */
const CONFLICT_ATTEMPTS = 8;

function update(tableName: string, l: Limit, windowId: string, ttl: number) {
  return {
    TableName: tableName,
    Key: k.rateCounter(l.scope, l.key, windowId),
    UpdateExpression: 'SET entity = :e, #ttl = :ttl ADD #c :one',
    ConditionExpression: 'attribute_not_exists(#c) OR #c < :limit',
    ExpressionAttributeNames: { '#c': 'count', '#ttl': 'ttl' },
    ExpressionAttributeValues: { ':e': 'rate', ':ttl': ttl, ':one': 1, ':limit': l.limit },
  };
}

/** Count one request against every limit in this minute, or none of them if any is full. */
export async function takeRate(db: DynamoDBDocumentClient, tableName: string, limits: readonly Limit[], nowMs = Date.now()): Promise<Taken> {
  if (limits.length === 0) return { ok: true };
  const w = rateWindow(nowMs);
  const refused = (i: number): Taken => ({ ok: false, scope: limits[i]?.scope ?? limits[0]!.scope, retryAfterS: w.retryAfterS });
  if (limits.length === 1) {
    try {
      await db.send(new UpdateCommand(update(tableName, limits[0]!, w.id, w.ttl)));
      return { ok: true };
    } catch (e) {
      if (isConditionalFailure(e)) return refused(0);
      throw e;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: limits.map((l) => ({ Update: update(tableName, l, w.id, w.ttl) })) }));
      return { ok: true };
    } catch (e) {
      if (isConditionalFailure(e)) return refused(cancelledIndexes(e)[0] ?? 0);
      if (!isTransactionConflict(e)) throw e;
      // Many requests on one workspace's counter at once: a flood. Give up after a few tries and
      // call it what it is, rather than let the flood hold the request open.
      if (attempt >= CONFLICT_ATTEMPTS) return { ok: false, scope: limits[0]!.scope, retryAfterS: 1 };
      await backOff(attempt);
    }
  }
}

/**
 * At most one request per `cooldownMs` for one key (SPEC §10.2's test notification, 1 per 30 s): one
 * conditional UpdateItem on `RATE#{scope}#{key}` / `W#last` that moves `at` only when the last one is
 * at least `cooldownMs` old, so two requests at once cannot both pass. The refusal's Retry-After comes
 * from the item DynamoDB returns with the failed condition (ReturnValuesOnConditionCheckFailure,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html).
 */
export async function takeCooldown(db: DynamoDBDocumentClient, tableName: string, scope: string, key: string, cooldownMs: number, nowMs = Date.now()): Promise<Taken> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.rateCounter(scope, key, 'last'),
        UpdateExpression: 'SET entity = :e, #at = :now, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#at) OR #at <= :before',
        ExpressionAttributeNames: { '#at': 'at', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':e': 'rate', ':now': nowMs, ':before': nowMs - cooldownMs, ':ttl': Math.ceil((nowMs + cooldownMs) / 1000) + 60 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { ok: true };
  } catch (e) {
    if (!isConditionalFailure(e)) throw e;
    const last = Number((e as { Item?: Record<string, unknown> }).Item?.at);
    const waitMs = Number.isFinite(last) ? last + cooldownMs - nowMs : cooldownMs;
    return { ok: false, scope, retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
