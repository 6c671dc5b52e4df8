/**
 * One benchmark scenario in a process of its own, with an offline stack of its own. The handlers
 * read their configuration once per process, so the 500 ms poller needs a process apart; the
 * others get one too, so no scenario runs in a heap another one has warmed or filled.
 *
 * Started by run.ts with an IPC channel: it sends `{progress}` lines and one `{result, load}` (the
 * 1-minute load average before and after: other work on the machine shows up there) or `{error}`,
 * and stops its stack and exits if the parent goes away.
 */
import { loadavg } from 'node:os';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../local/stack.js';
import { startBenchStack } from './stack.js';
import { dynamo } from '../lambdas/platform/clients.js';
import { attachMeter } from './meter.js';
import { desktopLatency } from './desktop.js';
import { mobileLatency } from './mobile.js';
import { capacityPerMessage, type CapacityScenario } from './capacity.js';
import { reminderCost } from './reminder.js';
import { loadRun } from './load.js';
import { benchId } from './agents.js';
import { localDocClient } from '../local/client-config.js';

export type Scenario = 'pipeline' | 'desktop1000' | 'poller500' | 'reminder' | 'load' | 'capacity';

export interface ChildRequest {
  scenario: Scenario;
  quick: boolean;
  dynamoEndpoint: string;
  /** The parent's DynamoDB Local: if the parent dies without cleaning up (SIGKILL), this process does it. */
  dynamoPid?: number;
}

/** Resolves once the message is handed to the channel: exiting earlier could drop it. */
const send = (m: unknown) => new Promise<void>((resolve) => (process.send ? process.send(m, undefined, {}, () => resolve()) : resolve()));
const progress = (line: string) => void send({ progress: line });

