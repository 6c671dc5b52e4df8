/** Conversations: the META item holds the seq counter, assignee, last message and shared status. */
import { GetCommand, QueryCommand, UpdateCommand, BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from './table.js';
import { k, encodeCursor, decodeCursor, CursorError } from './keys.js';
import { writtenIf } from './errors.js';
import { cutCodePoints } from '../domain/text.js';
import { sharedStatus, isUnread } from '../domain/read-state.js';

export interface Visitor {
  name?: string;
  email?: string;
}

export interface LastMessage {
  messageId: string;
  seq: number;
  from: { type: 'visitor' | 'agent'; id: string };
  body: string;
  createdAt: string;
}

export interface Conversation {
  workspaceId: string;
  conversationId: string;
  visitor: Visitor;
  visitorId: string;
  assigneeId: string | null;
  lastSeq: number;
  lastVisitorSeq: number;
  statusReadSeq: number;
  lastMessage: LastMessage | null;
  lastActivityAt: string;
  createdAt: string;
  visitorTokenHash: string;
}

export interface ConversationListItem {
  conversationId: string;
  visitor: Visitor;
  assigneeId: string | null;
  lastMessage: LastMessage | null;
  unread: boolean;
  status: 'read' | 'unread';
}

export function toConversation(item: Record<string, unknown>): Conversation {
  return {
    workspaceId: item.workspaceId as string,
    conversationId: item.conversationId as string,
    visitor: (item.visitor as Visitor) ?? {},
    visitorId: item.visitorId as string,
    assigneeId: (item.assigneeId as string | undefined) ?? null,
    lastSeq: Number(item.lastSeq ?? 0),
    lastVisitorSeq: Number(item.lastVisitorSeq ?? 0),
    statusReadSeq: Number(item.statusReadSeq ?? 0),
    lastMessage: (item.lastMessage as LastMessage | undefined) ?? null,
    lastActivityAt: item.lastActivityAt as string,
    createdAt: item.createdAt as string,
    visitorTokenHash: item.visitorTokenHash as string,
  };
}

export function listItem(c: Conversation, readSeq: number): ConversationListItem {
  return {
    conversationId: c.conversationId,
    visitor: c.visitor,
    assigneeId: c.assigneeId,
    lastMessage: c.lastMessage,
    unread: isUnread(c.lastVisitorSeq, readSeq),
    status: sharedStatus(c.lastVisitorSeq, c.statusReadSeq),
  };
}

/** The last-message summary kept on the conversation, with the body cut like a preview. */
export function lastMessageOf(m: { messageId: string; seq: number; fromType: 'visitor' | 'agent'; fromId: string; body: string; createdAt: string }): LastMessage {
  return { messageId: m.messageId, seq: m.seq, from: { type: m.fromType, id: m.fromId }, body: cutCodePoints(m.body), createdAt: m.createdAt };
}

/** Index keys that follow activity and assignment, so the lists are Queries. */
export function indexKeys(ws: string, conv: string, assigneeId: string | null, at: string) {
  const { byWorkspaceActivity: a, byAssigneeActivity: b } = TABLE.indexes;
  return {
    [a.partitionKey]: k.activityPk(ws),
    [a.sortKey]: k.activitySk(at, conv),
    [b.partitionKey]: k.assigneePk(ws, assigneeId),
    [b.sortKey]: k.activitySk(at, conv),
  };
}

export async function getConversation(db: DynamoDBDocumentClient, tableName: string, conv: string) {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.conversation(conv), ConsistentRead: true }));
  return r.Item ? toConversation(r.Item) : undefined;
}

/** A conversation of this workspace, or undefined: another workspace's looks the same as none. */
export async function getConversationIn(db: DynamoDBDocumentClient, tableName: string, ws: string, conv: string) {
  const c = await getConversation(db, tableName, conv);
  return c && c.workspaceId === ws ? c : undefined;
}

export type ListFilter = 'all' | 'unread' | 'assigned' | 'unassigned';

/**
 * One page of the caller's list, newest activity first. `unread` reads the caller's positions for
 * the page with one BatchGet; the page may then hold fewer items than the limit.
 */
