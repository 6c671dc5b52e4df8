/**
 * Issue 11's "the shard's delay with one broken device", measured on the offline stack: a workspace
 * with one agent at a desk (a socket) and one with an iPhone, every visitor message to both. The
 * desk agent's frame latency is timed for 40 messages while the phone works, then for 40 more after
 * its platform application is disabled (`/_local/push/disable` mode `application`: every Publish
 * answers `PlatformApplicationDisabled`, as SNS does for an expired APNs certificate). Also counted:
 * the stream records the fan-out reported as failed (each would be retried and hold the shard) and
 * the phone's delivery-log outcomes.
 *
 *   LOG_LEVEL=WARN npx tsx bench/broken-device.ts     (prints a JSON summary)
 *
 * Not part of `npm run bench`: one number for issue 11's closing note, re-runnable.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { startBenchStack } from './stack.js';
import { startDynamoDbLocalOnFreePort } from '../local/dynamodb-local.js';
import { apnsToken, call } from '../test/support/offline.js';
import { benchId, FrameWatch, newAgents, newConversation, registerDevice, visitorPost } from './agents.js';
import { sleep, spread, within } from './util.js';

const MESSAGES = 40;
const WARMUP = 20;

let records = 0;
let failedRecords = 0;
const dynamo = await startDynamoDbLocalOnFreePort();
const stack = await startBenchStack(dynamo.endpoint, {
  rateLimits: false,
  invokeFanout: async (invoke, event: DynamoDBStreamEvent) => {
    const r = await invoke(event);
    records += event.Records.length;
    failedRecords += r?.batchItemFailures?.length ?? 0;
    return r;
  },
});

async function phase(watch: FrameWatch, conv: Awaited<ReturnType<typeof newConversation>>, label: string) {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + MESSAGES; i++) {
    await sleep(Math.random() * 15);
    const body = `${label} #${i}`;
    const t0 = performance.now();
    const arrived = watch.expect(body, t0);
    await visitorPost(stack, conv, body);
    const [ms] = await within(arrived, 30_000, `the frame of ${body}`);
    if (i >= WARMUP) times.push(ms!);
  }
  return spread(times);
}

try {
  const workspaceId = benchId('broken');
  const [desk, phone] = await newAgents(stack, workspaceId, 2);
  const token = apnsToken();
  await registerDevice(stack, phone!.token, 'APNS', token);
  const watch = await FrameWatch.open(stack, [desk!]);
  const conv = await newConversation(stack, workspaceId);
  const before = { records, failedRecords };
  const healthy = await phase(watch, conv, 'healthy');
  const disabled = await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token, mode: 'application' } });
  if (disabled.status !== 200) throw new Error(`disable answered ${disabled.status}`);
  const broken = await phase(watch, conv, 'broken');
  await sleep(1000);
  const log = await call<{ notifications: Array<{ deliveries?: Array<{ channel: string; outcome: string; detail?: string }> }> }>(stack.httpUrl, 'GET', '/v1/me/notifications?limit=100', {
    token: phone!.token,
  });
  const outcomes: Record<string, number> = {};
  for (const n of log.json.notifications ?? [])
    for (const d of n.deliveries ?? []) {
      if (d.channel !== 'mobile') continue;
      const key = d.detail ? `${d.outcome}:${d.detail}` : d.outcome;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  await watch.close();
  console.log(
    JSON.stringify(
      {
        messagesPerPhase: MESSAGES,
        deskFrameMs: { healthy, broken },
        delayP50Ms: Math.round((broken.p50 - healthy.p50) * 10) / 10,
        streamRecords: records - before.records,
        streamRecordsFailed: failedRecords - before.failedRecords,
        phoneDeliveryLog: outcomes,
      },
      null,
      2,
    ),
  );
} finally {
  await stack.stop();
  await dynamo.stop();
}
