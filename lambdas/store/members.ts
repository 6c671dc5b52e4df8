/**
 * The workspace's agents, for names in the console and assigning to a teammate (GET /v1/agents):
 * one item per agent in WS#{ws}#RCPT#MEMBERS, so listing them is one paged Query, never a Scan or
 * a read per agent. Written where the profile is: when an agent is first seen or renamed
 * (store/agents.ts ensureAgent), dropped when the agent is removed and put back when a removed
 * agent signs in again (store/agent-status.ts). The profile records the name it listed
 * (`listedName`), so an agent stored before this list existed joins it on their next sign-in.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CursorError, decodeCursor, encodeCursor, k } from './keys.js';

export const LISTED_NAME_ATTR = 'listedName';

export interface Member {
  agentId: string;
  name: string;
}

/**
 * The member item, as a transaction's Put. Like the recipient lists it carries the agent's targets
 * (store/targets.ts: `listsOf` names it once the profile has `listedName`), so a frame for the
 * whole workspace (`conversation.updated`, app/conversation-updates.ts) finds every live connection
 * with one paged Query; `targets` are the profile's, read under the same transaction's version.
 */
export function memberPut(tableName: string, ws: string, m: Member, targets: Record<string, unknown> = {}) {
  return { Put: { TableName: tableName, Item: { pk: k.membersPk(ws), sk: m.agentId, entity: 'member', ...targets, agentId: m.agentId, name: m.name } } };
}

export function memberDelete(tableName: string, ws: string, agentId: string) {
  return { Delete: { TableName: tableName, Key: { pk: k.membersPk(ws), sk: agentId } } };
}

/** One page of the workspace's agents, in agent-id order. */
export async function listMembers(db: DynamoDBDocumentClient, tableName: string, ws: string, cursor: string | undefined, limit = 500): Promise<{ agents: Member[]; nextCursor?: string }> {
  const start = decodeCursor(cursor);
  // A cursor is only ever a key of this very list (pk and sk, both strings).
  if (start && (start.pk !== k.membersPk(ws) || typeof start.sk !== 'string' || Object.keys(start).length !== 2)) throw new CursorError();
  const r = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': k.membersPk(ws) },
      ProjectionExpression: 'pk, sk, agentId, #n',
      ExpressionAttributeNames: { '#n': 'name' },
      Limit: limit,
      ExclusiveStartKey: start,
    }),
  );
  const agents = (r.Items ?? []).map((it) => ({ agentId: String(it.agentId ?? it.sk), name: typeof it.name === 'string' ? it.name : '' }));
  const nextCursor = encodeCursor(r.LastEvaluatedKey);
  return nextCursor ? { agents, nextCursor } : { agents };
}

/** Every member item whole (with its target copies), page after page: the workspace's live connections. */
export async function memberItems(db: DynamoDBDocumentClient, tableName: string, ws: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': k.membersPk(ws) }, ExclusiveStartKey: start }));
    out.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}
