/**
 * The fan-out's exactly-once guard (issue 12 item 2): one item per (message, part, channel) holding
 * the String Set `done` of the targets already settled (`{agentId}#{connectionId}` or
 * `{agentId}#{deviceId}`), and for each one settled without delivery its outcome with why
 * (`o#{target}` → {outcome, detail?, errorName?}; a target in `done` without one was sent). It is read
 * once when a record (or work item) is handled, and written once per channel after its sends: a
 * redelivered record or retried batch skips what is done. `part` is `all` for sends made by the
 * stream record itself, `b{nn}` for a work bucket (lambdas/app/fanout.ts).
 *
 * What this does not cover, exactly: a send that went out but whose record was not written (the
 * invocation died between the two, or the guard write failed) is sent again by the retry. The
 * platforms' collapse keys (domain/push.ts) make a repeated push replace the first, and desktop
 * frames carry the messageId the console drops a repeat by.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k } from './keys.js';

export type GuardChannel = 'desktop' | 'mobile';

/** What became of a notification: delivered, or settled without delivery (target gone, device disabled, rejected). */
export type Outcome = 'sent' | 'gone' | 'disabled' | 'rejected';

/** An outcome with why: `detail` in the delivery log's words (SPEC §12) and the provider's error name. */
export interface Settled {
  outcome: Outcome;
  detail?: string;
  error?: string;
}

/** Stream records live 24 h and SQS messages at most 14 days; the guard outlives a redelivery of either. */
const GUARD_TTL_S = 15 * 24 * 60 * 60;
const OUTCOME_ATTR = 'o#';

/**
 * The targets done for a message, as `{channel}#{target}`: of every part, or of one part only.
 * One Query (strongly consistent: the previous attempt's write must be seen).
 */
export async function readDone(
  db: DynamoDBDocumentClient,
  tableName: string,
  messageId: string,
  part?: string,
  /** Filled, when given, with each settled target's outcome (`{channel}#{target}`; sent ones too): the delivery log's earlier outcomes. */
  outcomes?: Map<string, Settled | 'failed'>,
): Promise<Set<string>> {
  const done = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: part ? 'pk = :pk AND begins_with(sk, :part)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': k.notificationPk(messageId), ...(part ? { ':part': `${part}#` } : {}) },
        ...(outcomes ? {} : { ProjectionExpression: 'sk, done' }),
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const it of r.Items ?? []) {
      const channel = String(it.sk).split('#').at(-1);
      for (const t of (it.done as Set<string> | undefined) ?? []) {
        done.add(`${channel}#${t}`);
        if (outcomes) {
          const o = it[`${OUTCOME_ATTR}${t}`] as { outcome?: Outcome; detail?: string } | undefined;
          outcomes.set(`${channel}#${t}`, { outcome: o?.outcome ?? 'sent', ...(o?.detail !== undefined ? { detail: o.detail } : {}) });
        }
      }
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return done;
}

/** Record settled targets of one channel: one UpdateItem (ADD to the set, SET the outcomes not `sent`). */
export async function recordDone(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: { messageId: string; part: string; channel: GuardChannel },
  settled: ReadonlyArray<{ target: string; settled: Settled }>,
): Promise<void> {
  if (settled.length === 0) return;
  const names: Record<string, string> = { '#ttl': 'ttl' };
  const values: Record<string, unknown> = {
    ':done': new Set(settled.map((s) => s.target)),
    ':ttl': Math.floor(Date.now() / 1000) + GUARD_TTL_S,
    ':e': 'notificationGuard',
    ':m': key.messageId,
    ':ch': key.channel,
  };
  const sets = ['#ttl = :ttl', 'entity = :e', 'messageId = :m', 'channel = :ch'];
  settled.forEach((s, i) => {
    if (s.settled.outcome === 'sent') return;
    names[`#o${i}`] = `${OUTCOME_ATTR}${s.target}`;
    values[`:o${i}`] = {
      outcome: s.settled.outcome,
      ...(s.settled.detail !== undefined ? { detail: s.settled.detail } : {}),
      ...(s.settled.error !== undefined ? { errorName: s.settled.error } : {}),
    };
    sets.push(`#o${i} = :o${i}`);
  });
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: k.notificationGuard(key.messageId, key.part, key.channel),
      UpdateExpression: `ADD done :done SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

export interface GuardEntry {
  channel: GuardChannel;
  target: string;
  outcome: Outcome;
  detail?: string;
  errorName?: string;
}

/** Every target recorded for a message, with its outcome (for tests, the bench and operators). */
export async function guardEntries(db: DynamoDBDocumentClient, tableName: string, messageId: string): Promise<GuardEntry[]> {
  const r = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': k.notificationPk(messageId) },
      ConsistentRead: true,
    }),
  );
  const out: GuardEntry[] = [];
  for (const it of r.Items ?? []) {
    const channel = String(it.sk).split('#').at(-1) as GuardChannel;
    for (const target of (it.done as Set<string> | undefined) ?? []) {
      const o = it[`${OUTCOME_ATTR}${target}`] as { outcome?: Outcome; detail?: string; errorName?: string } | undefined;
      out.push({
        channel,
        target,
        outcome: o?.outcome ?? 'sent',
        ...(o?.detail !== undefined ? { detail: o.detail } : {}),
        ...(o?.errorName !== undefined ? { errorName: o.errorName } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.channel + a.target < b.channel + b.target ? -1 : 1));
}
