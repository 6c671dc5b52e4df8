/**
 * Issue 12 item 3 over the offline stack: a message to more recipients than the inline threshold
 * (scope all, one socket each, one agent token each) goes from the stream to the `fanout-work` queue
 * and its workers, and reaches every one of them, once. The time from the POST to the last frame is
 * printed, not asserted (the machine is shared).
 *
 * 300 recipients, three times FANOUT_THRESHOLD, so several work items and workers share the message.
 * With 1,000 this file alone took 313 s on a quiet 2-core machine and ran past its 600 s limit beside
 * two CPU-bound processes (issue 11 item 7: `npm test` must pass on a busy machine). The 1,000-agent
 * figure is the bench's (`desktop1000`, BENCHMARKS.md).
 */
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, AgentSocket, call, eventually, startTestStack, uid } from '../support/offline.js';
import { mapLimit } from '../../lambdas/platform/map-limit.js';
import { QUEUES } from '../../lib/routes.js';
import { DEFAULT_SETTINGS } from '../../lambdas/domain/settings.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../lambdas/platform/clients.js';
import { FANOUT_THRESHOLD } from '../../lambdas/app/fanout.js';

const N = 3 * FANOUT_THRESHOLD;
let stack: OfflineStack;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  // A work item whose send failed (on a busy machine a post can pass the SDK's 3 s timeout) comes
  // back after the visibility timeout: 60 s here instead of the deployed 180 s, so a retry fits the
  // test. The consumer's timeout is 50 s instead of 30: the offline stack runs every invocation in
  // this one process, so on a busy 2-core machine an item can take longer than it would on Lambda,
  // and one that timed out (or outlived its visibility) would be sent again while still running.
  stack = await startTestStack({ queues: QUEUES.map((q) => ({ ...q, consumerTimeoutS: 50, visibilityTimeoutS: 60 })) });
}, 60_000);

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.stop();
  // Stopping waits for the invocations still running (a timed-out one runs on, as its handler would).
}, 180_000);

test(`a message to ${N} recipients reaches every socket once, through the work queue`, async () => {
  const workspaceId = uid('ws-scale');
  await mapLimit(
    Array.from({ length: N }, (_, i) => i),
    16,
    async (i) => {
      const token = await agentToken(stack, { workspaceId, agentId: `agent-${i}` });
      // Scope all, desktop only: every agent hears every conversation; one socket each.
      const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, scope: 'all', mobile: false, unassigned: false } });
      expect(r.status).toBe(200);
      sockets[i] = await AgentSocket.open(stack.wsUrl, token);
    },
  );
  const conv = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: 'Crowd' } } });
  expect(conv.status).toBe(201);

  const started = performance.now();
  const posted = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.json.conversationId}/messages`, { token: conv.json.visitorToken, body: { body: 'hello, everyone' } });
  expect(posted.status).toBe(201);
  const messageId = posted.json.messageId as string;
  const got = (s: AgentSocket) => s.chatMessages().filter((f) => f.messageId === messageId).length;
  let lastAt = 0;
  await eventually(
    () => {
      const n = sockets.filter((s) => got(s) > 0).length;
      if (n === N && !lastAt) lastAt = performance.now();
      return n === N;
    },
    `frames at all ${N} sockets`,
    240_000,
  );
  console.log(`fan-out to ${N} recipients (scope all, one socket each): last frame ${Math.round(lastAt - started)} ms after the POST was sent`);
  // It went through the workers: the sends are recorded in the work buckets' guards (`b{nn}#desktop`),
  // none by the record itself; every target once (a retried item's, after its visibility timeout).
  const guardItems = async () =>
    (await dynamo().send(new QueryCommand({ TableName: stack.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `NOTIF#${messageId}` }, ConsistentRead: true }))).Items ??
    [];
  const guards = await eventually(
    async () => {
      const items = await guardItems();
      return items.reduce((n, it) => n + (it.done as Set<string>).size, 0) === N && items;
    },
    `all ${N} targets recorded in the guards`,
    240_000,
  );
  const parts = guards.map((it) => String(it.sk));
  expect(parts.length).toBeGreaterThan(1);
  expect(parts.every((sk) => /^b\d\d#desktop$/.test(sk))).toBe(true);
  // Nothing more arrives once every target is recorded. Every socket got it; a second copy is
  // possible only where a post went out but its sender saw a failure (a timeout) and the item was
  // retried — the guarantee in BENCHMARKS.md — and it carries the same messageId, which the console drops.
  await new Promise((r) => setTimeout(r, 1500));
  const counts = sockets.map(got);
  expect(counts.filter((c) => c < 1 || c > 2)).toEqual([]);
  const retried = (await call(stack.httpUrl, 'GET', '/_local/queues')).json;
  console.log(`repeated frames: ${counts.filter((c) => c === 2).length} (work queues: ${JSON.stringify(retried)})`);
  const queues = (await call(stack.httpUrl, 'GET', '/_local/queues')).json;
  console.log(`work queues after the message: ${JSON.stringify(queues)}`);
}, 600_000);
