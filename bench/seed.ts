/**
 * Bulk seeding straight into the table with BatchWrite, for sizes the API would take minutes to
 * build. Items are made with the store's own key shapes and item builders (keys.ts, indexKeys,
 * lastMessageOf), so what the reminder meets is what the product would have written.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k } from '../lambdas/store/keys.js';
import { indexKeys, lastMessageOf } from '../lambdas/store/conversations.js';
import { withDefaults, type NotificationSettings } from '../lambdas/domain/settings.js';
import { mapLimit, sleep } from './util.js';

type Item = Record<string, unknown>;

export async function batchWriteAll(db: DynamoDBDocumentClient, tableName: string, items: Item[], concurrency = 6): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await mapLimit(batches, concurrency, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchWrite kept returning unprocessed items');
      if (attempt > 0) await sleep(20 * attempt);
      const r = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (r.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

/** An agent profile as ensureAgent writes it, for seeding in bulk. */
export function seededAgent(workspaceId: string, agentId: string, settings: NotificationSettings, at: string): Item {
  return { ...k.agent(workspaceId, agentId), entity: 'agent', workspaceId, agentId, email: `${agentId}@${workspaceId}.example.com`, name: agentId, settings, createdAt: at };
}

/** A conversation summary holding one visitor message (seq 1), as createConversation writes it. */
export function seededConversation(c: {
  workspaceId: string;
  conversationId: string;
  visitorId: string;
  messageId: string;
  body: string;
  at: string;
  assigneeId: string | null;
  statusReadSeq: number;
}): Item {
  return {
    ...k.conversation(c.conversationId),
    entity: 'conversation',
    workspaceId: c.workspaceId,
    conversationId: c.conversationId,
    visitor: { name: 'Seeded visitor' },
    visitorId: c.visitorId,
    assigneeKey: c.assigneeId ?? '-',
    ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}),
    lastSeq: 1,
    lastVisitorSeq: 1,
    statusReadSeq: c.statusReadSeq,
    lastMessage: lastMessageOf({ messageId: c.messageId, seq: 1, fromType: 'visitor', fromId: c.visitorId, body: c.body, createdAt: c.at }),
    lastActivityAt: c.at,
    createdAt: c.at,
    visitorTokenHash: '0'.repeat(64),
    ...indexKeys(c.workspaceId, c.conversationId, c.assigneeId, c.at),
  };
}

/** Agents who read everything: email reminders on, but recipients of nothing new (not in any recipient list). */
const READER_SETTINGS: NotificationSettings = withDefaults({ desktop: true, mobile: true, email: true, emailUnreadReminder: true, scope: 'assigned', unassigned: false });

/**
 * `agents × conversations` (agent, conversation) pairs in `workspaceId`, every one already read:
 * each conversation's last visitor message is seq 1 (lastVisitorSeq 1) and each agent's position
 * in it has readSeq 1, so none of them is due and none carries the sparse `due` index keys.
 *
 * The message items themselves are left out on purpose: written now, they would enter the table's
 * stream and be fanned out as new visitor messages (and made due), which old history never is.
 */
export function readPairs(workspaceId: string, prefix: string, agents: number, conversations: number): Item[] {
  const at = new Date().toISOString();
  const items: Item[] = [];
  const agentIds = Array.from({ length: agents }, (_, i) => `${prefix}-reader-${i}`);
  for (const agentId of agentIds) {
    items.push(seededAgent(workspaceId, agentId, READER_SETTINGS, at));
  }
  for (let c = 0; c < conversations; c++) {
    const conversationId = `${prefix}-conv-${c}`;
    const visitorId = `${prefix}-vis-${c}`;
    const messageId = `${prefix}-msg-${c}`;
    const body = 'Hello, is anyone there?';
    items.push(seededConversation({ workspaceId, conversationId, visitorId, messageId, body, at, assigneeId: null, statusReadSeq: 1 }));
    for (const agentId of agentIds) {
      items.push({ ...k.position(conversationId, agentId), entity: 'position', workspaceId, conversationId, agentId, readSeq: 1 });
    }
  }
  return items;
}
