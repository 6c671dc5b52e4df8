/**
 * Messages: each claims its seq by its own key (`MSG#{seq}`, written only if absent, with the
 * clientMessageId guard in the same transaction when there is one), then the conversation summary
 * (counter, last message, list index keys) is moved forward. Concurrent posts get distinct seqs; a
 * rejected or duplicate post writes nothing.
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './query.js';
import { k, seqKey, PREFIX, encodeCursor, decodeCursor, CursorError } from './keys.js';
import { cancelledIndexes, isConditionalFailure, isTransactionConflict } from './errors.js';
import { getConversation, indexKeys, lastMessageOf, type Conversation, type Visitor } from './conversations.js';
import { newId } from '../domain/ids.js';
import { backOff } from './backoff.js';

export type FromType = 'visitor' | 'agent';

export interface NewMessage {
  fromType: FromType;
  fromId: string;
  /** Shown as the sender's name in notifications (the visitor's name). */
  fromName?: string;
  body: string;
  clientMessageId?: string;
}

export interface StoredMessage {
  messageId: string;
  seq: number;
  from: { type: FromType; id: string };
  body: string;
  createdAt: string;
}

export interface AppendResult {
  messageId: string;
  seq: number;
  createdAt: string;
  /** True when the clientMessageId was seen before: nothing new was stored. */
  duplicate: boolean;
}

export function messageItem(c: Pick<Conversation, 'workspaceId' | 'conversationId'>, m: NewMessage, seq: number, messageId: string, createdAt: string) {
  return {
    ...k.message(c.conversationId, seq),
    entity: 'message',
    workspaceId: c.workspaceId,
    conversationId: c.conversationId,
    messageId,
    seq,
    fromType: m.fromType,
    fromId: m.fromId,
    ...(m.fromName ? { fromName: m.fromName } : {}),
    body: m.body,
    createdAt,
    ...(m.clientMessageId ? { clientMessageId: m.clientMessageId } : {}),
  };
}

function cmidItem(conv: string, m: NewMessage, messageId: string, seq: number, createdAt: string) {
  return { ...k.clientMessage(conv, m.fromType, m.fromId, m.clientMessageId!), entity: 'cmid', messageId, seq, createdAt };
}

/** The message a (sender, clientMessageId) already stored, if any. */
export async function findDuplicate(db: DynamoDBDocumentClient, tableName: string, conv: string, m: NewMessage) {
  if (!m.clientMessageId) return undefined;
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.clientMessage(conv, m.fromType, m.fromId, m.clientMessageId), ConsistentRead: true }));
  return r.Item ? { messageId: r.Item.messageId as string, seq: Number(r.Item.seq), createdAt: r.Item.createdAt as string, duplicate: true } : undefined;
}

/** SPEC §10.2: how long a post may try for its seq before it gives up (the handler answers 429). */
export const SEQ_DEADLINE_MS = 3000;

/** The post lost the race for a seq until its deadline: too many posts at once in one conversation. */
export class SeqContentionError extends Error {
  constructor(
    readonly conversationId: string,
    readonly attempts: number,
  ) {
    super(`could not append to ${conversationId}: too much contention (${attempts} attempts)`);
    this.name = 'SeqContentionError';
  }
}

export interface AppendOptions {
  /** Total time to keep trying for a seq (default SEQ_DEADLINE_MS). */
  deadlineMs?: number;
}

export async function appendMessage(db: DynamoDBDocumentClient, tableName: string, conv: Conversation, m: NewMessage, opts: AppendOptions = {}): Promise<AppendResult> {
  const deadline = Date.now() + (opts.deadlineMs ?? SEQ_DEADLINE_MS);
  const dup = await findDuplicate(db, tableName, conv.conversationId, m);
  if (dup) return dup;
  let current = conv;
  let seq = conv.lastSeq + 1;
  for (let attempt = 0; ; attempt++) {
    // Checked before each try, so even a first try past the deadline is refused rather than late.
    if (Date.now() >= deadline) throw new SeqContentionError(conv.conversationId, attempt);
    const messageId = newId('msg');
    const createdAt = new Date().toISOString();
    try {
      await claimSeq(db, tableName, current, m, seq, messageId, createdAt);
    } catch (e) {
      if (isConditionalFailure(e) && m.clientMessageId && cancelledIndexes(e).includes(1)) {
        const d = await findDuplicate(db, tableName, conv.conversationId, m);
        if (d) return d;
      }
      if (!isConditionalFailure(e) && !isTransactionConflict(e)) throw e;
      // Lost the race for this seq: back off (store/backoff.ts) and try the next free one. The
      // summary may lag the messages (its writer has not got there yet, or died between its two
      // writes), so the next try is past both the summary and the seq just refused.
      await backOff(attempt + 1, deadline);
      const fresh = await getConversation(db, tableName, current.conversationId);
      if (!fresh) throw e;
      current = fresh;
      seq = Math.max(fresh.lastSeq, seq) + 1;
      continue;
    }
    await updateSummary(db, tableName, current, m, seq, messageId, createdAt);
    return { messageId, seq, createdAt, duplicate: false };
  }
}

