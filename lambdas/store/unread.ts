/**
 * The unread badge (SPEC §11.2) and the clear-on-read bookkeeping (§11.3): one item per agent,
 * `AGENT#{ws}#{agent}` / `UNREAD`, with one attribute per unread conversation:
 *
 *  - `c#{conv}`: the newest visitor seq of C the agent was a recipient of (a number);
 *  - `a#{conv}`: the devices (String Set of deviceIds) that got an alert push for C since the agent
 *    last read it, so a read clears exactly those.
 *
 * The unread count is the number of `c#` attributes: every write answers the item (ReturnValues),
 * so the fan-out learns the badge from the one write it makes per recipient, and the cost grows with
 * the agent's unread conversations (the item's size), never with a scan or a Query. An agent has at
 * most a few thousand unread conversations in practice: ~40 bytes each keeps the item far below
 * DynamoDB's 400 KB limit.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k } from './keys.js';
import { isConditionalFailure } from './errors.js';

export const UNREAD_ATTR = 'c#';
export const ALERTED_ATTR = 'a#';
const unreadAttr = (conv: string) => `${UNREAD_ATTR}${conv}`;
const alertedAttr = (conv: string) => `${ALERTED_ATTR}${conv}`;

type Ids = { workspaceId: string; agentId: string };

/** The number of unread conversations an UNREAD item holds. */
export function unreadCount(item: Record<string, unknown> | undefined): number {
  let n = 0;
  for (const name of Object.keys(item ?? {})) if (name.startsWith(UNREAD_ATTR)) n++;
  return n;
}

/** The devices an UNREAD item names as alerted for `conv`. */
function alertedOf(item: Record<string, unknown> | undefined, conv: string): string[] {
  const v = item?.[alertedAttr(conv)];
  if (v instanceof Set) return [...(v as Set<string>)];
  return Array.isArray(v) ? (v as string[]) : [];
}

/**
 * The fan-out's one write per recipient: C is unread up to `seq` (only if that is not lower than
 * what is recorded: a redelivered older record cannot lower it; an equal one passes, so a retry
 * still adds its devices), and `alertedDevices` (the devices about to get an alert push) join
 * `a#{conv}`. Answers the unread count after the write.
 */
export async function markUnread(db: DynamoDBDocumentClient, tableName: string, a: Ids, conv: string, seq: number, alertedDevices: readonly string[] = []): Promise<number> {
  const names: Record<string, string> = { '#c': unreadAttr(conv) };
  const values: Record<string, unknown> = { ':seq': seq };
  let update = 'SET #c = :seq';
  if (alertedDevices.length > 0) {
    names['#a'] = alertedAttr(conv);
    values[':devs'] = new Set(alertedDevices);
    update += ' ADD #a :devs';
  }
  try {
    const r = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.unread(a.workspaceId, a.agentId),
        UpdateExpression: update,
        ConditionExpression: 'attribute_not_exists(#c) OR #c <= :seq',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return unreadCount(r.Attributes);
  } catch (e) {
    if (!isConditionalFailure(e)) throw e;
    // A newer message of C is already recorded: the count is what stands.
    return unreadCount((e as { Item?: Record<string, unknown> }).Item);
  }
}

export interface Cleared {
  /** The unread count after the read. */
  unreadConversations: number;
  /** The devices that got an alert push for C since the last read: each gets one clear push. */
  devices: string[];
}

/**
 * A read of C up to `readSeq`: when it reaches the newest visitor seq recorded for C, C leaves the
 * badge and its alerted devices are handed back, exactly once (the REMOVE is conditional: of two
 * racing reads, one wins, the other answers undefined). Undefined too when C was not unread for
 * this agent or a newer visitor message is still unread.
 */
export async function clearUnread(db: DynamoDBDocumentClient, tableName: string, a: Ids, conv: string, readSeq: number): Promise<Cleared | undefined> {
  try {
    const r = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.unread(a.workspaceId, a.agentId),
        UpdateExpression: 'REMOVE #c, #a',
        ConditionExpression: '#c <= :seq',
        ExpressionAttributeNames: { '#c': unreadAttr(conv), '#a': alertedAttr(conv) },
        ExpressionAttributeValues: { ':seq': readSeq },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { unreadConversations: Math.max(0, unreadCount(r.Attributes) - 1), devices: alertedOf(r.Attributes, conv) };
  } catch (e) {
    if (isConditionalFailure(e)) return undefined;
    throw e;
  }
}

/** The agent's unread count now (GET /v1/me, the catch-up): one GetItem. */
export async function getUnreadCount(db: DynamoDBDocumentClient, tableName: string, a: Ids): Promise<number> {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.unread(a.workspaceId, a.agentId), ConsistentRead: true }));
  return unreadCount(r.Item);
}
