/**
 * The flood of issue 11 re-run against the offline stack with the rate limits ON (SPEC §10.2):
 * 200 conversation creations, each with a first message, in about 10 s into a workspace of 3
 * agents (default settings, one GCM phone each), first from one client address, then from 200
 * distinct addresses. Counts what got through and the pushes each agent's phone received.
 *
 *   LOG_LEVEL=WARN npx tsx bench/flood.ts     (prints a JSON summary)
 *
 * Not part of `npm run bench`. Fixed one-minute windows: a run that spans a minute boundary
 * admits up to twice a limit, so the summary names the windows each flood touched.
 */
import type { OfflineStack } from '../local/stack.js';
import { startBenchStack } from './stack.js';
import { startDynamoDbLocalOnFreePort } from '../local/dynamodb-local.js';
import { agentToken, call } from '../test/support/offline.js';
import { rateWindow } from '../lambdas/domain/rate-window.js';
import { benchId } from './agents.js';
import { sleep } from './util.js';

const CREATIONS = 200;
const SPREAD_MS = 10_000;

async function workspaceWithPhones(stack: OfflineStack, agents = 3) {
  const workspaceId = benchId('flood');
  const phones: string[] = [];
  for (let i = 0; i < agents; i++) {
    const token = await agentToken(stack, { workspaceId, agentId: `agent-${i}`, email: `agent-${i}@${workspaceId}.example.com`, name: `Agent ${i}` });
    const phone = `fcm-${benchId('phone')}`;
    const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform: 'GCM', token: phone } });
    if (r.status !== 201) throw new Error(`device registration answered ${r.status}: ${r.text}`);
    phones.push(phone);
  }
  return { workspaceId, phones };
}

async function pushCounts(stack: OfflineStack, phones: string[]): Promise<number[]> {
  const r = await call<{ pushes: Array<{ token: string }> }>(stack.httpUrl, 'GET', '/_local/push');
  return phones.map((p) => r.json.pushes.filter((x) => x.token === p).length);
}

/** Wait until the pushes stop changing for 3 s (the fan-out has caught up), at most 2 minutes. */
async function settledPushes(stack: OfflineStack, phones: string[]): Promise<number[]> {
  let last = await pushCounts(stack, phones);
  let stableSince = Date.now();
  const deadline = Date.now() + 120_000;
  while (Date.now() - stableSince < 3000 && Date.now() < deadline) {
    await sleep(250);
    const now = await pushCounts(stack, phones);
    if (now.join() !== last.join()) {
      last = now;
      stableSince = Date.now();
    }
  }
  return last;
}

async function flood(stack: OfflineStack, address: (i: number) => string) {
  const { workspaceId, phones } = await workspaceWithPhones(stack);
  // Start at the top of a minute when the flood (and the answers that trail it) would not fit in this one.
  if (Date.now() % 60_000 > 30_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
  const started = Date.now();
  const windows = new Set<string>();
  const createdIn: Record<string, number> = {};
  const sends: Array<Promise<number>> = [];
  for (let i = 0; i < CREATIONS; i++) {
    // Paced, not awaited: a bot does not wait for the answer before the next request.
    const due = started + (i * SPREAD_MS) / CREATIONS;
    if (due > Date.now()) await sleep(due - Date.now());
    windows.add(rateWindow(Date.now()).id);
    sends.push(
      call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, {
        headers: { 'x-forwarded-for': address(i) },
        body: { visitor: { name: `Bot ${i}` }, message: { body: `buy cheap stuff #${i}` } },
      }).then((r) => {
        // The handler counts in the window of its own clock, which trails the send under load.
        if (r.status === 201) createdIn[rateWindow(Date.now()).id] = (createdIn[rateWindow(Date.now()).id] ?? 0) + 1;
        return r.status;
      }),
    );
  }
  const statuses = await Promise.all(sends);
  const floodMs = Date.now() - started;
  const byStatus: Record<string, number> = {};
  for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
  const pushesPerAgent = await settledPushes(stack, phones);
  return { requests: CREATIONS, floodMs, sentInWindows: [...windows], byStatus, created: byStatus['201'] ?? 0, createdByAnswerWindow: createdIn, pushesPerAgent };
}

const dynamo = await startDynamoDbLocalOnFreePort();
const stack = await startBenchStack(dynamo.endpoint, { rateLimits: true });
try {
  const oneAddress = await flood(stack, () => '203.0.113.7');
  const manyAddresses = await flood(stack, (i) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  console.log(JSON.stringify({ limits: { perAddressPerWorkspace: 5, perWorkspace: 60 }, oneAddress, manyAddresses }, null, 2));
} finally {
  await stack.stop();
  await dynamo.stop();
}
