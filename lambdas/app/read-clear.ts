/**
 * Cleared where it was read (SPEC §11.3), inline in the read (HTTP `POST …/read` and the `markRead`
 * frame), so the tabs hear within 2 s and the phones within 5 s without another hop: when the
 * reader's position reaches the newest visitor message of C they were a recipient of, C leaves their
 * badge (store/unread.ts: one conditional UpdateItem, which hands back, exactly once, the devices
 * that got an alert for C), then every live connection of the agent gets `conversation.read` and
 * each of those devices still enabled gets one silent clear push. The targets are the copies on the
 * agent's profile (store/targets.ts, one GetItem). A read that does not reach it, a repeated read,
 * or the loser of two racing reads sends nothing.
 *
 * Best effort after the read is stored: a failed frame or push is logged (and, when clear pushes
 * went, the whole clear is one entry of the delivery log), the read still answers.
 * A connection that answers 410 is left for the next fan-out frame or the sweep to forget (no
 * writes here beyond the badge).
 */
import { PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { k } from '../store/keys.js';
import { clearUnread } from '../store/unread.js';
import { targetsOf } from '../store/targets.js';
import { conversationReadFrame } from '../domain/frames.js';
import { clearPush } from '../domain/attention-push.js';
import { publishAttention } from '../channels/attention-push.js';
import { errorName, httpStatusOf } from '../channels/report.js';
import { logger } from '../platform/logger.js';
import { recordClear } from './delivery-log.js';
import type { LogDelivery } from '../domain/delivery-log.js';

export interface ClearDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  connections: () => ApiGatewayManagementApiClient;
}

type Ids = { workspaceId: string; agentId: string };

export async function clearOnRead(deps: ClearDeps, me: Ids, conversationId: string, readSeq: number): Promise<void> {
  const cleared = await clearUnread(deps.db, deps.tableName, me, conversationId, readSeq);
  if (!cleared) return;
  const profile = (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: k.agent(me.workspaceId, me.agentId), ConsistentRead: true }))).Item;
  if (!profile) return;
  const targets = targetsOf(profile);
  const nowS = Math.floor(Date.now() / 1000);
  const data = new TextEncoder().encode(JSON.stringify(conversationReadFrame(conversationId, readSeq, cleared.unreadConversations)));
  // Only devices still enabled (the copies hold enabled devices only) among those alerted for C.
  const alerted = new Set(cleared.devices);
  const devices = targets.devices.filter((d) => alerted.has(d.deviceId));
  const at = new Date().toISOString();
  const [frames, pushes] = await Promise.all([
    Promise.all(
      targets.connections
        .filter((c) => !(c.until <= nowS))
        .map(async (c): Promise<LogDelivery> => {
          try {
            await deps.connections().send(new PostToConnectionCommand({ ConnectionId: c.connectionId, Data: data }));
            return { channel: 'desktop', target: c.connectionId, outcome: 'sent' };
          } catch (e) {
            logger.info('conversation.read frame not delivered', { agentId: me.agentId, connectionId: c.connectionId, error: errorName(e), status: httpStatusOf(e) });
            return { channel: 'desktop', target: c.connectionId, outcome: 'failed', detail: httpStatusOf(e) === 410 ? 'connection_gone' : 'provider_error' };
          }
        }),
    ),
    Promise.all(
      devices.map(async (d): Promise<LogDelivery> => {
        const r = await publishAttention(deps.sns, { agentId: me.agentId, ...d }, clearPush(d.platform, conversationId, cleared.unreadConversations), 'clear');
        return r === 'sent'
          ? { channel: 'mobile', target: d.deviceId, outcome: 'sent' }
          : { channel: 'mobile', target: d.deviceId, outcome: 'failed', detail: r === 'disabled' ? 'endpoint_disabled' : 'provider_error' };
      }),
    ),
  ]);
  // SPEC §12: a clear push is in the delivery log (one entry per read position reached; best effort).
  if (pushes.length > 0) await recordClear(deps, me, { conversationId, readSeq, at }, [...frames, ...pushes]);
  logger.info('conversation cleared on read', { agentId: me.agentId, conversationId, readSeq, connections: targets.connections.length, clearPushes: devices.length });
}