async function runScenario(req: ChildRequest, stack: OfflineStack, seedDb: DynamoDBDocumentClient): Promise<unknown> {
  const q = req.quick;
  switch (req.scenario) {
    case 'pipeline': {
      const desktop: Record<string, unknown> = {};
      for (const [agents, messages, full] of [
        [1, 100, 500],
        [10, 120, 500],
        // 200 in a full run: the p99 until the last of 100 frames is a target (issue 12).
        [100, 20, 200],
      ] as const) {
        progress(`desktop latency, ${agents} agent(s)`);
        const d = await desktopLatency(stack, { agents, messages: q ? messages : full, conversations: 10, warmup: 10, thinkMs: 15, progress });
        progress(`  frame p50 ${d.frame.p50} / p95 ${d.frame.p95} / p99 ${d.frame.p99} ms; all recipients p50 ${d.allRecipients.p50} / p99 ${d.allRecipients.p99} ms; POST p50 ${d.post.p50} ms`);
        desktop[agents] = d;
      }
      progress('mobile latency');
      const mobile = await mobileLatency(stack, { messages: q ? 50 : 200, warmup: 5, thinkMs: 15, progress });
      progress(`  push p50 ${mobile.push.p50} / p99 ${mobile.push.p99} ms`);
      return { desktop, mobile };
    }
    case 'desktop1000': {
      // Issue 12: 1,000 agents, scope all, one socket each; the figure is POST → the LAST frame.
      // Above the fan-out's threshold the sends go through fanout-work (the local SQS double).
      progress('desktop latency, 1,000 agents, scope all');
      const d = await desktopLatency(stack, {
        agents: 1000,
        messages: q ? 5 : 30,
        conversations: 5,
        warmup: 2,
        thinkMs: 15,
        settings: { scope: 'all' },
        frameTimeoutMs: 120_000,
        progress,
      });
      progress(`  until the last frame p50 ${d.allRecipients.p50} / p99 ${d.allRecipients.p99} ms; per frame p50 ${d.frame.p50} ms; POST p50 ${d.post.p50} ms`);
      return d;
    }
    case 'capacity': {
      // Issue 12: units per message at 10 recipients (alone, then beside a crowded workspace), and
      // the slope per extra recipient (10 vs 100 recipients).
      const meter = attachMeter(dynamo());
      progress('capacity per message, 10 recipients');
      const ten = await capacityPerMessage(stack, meter, seedDb, { agents: 10, messages: q ? 5 : 20, otherAgents: q ? 100 : 1000, otherConnections: q ? 100 : 1000, progress });
      progress(`  10 recipients: ${ten.alone.units} units alone, ${ten.otherWorkspace.units} beside the crowded workspace`);
      progress('capacity per message, 100 recipients');
      const hundred = await capacityPerMessage(stack, meter, seedDb, { agents: 100, messages: q ? 5 : 10, otherAgents: 0, otherConnections: 0, progress });
      progress(`  100 recipients: ${hundred.alone.units} units`);
      const slope = Math.round(((hundred.alone.units - ten.alone.units) / 90) * 1000) / 1000;
      progress(`  slope ${slope} units per extra recipient`);
      const result: CapacityScenario = { capacity_per_message: ten.alone.units, capacity_100_recipients: hundred.alone.units, capacity_slope_per_recipient: slope, ten, hundred };
      return result;
    }
    case 'poller500': {
      progress('desktop latency, 10 agents, 500 ms poller');
      const d = await desktopLatency(stack, { agents: 10, messages: q ? 40 : 120, conversations: 10, warmup: 3, thinkMs: 500, progress });
      progress(`  frame p50 ${d.frame.p50} / p95 ${d.frame.p95} / p99 ${d.frame.p99} ms`);
      return d;
    }
    case 'reminder': {
      const meter = attachMeter(dynamo());
      const r = await reminderCost(stack, meter, seedDb, { small: [10, 100], added: [99, 1000], repeat: 5, progress });
      progress(`  read units ${r.small.readUnits} → ${r.large.readUnits}; ${r.small.ms} ms → ${r.large.ms} ms`);
      progress(`  10k due agents: ${r.scale.seconds} s (${r.scale.workItems} work items), ${r.scale.duePartitionKeys} due partition keys for 1,000 obligations`);
      return r;
    }
    case 'load': {
      const r = await loadRun(stack, { visitors: q ? 20 : 50, messages: q ? 10 : 20, agents: q ? 10 : 20, perVisitorInFlight: 4, progress });
      progress(`  ${r.posted} posted, ${r.stored} stored, ${r.seqProblems} seq problems, ${r.fiveXX} 5xx, frames lost ${r.framesLost} / duplicated ${r.framesDuplicated}; POST p99 ${r.post.p99} ms`);
      return r;
    }
  }
}

async function main(req: ChildRequest): Promise<void> {
  const tableName = benchId(`bench-${req.scenario}`);
  const stack = await startBenchStack(req.dynamoEndpoint, {
    tableName,
    // The benchmarks measure delivery with many conversations from one address; bench/flood.ts measures the limits.
    rateLimits: false,
    pollIntervalMs: req.scenario === 'poller500' ? 500 : 15,
    // The reminder figures time the run, not SPEC §4's grace period, and the local SES has no
    // send rate: 1,000 per second (250 per worker) keeps the pacing out of the machinery's time.
    reminderMinAgeS: 0,
    sesMaxSendRate: 1000,
    log: (line) => {
      if (/fail|error|warning/i.test(line)) progress(`stack: ${line}`);
    },
  });
  const seedDb = localDocClient(req.dynamoEndpoint);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop().catch(() => undefined);
    seedDb.destroy();
  };
  process.once('disconnect', () => {
    if (req.dynamoPid) {
      try {
        process.kill(req.dynamoPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    void stop().finally(() => process.exit(1));
  });
  try {
    const loadAtStart = loadavg()[0]!;
    const result = await runScenario(req, stack, seedDb);
    await send({ result, load: { atStart: loadAtStart, atEnd: loadavg()[0]! } });
  } finally {
    await stop();
  }
}

const req = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
main(req).then(
  () => process.exit(0),
  async (e: unknown) => {
    await send({ error: (e as Error)?.stack ?? String(e) });
    process.exit(1);
  },
);