export async function listConversations(
  db: DynamoDBDocumentClient,
  tableName: string,
  ws: string,
  agentId: string,
  filter: ListFilter,
  cursor: string | undefined,
  limit = 50,
): Promise<{ conversations: ConversationListItem[]; nextCursor?: string }> {
  const useAssignee = filter === 'assigned' || filter === 'unassigned';
  const ix = useAssignee ? TABLE.indexes.byAssigneeActivity : TABLE.indexes.byWorkspaceActivity;
  const pkValue = useAssignee ? k.assigneePk(ws, filter === 'assigned' ? agentId : null) : k.activityPk(ws);
  const start = decodeCursor(cursor);
  // A cursor is only ever a key of this very list: one pointing elsewhere is refused, not followed.
  if (start && start[ix.partitionKey] !== pkValue) throw new CursorError();
  // Exactly the key attributes DynamoDB hands back, all strings: anything else makes it answer a 500.
  const keyAttrs = [TABLE.partitionKey, TABLE.sortKey, ix.partitionKey, ix.sortKey];
  if (start && (Object.keys(start).length !== keyAttrs.length || !keyAttrs.every((a) => typeof start[a] === 'string'))) {
    throw new CursorError();
  }
  const r = await db.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: ix.name,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': ix.partitionKey },
      ExpressionAttributeValues: { ':p': pkValue },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: start,
    }),
  );
  const convs = (r.Items ?? []).map(toConversation);
  const reads = await readPositions(
    db,
    tableName,
    agentId,
    convs.map((c) => c.conversationId),
  );
  let items = convs.map((c) => listItem(c, reads.get(c.conversationId) ?? 0));
  if (filter === 'unread') items = items.filter((i) => i.unread);
  const nextCursor = encodeCursor(r.LastEvaluatedKey);
  return nextCursor ? { conversations: items, nextCursor } : { conversations: items };
}

async function readPositions(db: DynamoDBDocumentClient, tableName: string, agentId: string, convs: string[]) {
  const out = new Map<string, number>();
  for (let i = 0; i < convs.length; i += 100) {
    let keys: Array<Record<string, unknown>> = convs.slice(i, i + 100).map((c) => k.position(c, agentId));
    while (keys.length > 0) {
      const r = await db.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: keys, ProjectionExpression: 'pk, readSeq' } },
        }),
      );
      for (const it of r.Responses?.[tableName] ?? []) {
        out.set(String(it.pk).slice('CONV#'.length), Number(it.readSeq ?? 0));
      }
      keys = (r.UnprocessedKeys?.[tableName]?.Keys as Array<Record<string, unknown>> | undefined) ?? [];
    }
  }
  return out;
}

/**
 * Assign (or unassign). The shared status then follows the new assignee's own position, so the
 * transaction reads it first and guards against a concurrent change of assignee.
 */
export async function assign(db: DynamoDBDocumentClient, tableName: string, c: Conversation, agentId: string | null, assigneeReadSeq: number): Promise<Conversation> {
  const keys = indexKeys(c.workspaceId, c.conversationId, agentId, c.lastActivityAt);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':prev': c.assigneeId ?? '-' };
  const sets: string[] = [];
  let n = 0;
  for (const [attr, v] of Object.entries(keys)) {
    names[`#k${n}`] = attr;
    values[`:k${n}`] = v;
    sets.push(`#k${n} = :k${n}`);
    n++;
  }
  const statusSet = agentId ? ', statusReadSeq = :srs' : '';
  if (agentId) values[':srs'] = assigneeReadSeq;
  values[':a'] = agentId ?? '-';
  const r = await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: k.conversation(c.conversationId),
      UpdateExpression: `SET assigneeKey = :a, ${sets.join(', ')}${statusSet}${agentId ? ', assigneeId = :aid' : ''}${agentId ? '' : ' REMOVE assigneeId'}`,
      ConditionExpression: 'attribute_exists(pk) AND assigneeKey = :prev',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: agentId ? { ...values, ':aid': agentId } : values,
      ReturnValues: 'ALL_NEW',
    }),
  );
  return toConversation(r.Attributes ?? {});
}

/**
 * Move the shared status after a read, when the read is the one that decides it: the assignee's,
 * or anybody's while unassigned. The condition makes a concurrent (un)assign win.
 */
export async function updateSharedStatus(db: DynamoDBDocumentClient, tableName: string, c: Conversation, readSeq: number): Promise<void> {
  await writtenIf(
    db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.conversation(c.conversationId),
        UpdateExpression: 'SET statusReadSeq = :r',
        ConditionExpression: 'assigneeKey = :ak',
        ExpressionAttributeValues: { ':r': readSeq, ':ak': c.assigneeId ?? '-' },
      }),
    ),
  );
}