/**
 * The message item claims its seq by its key (MSG#{seq} written only if absent). Without a
 * clientMessageId it is a plain conditional Put; with one, the guard goes in the same transaction.
 * The summary is not in it: a transaction costs twice, and the summary's update re-keys both list
 * indexes (BENCHMARKS.md, issue 12: 24 units per post in one transaction, 6 in two writes).
 */
async function claimSeq(db: DynamoDBDocumentClient, tableName: string, c: Conversation, m: NewMessage, seq: number, messageId: string, createdAt: string): Promise<void> {
  const message = { TableName: tableName, Item: messageItem(c, m, seq, messageId, createdAt), ConditionExpression: 'attribute_not_exists(pk)' };
  if (!m.clientMessageId) {
    await db.send(new PutCommand(message));
    return;
  }
  await db.send(
    new TransactWriteCommand({
      TransactItems: [{ Put: message }, { Put: { TableName: tableName, Item: cmidItem(c.conversationId, m, messageId, seq, createdAt), ConditionExpression: 'attribute_not_exists(pk)' } }],
    }),
  );
}

/**
 * The conversation summary (counter, last message, list index keys) follows the newest message.
 * Two posts racing can finish out of order: the later seq wins the summary, and a visitor message
 * overtaken by an agent's still raises lastVisitorSeq. A concurrent assign changes the assignee index
 * key: read again and write the keys for the new assignee. If this process dies before the summary is
 * written, the message is stored and its stream record notifies as usual; the summary catches up at
 * the conversation's next message.
 */
async function updateSummary(db: DynamoDBDocumentClient, tableName: string, conv: Conversation, m: NewMessage, seq: number, messageId: string, createdAt: string): Promise<void> {
  const isVisitor = m.fromType === 'visitor';
  let current = conv;
  for (let attempt = 0; attempt < 10; attempt++) {
    const keys = indexKeys(current.workspaceId, current.conversationId, current.assigneeId, createdAt);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':seq': seq,
      ':lm': lastMessageOf({ messageId, seq, fromType: m.fromType, fromId: m.fromId, body: m.body, createdAt }),
      ':at': createdAt,
      ':ak': current.assigneeId ?? '-',
    };
    const sets = ['lastSeq = :seq', 'lastMessage = :lm', 'lastActivityAt = :at'];
    if (isVisitor) sets.push('lastVisitorSeq = :seq');
    Object.entries(keys).forEach(([attr, v], i) => {
      names[`#k${i}`] = attr;
      values[`:k${i}`] = v;
      sets.push(`#k${i} = :k${i}`);
    });
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: k.conversation(current.conversationId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          // The assignee guard keeps the assignee index keys in step with a concurrent assign.
          ConditionExpression: 'lastSeq < :seq AND assigneeKey = :ak',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return;
    } catch (e) {
      if (!isConditionalFailure(e)) throw e;
    }
    const fresh = await getConversation(db, tableName, current.conversationId);
    if (!fresh) return;
    if (fresh.lastSeq >= seq) {
      if (isVisitor && (fresh.lastVisitorSeq ?? 0) < seq) await raiseLastVisitorSeq(db, tableName, fresh.conversationId, seq);
      return;
    }
    current = fresh;
  }
}

