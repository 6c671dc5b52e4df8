/**
 * `POST /v1/me/notifications/test` (SPEC §12): a test notification now, on every channel, whatever
 * do-not-disturb and quiet hours say: a `{"type":"test","at"}` frame to every live connection, a push
 * to every enabled device, and an email when both email toggles are on. Each send is bounded, so the
 * answer (every outcome) comes within 10 seconds; the outcomes are also the log's `test` entry.
 * One test per agent per 30 seconds (SPEC §10.2).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SESClient } from '@aws-sdk/client-ses';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { testEmail, testFrame, TEST_COOLDOWN_MS } from '../domain/test-notification.js';
import { deliveryOf, testLogId, type LogDelivery } from '../domain/delivery-log.js';
import { wantsEmail } from '../domain/settings.js';
import { newId } from '../domain/ids.js';
import { k } from '../store/keys.js';
import { toAgent } from '../store/agents.js';
import { isLegacy, legacyTargets, targetsOf } from '../store/targets.js';
import { takeCooldown } from '../store/rate-limits.js';
import { writeLogEntries } from '../store/delivery-log.js';
import { postFrame } from '../channels/desktop.js';
import { publishTestPush } from '../channels/test-push.js';
import { sendEmail } from '../channels/email.js';
import { errorName } from '../channels/report.js';
import { logger } from '../platform/logger.js';
import { mapLimit } from '../platform/map-limit.js';

export interface TestNotificationDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  ses: SESClient;
  connections: () => ApiGatewayManagementApiClient;
  emailFrom: string;
  consoleUrl: string;
  configurationSet?: string;
  /** SPEC §10.2 limits on (the offline stack can turn them off for tests of other behaviour). */
  rateLimits: boolean;
  now?: () => number;
  /** Longest wait for one send: every send runs at once, so the answer comes within about this. */
  sendTimeoutMs?: number;
}

export type TestResult = { kind: 'sent'; deliveries: LogDelivery[] } | { kind: 'rate_limited'; retryAfterS: number };

// Under the HTTP functions' 10 s timeout with room for the reads and the log write before and after.
const SEND_TIMEOUT_MS = 6_000;
const SEND_CONCURRENCY = 16;

class TimedOut extends Error {
  override name = 'TimedOut';
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimedOut()), ms)))]).finally(() => clearTimeout(timer));
}

export async function sendTestNotification(deps: TestNotificationDeps, me: { workspaceId: string; agentId: string }): Promise<TestResult> {
  const nowMs = (deps.now ?? Date.now)();
  if (deps.rateLimits) {
    const taken = await takeCooldown(deps.db, deps.tableName, 'test-notification', `${me.workspaceId}#${me.agentId}`, TEST_COOLDOWN_MS, nowMs);
    if (!taken.ok) return { kind: 'rate_limited', retryAfterS: taken.retryAfterS };
  }
  const at = new Date(nowMs).toISOString();
  const r = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: k.agent(me.workspaceId, me.agentId), ConsistentRead: true }));
  const item = r.Item ?? {};
  const agent = r.Item ? toAgent(r.Item) : undefined;
  const nowS = Math.floor(nowMs / 1000);
  const targets = r.Item && isLegacy(r.Item) ? await legacyTargets(deps.db, deps.tableName, me, nowS) : targetsOf(item);
  const connections = targets.connections.filter((c) => !(c.until <= nowS));
  const timeout = deps.sendTimeoutMs ?? SEND_TIMEOUT_MS;
  const ids = { workspaceId: me.workspaceId, agentId: me.agentId };
  const frame = new TextEncoder().encode(JSON.stringify(testFrame(at)));

  const desktop = mapLimit(connections, SEND_CONCURRENCY, async (c): Promise<LogDelivery> => {
    try {
      return deliveryOf('desktop', c.connectionId, await bounded(postFrame(deps, { ...ids, connectionId: c.connectionId }, frame, 'test'), timeout));
    } catch (e) {
      logger.warn('test frame failed', { ...ids, connectionId: c.connectionId, error: errorName(e) });
      return deliveryOf('desktop', c.connectionId, 'failed');
    }
  });
  const mobile = mapLimit(targets.devices, SEND_CONCURRENCY, async (d): Promise<LogDelivery> => {
    try {
      return deliveryOf('mobile', d.deviceId, await bounded(publishTestPush(deps, { ...ids, ...d }, at), timeout));
    } catch (e) {
      logger.warn('test push failed', { ...ids, deviceId: d.deviceId, error: errorName(e) });
      return deliveryOf('mobile', d.deviceId, 'failed');
    }
  });
  const email = (async (): Promise<LogDelivery> => {
    if (!agent || !wantsEmail(agent.settings)) return { channel: 'email', outcome: 'suppressed', detail: 'email_off' };
    // SPEC §10.4: no email to an address the identity provider says is unverified, nor to none.
    if (!agent.email || agent.emailVerified === false) return { channel: 'email', outcome: 'failed' };
    try {
      const sent = await bounded(
        sendEmail(deps.ses, {
          from: deps.emailFrom,
          to: agent.email,
          ...testEmail(deps.consoleUrl),
          tags: { workspace: me.workspaceId, agent: me.agentId },
          ...(deps.configurationSet ? { configurationSet: deps.configurationSet } : {}),
        }),
        timeout,
      );
      if (sent.status === 'sent') return { channel: 'email', outcome: 'sent' };
      logger.warn('test email failed', { ...ids, status: sent.status, code: sent.code });
    } catch (e) {
      logger.warn('test email failed', { ...ids, error: errorName(e) });
    }
    return { channel: 'email', outcome: 'failed', detail: 'provider_error' };
  })();

  const [d, m, e] = await Promise.all([desktop, mobile, email]);
  const deliveries: LogDelivery[] = [
    ...(d.length ? d : [{ channel: 'desktop' as const, outcome: 'suppressed' as const, detail: 'no_connection' }]),
    ...(m.length ? m : [{ channel: 'mobile' as const, outcome: 'suppressed' as const, detail: 'no_device' }]),
    e,
  ];
  try {
    await writeLogEntries(deps.db, deps.tableName, [{ ...ids, id: testLogId(at, newId('test', nowMs)), entry: { kind: 'test', at, deliveries } }], nowMs);
  } catch (err) {
    // The test went out; its answer says what happened even if the log could not keep it.
    logger.warn('test notification not logged', { ...ids, error: errorName(err) });
  }
  logger.info('test notification sent', { ...ids, deliveries: deliveries.length, sent: deliveries.filter((x) => x.outcome === 'sent').length });
  return { kind: 'sent', deliveries };
}
