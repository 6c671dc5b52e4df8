/**
 * DynamoDB work per visitor message: consumed capacity summed over every handler the message goes
 * through (post-message, then the fan-out with its desktop, mobile and email work), in a workspace
 * alone, then again after another workspace got 1,000 agents and 1,000 live connections. The cost
 * of a message should depend on its own workspace's recipients only: the ratio says whether it does.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../local/stack.js';
import { call } from '../test/support/offline.js';
import { ensureAgent } from '../lambdas/store/agents.js';
import { putConnection } from '../lambdas/store/connections.js';
import { benchId, FrameWatch, newAgents, newConversation, putSettings, registerDevice, visitorPost } from './agents.js';
import { since, type Meter, type Usage } from './meter.js';
import { mapLimit, range, round, within } from './util.js';

export interface CapacityOptions {
  agents: number;
  messages: number;
  otherAgents: number;
  otherConnections: number;
  progress?: (line: string) => void;
}

/** A message's usage (means over the measured messages; `byOperation` is one message's). */
export interface CapacityFigures extends Usage {
  /** Capacity units (read + write) per visitor message, mean over the measured messages. */
  units: number;
  /** Lowest and highest per-message total: the work is deterministic, so they should match. */
  min: number;
  max: number;
}

export interface CapacityResult {
  recipients: number;
  messages: number;
  alone: CapacityFigures;
  otherWorkspace: CapacityFigures & { agents: number; connections: number };
  ratio: number;
}

function summarize(samples: Usage[]): CapacityFigures {
  const totals = samples.map((u) => u.readUnits + u.writeUnits);
  const mean = (f: (u: Usage) => number) => round(samples.reduce((a, u) => a + f(u), 0) / samples.length, 2);
  return {
    units: mean((u) => u.readUnits + u.writeUnits),
    readUnits: mean((u) => u.readUnits),
    writeUnits: mean((u) => u.writeUnits),
    requests: mean((u) => u.requests),
    refusedWrites: mean((u) => u.refusedWrites),
    zeroUnitReads: mean((u) => u.zeroUnitReads),
    min: Math.min(...totals),
    max: Math.max(...totals),
    byOperation: samples.at(-1)?.byOperation ?? {},
  };
}

export async function capacityPerMessage(stack: OfflineStack, meter: Meter, seedDb: DynamoDBDocumentClient, o: CapacityOptions): Promise<CapacityResult> {
  const workspaceId = benchId('bench-capacity');
  const agents = await newAgents(stack, workspaceId, o.agents);
  // Every channel does its work: one agent also has a phone, one also wants reminder emails.
  const deviceToken = benchId('fcm-token');
  await registerDevice(stack, agents[0]!.token, 'GCM', deviceToken);
  await putSettings(stack, agents[1]!.token, { email: true, emailUnreadReminder: true });
  const watch = await FrameWatch.open(stack, agents);
  const conv = await newConversation(stack, workspaceId);
  let n = 0;

  const pushed = async (messageId: string) => {
    for (;;) {
      const r = await call<{ pushes: Array<{ token: string; payload: any }> }>(stack.httpUrl, 'GET', '/_local/push');
      if (r.json.pushes.some((p) => p.token === deviceToken && p.payload?.fcmV1Message?.message?.data?.messageId === messageId)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  /** One message, from before its POST until the fan-out's last request has settled. */
  const measureOne = async (): Promise<Usage> => {
    await meter.idle(100);
    const before = meter.snapshot();
    const body = `capacity ${workspaceId} #${n++}`;
    const frames = watch.expect(body, performance.now());
    const { messageId } = await visitorPost(stack, conv, body);
    await within(Promise.all([frames, pushed(messageId)]), 30_000, `the notifications of ${body}`);
    // The frames and the push come before the fan-out's last writes (sent markers, the due record).
    await meter.idle(150);
    return since(before, meter.snapshot());
  };

  try {
    for (let i = 0; i < 3; i++) await measureOne(); // warm-up
    const alone: Usage[] = [];
    for (let i = 0; i < o.messages; i++) alone.push(await measureOne());
    if (o.otherAgents + o.otherConnections > 0) o.progress?.(`capacity: workspace alone measured; seeding ${o.otherAgents} agents and ${o.otherConnections} connections elsewhere`);

    const other = benchId('bench-other');
    const { tableName } = stack;
    const otherAgents = range(o.otherAgents).map((i) => `agent-${i}`);
    await mapLimit(otherAgents, 16, (agentId) => ensureAgent(seedDb, tableName, { workspaceId: other, agentId, email: `${agentId}@${other}.example.com`, name: agentId }));
    const connectedAt = new Date().toISOString();
    await mapLimit(range(o.otherConnections), 16, (i) =>
      putConnection(seedDb, tableName, { connectionId: `${other}-conn-${i}`, workspaceId: other, agentId: otherAgents[i % otherAgents.length]!, connectedAt }),
    );

    // Nothing seeded elsewhere (the 100-recipient run): a second pass would measure the same thing again.
    const crowded: Usage[] = o.otherAgents + o.otherConnections === 0 ? alone : [];
    if (crowded !== alone) for (let i = 0; i < o.messages; i++) crowded.push(await measureOne());
    const a = summarize(alone);
    const c = summarize(crowded);
    return {
      recipients: o.agents,
      messages: o.messages,
      alone: a,
      otherWorkspace: { ...c, agents: o.otherAgents, connections: o.otherConnections },
      ratio: round(c.units / a.units, 3),
    };
  } finally {
    await watch.close();
  }
}

/** The `capacity` scenario: 10 recipients (alone and beside a crowded workspace), then 100. */
export interface CapacityScenario {
  capacity_per_message: number;
  capacity_100_recipients: number;
  /** (units at 100 recipients − units at 10) / 90. */
  capacity_slope_per_recipient: number;
  ten: CapacityResult;
  hundred: CapacityResult;
}