async function raiseLastVisitorSeq(db: DynamoDBDocumentClient, tableName: string, conv: string, seq: number): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.conversation(conv),
        UpdateExpression: 'SET lastVisitorSeq = :seq',
        ConditionExpression: 'attribute_not_exists(lastVisitorSeq) OR lastVisitorSeq < :seq',
        ExpressionAttributeValues: { ':seq': seq },
      }),
    );
  } catch (e) {
    if (!isConditionalFailure(e)) throw e;
  }
}

export async function createConversation(
  db: DynamoDBDocumentClient,
  tableName: string,
  input: { conversationId: string; workspaceId: string; visitor: Visitor; visitorTokenHash: string; firstMessage?: string },
): Promise<{ conversation: Conversation; first?: AppendResult }> {
  const { conversationId } = input;
  const visitorId = newId('vis');
  const now = new Date().toISOString();
  const c: Conversation = {
    workspaceId: input.workspaceId,
    conversationId,
    visitor: input.visitor,
    visitorId,
    assigneeId: null,
    lastSeq: 0,
    lastVisitorSeq: 0,
    statusReadSeq: 0,
    lastMessage: null,
    lastActivityAt: now,
    createdAt: now,
    visitorTokenHash: input.visitorTokenHash,
  };
  const items: Array<Record<string, unknown>> = [];
  let first: AppendResult | undefined;
  if (input.firstMessage !== undefined) {
    const m: NewMessage = { fromType: 'visitor', fromId: visitorId, fromName: input.visitor.name, body: input.firstMessage };
    const messageId = newId('msg');
    Object.assign(c, {
      lastSeq: 1,
      lastVisitorSeq: 1,
      lastMessage: lastMessageOf({ messageId, seq: 1, fromType: 'visitor', fromId: visitorId, body: m.body, createdAt: now }),
    });
    items.push({ Put: { TableName: tableName, Item: messageItem(c, m, 1, messageId, now), ConditionExpression: 'attribute_not_exists(pk)' } });
    first = { messageId, seq: 1, createdAt: now, duplicate: false };
  }
  const { visitorTokenHash, ...rest } = c;
  items.unshift({
    Put: {
      TableName: tableName,
      Item: {
        ...k.conversation(conversationId),
        entity: 'conversation',
        ...rest,
        assigneeId: undefined,
        assigneeKey: '-',
        visitorTokenHash,
        ...indexKeys(c.workspaceId, conversationId, null, now),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  await db.send(new TransactWriteCommand({ TransactItems: items as never }));
  return { conversation: c, first };
}

export function toMessage(it: Record<string, unknown>): StoredMessage {
  return {
    messageId: it.messageId as string,
    seq: Number(it.seq),
    from: { type: it.fromType as FromType, id: it.fromId as string },
    body: it.body as string,
    createdAt: it.createdAt as string,
  };
}

/** Messages oldest first, a page at a time; the cursor is the last seq returned. */
export async function listMessages(db: DynamoDBDocumentClient, tableName: string, conv: string, cursor: string | undefined, limit = 100): Promise<{ messages: StoredMessage[]; nextCursor?: string }> {
  const start = decodeCursor(cursor);
  const after = start?.seq;
  if (start && (typeof after !== 'number' || !Number.isInteger(after) || after < 0)) throw new CursorError();
  const r = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': k.convPk(conv),
        ':from': `${PREFIX.message}${seqKey(typeof after === 'number' ? after + 1 : 0)}`,
        ':to': `${PREFIX.message}~`,
      },
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  const messages = (r.Items ?? []).map(toMessage);
  const last = messages.at(-1);
  const nextCursor = r.LastEvaluatedKey && last ? encodeCursor({ seq: last.seq }) : undefined;
  return nextCursor ? { messages, nextCursor } : { messages };
}

/** Visitor messages after `afterSeq`, newest first: the reminder's count and newest text. */
export async function visitorMessagesAfter(db: DynamoDBDocumentClient, tableName: string, conv: string, afterSeq: number, upToSeq: number) {
  const items = await queryAll(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    FilterExpression: 'fromType = :v',
    ExpressionAttributeValues: {
      ':pk': k.convPk(conv),
      ':from': `${PREFIX.message}${seqKey(afterSeq + 1)}`,
      ':to': `${PREFIX.message}${seqKey(upToSeq)}`,
      ':v': 'visitor',
    },
    ScanIndexForward: false,
    ConsistentRead: true,
  });
  return items.map(toMessage);
}
