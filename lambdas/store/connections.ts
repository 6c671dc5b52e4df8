/**
 * WebSocket connections, written twice in one transaction: under the agent (so the fan-out finds
 * an agent's live connections with one Query) and by id (so `$disconnect` and a 410 can find the
 * agent). A TTL past API Gateway's 2-hour connection limit cleans up missed `$disconnect`s; it is
 * the token's expiry when that comes first, so an expired connection is skipped at once.
 *
 * The by-id item also sits in the sparse `due` index under its token's expiry minute
 * (`CONNEXP#{minute}`), so the expiry sweep reads the few minutes up to now, never the table.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k, PREFIX } from './keys.js';
import { queryAll } from './query.js';
import { TABLE } from './table.js';
import { commitWithTargets, connAttr, targetsOf } from './targets.js';

export interface Connection {
  connectionId: string;
  workspaceId: string;
  agentId: string;
  connectedAt: string;
  /** The agent token's `exp`, epoch seconds: the connection ends then (SPEC §10.4). */
  expiresAt?: number;
}

const MAX_CONNECTION_S = 2 * 60 * 60 + 10 * 60;
const INDEX = TABLE.indexes.dueReminders;

/**
 * Store a connection: both items, and its copy on the agent's profile and recipient-list items (one
 * transaction, so the fan-out never sees one without the other). Copies of connections already past
 * their end are dropped in the same write: a connection API Gateway ended without `$disconnect` does
 * not linger on the copies.
 */
export async function putConnection(db: DynamoDBDocumentClient, tableName: string, c: Connection): Promise<void> {
  const ttl = connectionEnd(c);
  const expiry = c.expiresAt === undefined ? {} : { [INDEX.partitionKey]: k.connExpiryPk(c.expiresAt), [INDEX.sortKey]: k.connExpirySk(c.expiresAt, c.connectionId) };
  const nowS = Math.floor(Date.now() / 1000);
  await commitWithTargets(db, tableName, [c], ([state]) => ({
    own: [
      { Put: { TableName: tableName, Item: { ...k.connection(c.connectionId), entity: 'connection', ...c, ttl, ...expiry } } },
      { Put: { TableName: tableName, Item: { ...k.agentConnection(c.workspaceId, c.agentId, c.connectionId), entity: 'agentConnection', ...c, ttl } } },
    ],
    changes: [
      {
        set: { [connAttr(c.connectionId)]: ttl },
        remove: targetsOf(state?.item ?? {})
          .connections.filter((x) => x.until <= nowS)
          .map((x) => connAttr(x.connectionId)),
      },
    ],
  }));
}

/** When a connection ends at the latest (epoch s): its token's exp, or API Gateway's 2-hour limit (plus slack). */
export function connectionEnd(c: Pick<Connection, 'connectedAt' | 'expiresAt'>): number {
  return Math.min(Math.floor(Date.parse(c.connectedAt) / 1000) + MAX_CONNECTION_S, c.expiresAt ?? Infinity);
}

export async function getConnection(db: DynamoDBDocumentClient, tableName: string, connectionId: string) {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.connection(connectionId), ConsistentRead: true }));
  if (!r.Item) return undefined;
  return {
    connectionId,
    workspaceId: r.Item.workspaceId as string,
    agentId: r.Item.agentId as string,
    connectedAt: r.Item.connectedAt as string,
    ...(typeof r.Item.expiresAt === 'number' ? { expiresAt: r.Item.expiresAt } : {}),
  } satisfies Connection;
}

/**
 * Forget a connection: both items and its copies (one transaction). Deleting one already gone is
 * fine. A server-side close races the `$disconnect` it causes, which forgets the same items: the
 * transaction is built again from fresh reads until it commits.
 */
export async function deleteConnection(db: DynamoDBDocumentClient, tableName: string, c: Pick<Connection, 'connectionId' | 'workspaceId' | 'agentId'>) {
  await commitWithTargets(db, tableName, [c], ([state]) => ({
    own: [{ Delete: { TableName: tableName, Key: k.connection(c.connectionId) } }, { Delete: { TableName: tableName, Key: k.agentConnection(c.workspaceId, c.agentId, c.connectionId) } }],
    // Only when there is a copy to remove: a second forget of the same connection bumps nothing.
    changes: [state?.item && connAttr(c.connectionId) in state.item ? { remove: [connAttr(c.connectionId)] } : {}],
  }));
}

/** Live connections of an agent (expired-by-TTL ones are skipped even before DynamoDB deletes them). */
export async function connectionsOf(db: DynamoDBDocumentClient, tableName: string, ws: string, agentId: string): Promise<Connection[]> {
  const now = Math.floor(Date.now() / 1000);
  const items = await queryAll(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':pk': k.agentPk(ws, agentId), ':p': PREFIX.connection },
  });
  return items
    .filter((it) => !(Number(it.ttl ?? Infinity) <= now))
    .map((it) => ({
      connectionId: it.connectionId as string,
      workspaceId: ws,
      agentId,
      connectedAt: it.connectedAt as string,
      ...(typeof it.expiresAt === 'number' ? { expiresAt: it.expiresAt } : {}),
    }));
}

/**
 * Connections whose token expired in the UTC minute of `minuteOf` (epoch s), at or before `nowS`:
 * one Query of that minute's `due`-index partition (eventually consistent, as every GSI read).
 */
export async function connectionsExpiringIn(db: DynamoDBDocumentClient, tableName: string, minuteOf: number, nowS: number): Promise<Connection[]> {
  const out: Connection[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEX.name,
        KeyConditionExpression: '#p = :p AND #s < :upTo',
        ExpressionAttributeNames: { '#p': INDEX.partitionKey, '#s': INDEX.sortKey },
        // `{exp}#{id}` < `{now + 1}`: every entry whose exp is at most now (same 10-digit width).
        ExpressionAttributeValues: { ':p': k.connExpiryPk(minuteOf), ':upTo': k.connExpirySk(nowS + 1, '') },
        ProjectionExpression: 'connectionId, workspaceId, agentId, connectedAt, expiresAt',
        ExclusiveStartKey: start,
      }),
    );
    for (const it of r.Items ?? []) {
      out.push({
        connectionId: it.connectionId as string,
        workspaceId: it.workspaceId as string,
        agentId: it.agentId as string,
        connectedAt: it.connectedAt as string,
        expiresAt: it.expiresAt as number,
      });
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}
