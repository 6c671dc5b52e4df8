/**
 * WebSocket connections, written twice in one transaction: under the agent (so the fan-out finds
 * an agent's live connections with one Query) and by id (so `$disconnect` and a 410 can find the
 * agent). A TTL past API Gateway's 2-hour connection limit cleans up missed `$disconnect`s.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k, PREFIX } from './keys.js';
import { queryAll } from './query.js';

export interface Connection {
  connectionId: string;
  workspaceId: string;
  agentId: string;
  connectedAt: string;
}

const MAX_CONNECTION_S = 2 * 60 * 60 + 10 * 60;

export async function putConnection(db: DynamoDBDocumentClient, tableName: string, c: Connection): Promise<void> {
  const ttl = Math.floor(Date.parse(c.connectedAt) / 1000) + MAX_CONNECTION_S;
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: { ...k.connection(c.connectionId), entity: 'connection', ...c, ttl } } },
        { Put: { TableName: tableName, Item: { ...k.agentConnection(c.workspaceId, c.agentId, c.connectionId), entity: 'agentConnection', ...c, ttl } } },
      ],
    }),
  );
}

export async function getConnection(db: DynamoDBDocumentClient, tableName: string, connectionId: string) {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.connection(connectionId), ConsistentRead: true }));
  if (!r.Item) return undefined;
  return {
    connectionId,
    workspaceId: r.Item.workspaceId as string,
    agentId: r.Item.agentId as string,
    connectedAt: r.Item.connectedAt as string,
  } satisfies Connection;
}

/** Forget a connection (both items). Deleting one already gone is fine. */
export async function deleteConnection(db: DynamoDBDocumentClient, tableName: string, c: Pick<Connection, 'connectionId' | 'workspaceId' | 'agentId'>) {
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: tableName, Key: k.connection(c.connectionId) } },
        { Delete: { TableName: tableName, Key: k.agentConnection(c.workspaceId, c.agentId, c.connectionId) } },
      ],
    }),
  );
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
    .filter((it) => !(Number(it.ttl ?? Infinity) < now))
    .map((it) => ({ connectionId: it.connectionId as string, workspaceId: ws, agentId, connectedAt: it.connectedAt as string }));
}
