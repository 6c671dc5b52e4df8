/**
 * The workspace item: it exists once one of the workspace's agents has been seen (SPEC §10.1) and
 * holds the widget settings. Only agents create it (see agents.ts ensureAgent); the anonymous
 * conversation route only reads it.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultWidgetSettings, type WidgetSettings } from '../domain/widget.js';
import { k } from './keys.js';

/**
 * The transaction item that records the workspace, creating it if missing and leaving an existing
 * one (and its widget settings) as it is: SET with constants and if_not_exists, no condition, so it
 * can ride in the agent's own transaction whatever the workspace's state.
 */
export function recordWorkspaceItem(tableName: string, ws: string, now: string) {
  return {
    Update: {
      TableName: tableName,
      Key: k.workspace(ws),
      UpdateExpression: 'SET entity = :e, workspaceId = :ws, createdAt = if_not_exists(createdAt, :now)',
      ExpressionAttributeValues: { ':e': 'workspace', ':ws': ws, ':now': now },
    },
  };
}

/** The workspace's widget settings (defaults for what was never set), or undefined when the workspace does not exist. */
export async function getWorkspaceWidget(db: DynamoDBDocumentClient, tableName: string, ws: string): Promise<WidgetSettings | undefined> {
  const r = await db.send(new GetCommand({ TableName: tableName, Key: k.workspace(ws), ConsistentRead: true }));
  if (!r.Item) return undefined;
  const d = defaultWidgetSettings();
  return {
    allowedOrigins: Array.isArray(r.Item.allowedOrigins) ? (r.Item.allowedOrigins as string[]) : d.allowedOrigins,
    conversationsPerMinute: typeof r.Item.conversationsPerMinute === 'number' ? r.Item.conversationsPerMinute : d.conversationsPerMinute,
  };
}

export class WorkspaceMissingError extends Error {
  constructor(readonly workspaceId: string) {
    super(`workspace ${workspaceId} does not exist`);
    this.name = 'WorkspaceMissingError';
  }
}

/** Replace the widget settings of an existing workspace (never creates one). */
export async function putWorkspaceWidget(db: DynamoDBDocumentClient, tableName: string, ws: string, s: WidgetSettings): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: k.workspace(ws),
        UpdateExpression: 'SET allowedOrigins = :o, conversationsPerMinute = :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':o': s.allowedOrigins, ':n': s.conversationsPerMinute },
      }),
    );
  } catch (e) {
    if ((e as { name?: string }).name === 'ConditionalCheckFailedException') throw new WorkspaceMissingError(ws);
    throw e;
  }
}
