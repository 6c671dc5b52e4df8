/**
 * Faults through the whole offline stack (issue 8): the channels answer the way AWS fails
 * (fault proxies in front of the local SNS, the local SES and the `@connections` API), the stream
 * mapping redelivers and retries, invocations crash mid-send, reminder runs overlap or die.
 * Every scenario counts what arrived at the receiving ends — frames at the agents' sockets,
 * pushes at the local SNS, mail at the local SES — against what SPEC says should arrive, and
 * prints `lost N, duplicated N`.
 *
 * A crashed invocation is emulated as Lambda would end it: the invocation fails, and the sends it
 * had in flight never complete (the proxy holds them for good, so they can never land late).
 * The fan-out's guard is written after a record's sends, so a crash between a send and that write
 * repeats that send on the retry (asserted as such: at most once more, never lost); the reminder's
 * 4-minute lease is waited out by moving the clock (Date only).
 */
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { OfflineStack } from '../../local/stack.js';
import { call, eventually, startTestStack } from '../support/offline.js';
import { connectionIdOf, connectionsError, HOLD, PASS, queryError, startFaultProxy, type FaultProxy, type ProxiedRequest, type Verdict } from '../support/fault-proxy.js';
import { Scenario, tally, type Agent } from '../support/scenario.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { getConnection } from '../../lambdas/store/connections.js';
import { getDevice } from '../../lambdas/store/devices.js';
import { guardEntries } from '../../lambdas/store/notifications.js';

let stack: OfflineStack;
let s: Scenario;
let conns: FaultProxy;
let sns: FaultProxy;
let ses: FaultProxy;
let reminder: (event?: unknown, context?: { awsRequestId: string }) => Promise<{ agentsEmailed: number; conversations: number; failed: number }>;

// ---------------------------------------------------------------------------------------------
// The fan-out's "Lambda runtime": how the stream mapping's invocations run.

type Mode = { kind: 'normal' } | { kind: 'twice' } | { kind: 'crash'; crashed: Promise<void>; used: boolean };
let mode: Mode = { kind: 'normal' };
let inFlight = 0;
let crashes = 0;
/** messageId → invocations that handled it without reporting it failed. */
const handled = new Map<string, number>();
/** Responses that reported failed records (the partial-batch retry path). */
const partialFailures: DynamoDBBatchResponse[] = [];
/** messageId → invocations that were handed it, failed or not (a retried record counts each time). */
const invoked = new Map<string, number>();

function messageIdOf(r: DynamoDBStreamEvent['Records'][number]): string | undefined {
  return r.dynamodb?.NewImage?.messageId?.S;
}

function note(event: DynamoDBStreamEvent, r: DynamoDBBatchResponse | undefined) {
  const failed = new Set((r?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  if (failed.size) partialFailures.push(r!);
  for (const rec of event.Records) {
    const id = messageIdOf(rec);
    if (id) invoked.set(id, (invoked.get(id) ?? 0) + 1);
    if (id && !failed.has(rec.dynamodb?.SequenceNumber ?? '')) handled.set(id, (handled.get(id) ?? 0) + 1);
  }
}

async function runtime(invoke: (e: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>, event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse | undefined> {
  inFlight++;
  try {
    const m = mode;
    if (m.kind === 'crash' && !m.used) {
      m.used = true;
      const running = invoke(event);
      running.catch(() => undefined); // the dead invocation's own fate no longer matters
      const died = m.crashed.then(() => {
        crashes++;
        throw Object.assign(new Error('RequestId: local Error: Runtime exited with error: signal: killed'), { name: 'Runtime.ExitError' });
      });
      return await Promise.race([running, died]);
    }
    const first = await invoke(event);
    note(event, first);
    if (m.kind !== 'twice') return first;
    // At-least-once: the same records handed over again, as after a lost checkpoint.
    const again = await invoke(event);
    note(event, again);
    return again;
  } finally {
    inFlight--;
  }
}

/** Until every one of these messages went through an invocation that did not fail it, and nothing runs. */
function fannedOut(messageIds: string[]) {
  return eventually(() => inFlight === 0 && messageIds.every((id) => (handled.get(id) ?? 0) > 0), `fan-out of ${messageIds.length} message(s)`, 30_000);
}

// Only Date moves: timers, sockets and the SDK keep real time.
const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;
let clockFaked = false;
/** Move the wall clock forward (a lease running out, the next 5-minute tick); it keeps ticking from there. */
function advanceClock(ms: number) {
  const to = Date.now() + ms;
  if (!clockFaked) {
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], now: to, advanceTimers: true });
    clockFaked = true;
  } else {
    jest.setSystemTime(to);
  }
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  stack = await startTestStack({ invokeFanout: runtime });
  // The channel endpoints the handlers use, each behind a fault proxy. The handlers read their
  // configuration and build their clients on first use, and nothing has been sent yet.
  conns = await startFaultProxy(process.env.WS_CALLBACK_URL!);
  sns = await startFaultProxy(process.env.SNS_ENDPOINT!);
  ses = await startFaultProxy(process.env.SES_ENDPOINT!);
  process.env.WS_CALLBACK_URL = conns.url;
  process.env.SNS_ENDPOINT = sns.url;
  process.env.SES_ENDPOINT = ses.url;
  resetConfigForTests();
  ({ handler: reminder } = (await import('../../lambdas/handlers/reminder.js')) as unknown as { handler: typeof reminder });
  s = new Scenario(stack);
});

afterEach(() => {
  mode = { kind: 'normal' };
  for (const p of [conns, sns, ses]) p?.setRule(undefined);
});

afterAll(async () => {
  if (clockFaked) jest.useRealTimers();
  await s?.close();
  await Promise.all([conns?.close(), sns?.close(), ses?.close()]);
  await stack?.stop();
});

const isPublish = (r: ProxiedRequest) => r.form.get('Action') === 'Publish';
const isSendEmail = (r: ProxiedRequest) => r.form.get('Action') === 'SendRawEmail';
const mailsTo = (mails: Array<{ to: string[] }>, a: Agent) => mails.filter((m) => m.to.includes(a.email)).length;

/** Desktop frames due: every socket of every agent, once per message. */
function frameCounts(agents: Agent[], messageIds: string[]): number[] {
  return agents.flatMap((a) => a.sockets.flatMap(({ socket }) => messageIds.map((id) => Scenario.frames(socket, id))));
}

async function pushCounts(agents: Agent[], messageIds: string[]): Promise<number[]> {
  const pushes = await s.pushes();
  return agents.flatMap((a) => messageIds.map((id) => Scenario.pushCount(pushes, a.device!.token, id)));
}

function expectClean(t: { lost: number; duplicated: number; unexpected: number }) {
  expect({ lost: t.lost, duplicated: t.duplicated, unexpected: t.unexpected }).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
}

// ---------------------------------------------------------------------------------------------

test('every stream batch delivered twice: each frame and each push arrives once', async () => {
  mode = { kind: 'twice' };
  const agents = await s.team(4, { scope: 'all' }, { sockets: 1, platform: 'GCM' });
  const ids: string[] = [];
  for (const name of ['Ann', 'Bo']) {
    const v = await s.visitor(agents[0]!.workspaceId, name);
    for (let i = 1; i <= 3; i++) ids.push(await s.says(v, `${name} #${i}`));
  }
  await fannedOut(ids);
  await s.flush(agents);
  expect(ids.every((id) => handled.get(id)! >= 2)).toBe(true);
  expect(sns.seen()).toBeGreaterThan(0); // the pushes really went through the proxy
  expectClean(tally('delivered twice — desktop', frameCounts(agents, ids)));
  expectClean(tally('delivered twice — mobile', await pushCounts(agents, ids)));
});

test('partial batch failure: the failed record is retried, nothing already sent is sent again', async () => {
  const agents = await s.team(3, { scope: 'all', mobile: false }, { sockets: 1 });
  const flaky = agents[1]!.sockets[0]!.connectionId;
  // The flaky socket answers 500 until the fan-out has given a record back through
  // batchItemFailures. A fixed count would not do: when the three messages share one batch their
  // sends interleave, and a few 500s spread over three messages stay within the SDK's own attempts.
  const failedBefore = partialFailures.length;
  let refused = 0;
  conns.setRule((r) => {
    if (connectionIdOf(r) !== flaky || partialFailures.length > failedBefore) return PASS;
    refused++;
    return connectionsError(500);
  });
  const ids: string[] = [];
  const v1 = await s.visitor(agents[0]!.workspaceId, 'Cy');
  const v2 = await s.visitor(agents[0]!.workspaceId, 'Di');
  ids.push(await s.says(v1, 'one'), await s.says(v2, 'two'), await s.says(v1, 'three'));
  await fannedOut(ids);
  await s.flush(agents);
  expect(partialFailures.length).toBeGreaterThan(failedBefore);
  expect(refused).toBeGreaterThanOrEqual(3); // at least one message's every SDK attempt was refused
  expectClean(tally('partial batch failure and retry — desktop', frameCounts(agents, ids)));
});

test('the fan-out crashing mid-send after k of n frames went out: nobody is lost; only the k sent before the crash can get it again, with the same messageId', async () => {
  const n = 6;
  const k = 2;
  const agents = await s.team(n, { scope: 'all', mobile: false }, { sockets: 1 });
  const ours = new Set(agents.map((a) => a.sockets[0]!.connectionId));
  let crashed: () => void = () => undefined;
  mode = { kind: 'crash', crashed: new Promise<void>((r) => (crashed = r)), used: false };
  // The crash point: every send has reached the gateway; k are let through, the rest die with the invocation.
  let dead = false;
  const arrived: Array<(v: Verdict) => void> = [];
  conns.setRule((r) => {
    if (dead || !ours.has(connectionIdOf(r) ?? '')) return PASS;
    return {
      kind: 'wait',
      until: new Promise<Verdict>((decide) => {
        arrived.push(decide);
        if (arrived.length === n) arrived.forEach((d, i) => d(i < k ? PASS : HOLD));
      }),
    };
  });

  const v = await s.visitor(agents[0]!.workspaceId, 'Eve');
  const id = await s.says(v, 'anyone there?');
  await eventually(() => agents.filter((a) => Scenario.frames(a.sockets[0]!.socket, id) > 0).length === k, `${k} frames`);
  expect(conns.held()).toBe(n - k);
  // The guard is written once, after the record's sends: the dying invocation recorded nothing.
  expect(await guardEntries(dynamo(), stack.tableName, id)).toEqual([]);
  const firstK = new Set(agents.filter((a) => Scenario.frames(a.sockets[0]!.socket, id) > 0).map((a) => a.agentId));

  dead = true;
  crashed();
  await fannedOut([id]);
  await s.flush(agents);
  expect(crashes).toBe(1);
  expect(conns.held()).toBe(n - k); // nothing the dead invocation had in flight was ever delivered
  const counts = agents.map((a) => Scenario.frames(a.sockets[0]!.socket, id));
  const t = tally(`fan-out crash after ${k} of ${n} recipients — desktop (repeats allowed for the ${k} sent before the crash)`, counts);
  expect(t.lost).toBe(0);
  // The exact guarantee: a target whose send went out but was not recorded is sent once more, never
  // more; everyone else exactly once. The repeat carries the same messageId (the console drops it).
  agents.forEach((a, i) => expect(counts[i]).toBeLessThanOrEqual(firstK.has(a.agentId) ? 2 : 1));
  expect((await guardEntries(dynamo(), stack.tableName, id)).map((g) => g.outcome)).toEqual(Array(n).fill('sent'));
  // And once recorded, a redelivery of the record sends nothing more.
  mode = { kind: 'twice' };
  const again = await s.says(v, 'still there?');
  await fannedOut([again]);
  await s.flush(agents);
  expect(agents.map((a) => Scenario.frames(a.sockets[0]!.socket, id))).toEqual(counts);
  expectClean(tally('after the crash, a record delivered twice — desktop', frameCounts(agents, [again])));
});

test('@connections answering 410 and 500: the gone connection is forgotten at once, the 500s are retried', async () => {
  const [a, b] = await s.team(2, { scope: 'all', mobile: false }, { sockets: 1 });
  const second = await s.connect(a!);
  const gone = a!.sockets[0]!.connectionId;
  const busy = b!.sockets[0]!.connectionId;
  let busyFailures = 2; // within the SDK's own attempts: no stream retry needed
  conns.setRule((r) => {
    const target = connectionIdOf(r);
    if (target === gone) return connectionsError(410);
    if (target === busy && busyFailures-- > 0) return connectionsError(500);
    return PASS;
  });
  const v = await s.visitor(a!.workspaceId, 'Flo');
  const ids = [await s.says(v, 'first'), await s.says(v, 'second'), await s.says(v, 'third')];
  await fannedOut(ids);
  await s.flush([a!, b!]);

  expect(conns.seen((r) => connectionIdOf(r) === gone)).toBe(1); // forgotten at the first failed post
  expect(await getConnection(dynamo(), stack.tableName, gone)).toBeUndefined();
  expect(busyFailures).toBeLessThan(0);
  const due = [...ids.map((id) => Scenario.frames(second.socket, id)), ...ids.map((id) => Scenario.frames(b!.sockets[0]!.socket, id))];
  const goneSocket = a!.sockets[0]!.socket;
  expectClean(
    tally(
      '@connections 410 and 500 — desktop',
      due,
      ids.map((id) => Scenario.frames(goneSocket, id)),
    ),
  );
});

test('SNS throttling and EndpointDisabled: throttled pushes arrive once, a disabled endpoint is skipped until re-registered', async () => {
  const agents = await s.team(4, { scope: 'all', desktop: false }, { platform: 'APNS' });
  const [a, , , d] = agents as [Agent, Agent, Agent, Agent];
  // A's endpoint is throttled past the SDK's three attempts (a stream retry), then once more.
  let throttles = 4;
  sns.setRule((r) => (isPublish(r) && r.form.get('TargetArn') === a.device!.endpointArn && throttles-- > 0 ? queryError(400, 'Throttling', 'Rate exceeded') : PASS));
  const disabled = await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: d.device!.token } });
  expect(disabled.json.disabled).toBe(true);

  const v = await s.visitor(a.workspaceId, 'Gus');
  const ids = [await s.says(v, 'one'), await s.says(v, 'two'), await s.says(v, 'three')];
  await fannedOut(ids);
  expect(throttles).toBeLessThan(0);
  expect((await getDevice(dynamo(), stack.tableName, d, d.device!.deviceId))?.enabled).toBe(false);
  const live = agents.slice(0, 3);
  expectClean(tally('SNS throttling and EndpointDisabled — mobile', await pushCounts(live, ids), await pushCounts([d], ids)));

  // Registering the token again enables it: the next message reaches all four, once.
  await s.registerDevice(d, 'APNS', d.device!.token);
  const next = await s.says(v, 'four');
  await fannedOut([next]);
  expectClean(tally('after re-registering — mobile', await pushCounts(agents, [next])));
});

/** Agents who want email, each owed one reminder (one visitor message, fanned out). */
async function owedReminders(n: number, name: string): Promise<Agent[]> {
  const agents = await s.team(n, { scope: 'all', email: true, emailUnreadReminder: true }, { name });
  const v = await s.visitor(agents[0]!.workspaceId, 'Hal');
  await fannedOut([await s.says(v, 'please email me')]);
  return agents;
}

test('SES throttling: the reminder run retries and every agent gets one email', async () => {
  const agents = await owedReminders(3, 'throttled');
  let throttles = 4;
  ses.setRule((r) => (isSendEmail(r) && throttles-- > 0 ? queryError(400, 'Throttling', 'Maximum sending rate exceeded.') : PASS));
  const r = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(r.json).toEqual({ agentsEmailed: 3, conversations: 3, failed: 0 });
  expect(ses.seen(isSendEmail)).toBeGreaterThanOrEqual(3 + 4);
  const mails = await s.emails();
  expectClean(
    tally(
      'SES throttling — email',
      agents.map((a) => mailsTo(mails, a)),
    ),
  );
  expect(await reminder({}, { awsRequestId: randomUUID() })).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });
});

test("two reminder runs at once (and the schedule's own run beside them): one email per agent", async () => {
  const agents = await owedReminders(6, 'overlap');
  const [r1, r2, scheduled] = await Promise.all([
    reminder({}, { awsRequestId: randomUUID() }),
    reminder({}, { awsRequestId: randomUUID() }),
    call(stack.httpUrl, 'POST', '/_local/reminders/run').then((r) => r.json as { agentsEmailed: number; failed: number }),
  ]);
  expect(r1.agentsEmailed + r2.agentsEmailed + scheduled.agentsEmailed).toBe(6);
  expect(r1.failed + r2.failed + scheduled.failed).toBe(0);
  const mails = await s.emails();
  expectClean(
    tally(
      'two reminder runs at once — email',
      agents.map((a) => mailsTo(mails, a)),
    ),
  );
});

test('a reminder run killed after k of n agents: nothing is lost, nothing is sent twice', async () => {
  const n = 8;
  const k = 2;
  const agents = await owedReminders(n, 'killed');
  // The run's SES sends: k go out, every later one dies with the run.
  let letThrough = k;
  let dead = false;
  ses.setRule((r) => (!isSendEmail(r) || dead ? PASS : letThrough-- > 0 ? PASS : HOLD));
  const killed = reminder({}, { awsRequestId: randomUUID() });
  killed.catch(() => undefined);
  // The run is stuck at its sends: each of its 4 workers (reminder.ts CONCURRENCY) holds an agent whose email never completes.
  await eventually(() => ses.held() === 4, 'the run stuck at its sends');
  const emailedSoFar = async () => {
    const mails = await s.emails();
    return agents.reduce((sum, a) => sum + mailsTo(mails, a), 0);
  };
  await eventually(async () => (await emailedSoFar()) === k, `${k} emails`);
  dead = true;

  // The next run at once: the agents nobody claimed are emailed; those the dead run holds wait for its lease.
  const next = await reminder({}, { awsRequestId: randomUUID() });
  expect(next).toEqual({ agentsEmailed: n - k - 4, conversations: n - k - 4, failed: 0 });
  // Five minutes later (the next tick; the lease is 4 minutes) the rest go out.
  advanceClock(5 * 60_000);
  const later = await reminder({}, { awsRequestId: randomUUID() });
  expect(later).toEqual({ agentsEmailed: 4, conversations: 4, failed: 0 });
  expect(await reminder({}, { awsRequestId: randomUUID() })).toEqual({ agentsEmailed: 0, conversations: 0, failed: 0 });

  expect(ses.held()).toBe(4); // the dead run's sends never went out
  const mails = await s.emails();
  expectClean(
    tally(
      `reminder run killed after ${k} of ${n} agents — email`,
      agents.map((a) => mailsTo(mails, a)),
    ),
  );
});

// ---------------------------------------------------------------------------------------------
// Provider failures retrying cannot cure (SPEC §8): recorded, never retried, the shard moves on.

test('a deleted endpoint and a disabled platform application: the others are notified once, the records are not retried', async () => {
  const [ok] = await s.team(1, { scope: 'all' }, { sockets: 1, platform: 'GCM' });
  const workspaceId = ok!.workspaceId;
  const [deleted] = await s.team(1, { scope: 'all' }, { platform: 'GCM', workspaceId });
  const [appOff] = await s.team(1, { scope: 'all' }, { platform: 'APNS_SANDBOX', workspaceId });
  // Disabling an application disables all its endpoints: the sandbox one is used by no other case here.
  for (const [a, mode] of [
    [deleted!, 'deleted'],
    [appOff!, 'application'],
  ] as const) {
    const r = await call(stack.httpUrl, 'POST', '/_local/push/disable', { body: { token: a.device!.token, mode } });
    expect(r.json).toEqual({ token: a.device!.token, disabled: true });
  }
  const failuresBefore = partialFailures.length;
  const v1 = await s.visitor(workspaceId, 'Ida');
  const v2 = await s.visitor(workspaceId, 'Jon');
  const ids = [await s.says(v1, 'one'), await s.says(v2, 'two'), await s.says(v1, 'three')];
  await fannedOut(ids);
  await s.flush([ok!]);

  expectClean(tally('deleted endpoint and disabled application — the healthy agent, mobile', await pushCounts([ok!], ids), await pushCounts([deleted!, appOff!], ids)));
  expectClean(tally('deleted endpoint and disabled application — the healthy agent, desktop', frameCounts([ok!], ids)));
  // Each record went through one invocation: nothing reported it failed, nothing handed it back.
  expect(ids.map((id) => invoked.get(id))).toEqual([1, 1, 1]);
  expect(partialFailures.length).toBe(failuresBefore);
  // The deleted endpoint's device is disabled (not tried again); the application's device is not the
  // device's fault and stays enabled, its refusals recorded on the guard items.
  expect((await getDevice(dynamo(), stack.tableName, deleted!, deleted!.device!.deviceId))?.enabled).toBe(false);
  expect((await getDevice(dynamo(), stack.tableName, appOff!, appOff!.device!.deviceId))?.enabled).toBe(true);
  const guards = await guardEntries(dynamo(), stack.tableName, ids[0]!);
  const mobile = guards.filter((it) => it.channel === 'mobile').map((it) => [it.target, it.outcome, it.detail, it.errorName]);
  expect(mobile).toEqual(
    expect.arrayContaining([
      [`${deleted!.agentId}#${deleted!.device!.deviceId}`, 'disabled', 'endpoint_deleted', 'InvalidParameterException'],
      [`${appOff!.agentId}#${appOff!.device!.deviceId}`, 'rejected', 'provider_error', 'PlatformApplicationDisabledException'],
      [`${ok!.agentId}#${ok!.device!.deviceId}`, 'sent', undefined, undefined],
    ]),
  );
});

test("the shard's delay with one broken device: a message in another conversation is not held behind it (measured, printed)", async () => {
  const [ok] = await s.team(1, { scope: 'all', mobile: false }, { sockets: 1 });
  const [broken] = await s.team(1, { scope: 'all', desktop: false }, { platform: 'APNS', workspaceId: ok!.workspaceId });
  const v1 = await s.visitor(ok!.workspaceId, 'Kai');
  const v2 = await s.visitor(ok!.workspaceId, 'Lou');
  const socket = ok!.sockets[0]!.socket;
  // Baseline: the same kind of message with nothing broken before it (the broken agent hears it too).
  sns.setRule(undefined);
  const baselineStart = Date.now();
  const baseline = await s.says(v2, 'baseline');
  await eventually(() => Scenario.frames(socket, baseline) > 0, 'the baseline frame', 60_000);
  const baselineMs = Date.now() - baselineStart;
  await fannedOut([baseline]);
  // SNS answers as for an expired APNs certificate, for this device's endpoint only (the proxy, so the
  // same measurement runs on a branch without the local SNS's application switch).
  sns.setRule((r) => (isPublish(r) && r.form.get('TargetArn') === broken!.device!.endpointArn ? queryError(400, 'PlatformApplicationDisabled', 'Platform application is disabled') : PASS));
  const seenBefore = sns.seen((r) => isPublish(r) && r.form.get('TargetArn') === broken!.device!.endpointArn);
  const first = await s.says(v1, 'to the broken phone');
  const postedAt = Date.now();
  const second = await s.says(v2, 'another conversation');
  await eventually(() => Scenario.frames(socket, second) > 0, "the second message's frame", 60_000);
  const delayMs = Date.now() - postedAt;
  const refusals = () => sns.seen((r) => isPublish(r) && r.form.get('TargetArn') === broken!.device!.endpointArn) - seenBefore;
  console.log(
    `shard delay with one broken device: the second message's frame arrived ${delayMs} ms after its POST (baseline, nothing broken: ${baselineMs} ms); by then, publishes to the broken endpoint: ${refusals()}, invocations done with the first record: ${invoked.get(first) ?? 0}`,
  );
  await fannedOut([first, second]);
  console.log(`once both were fanned out: publishes to the broken endpoint ${refusals()}, invocations of the first record ${invoked.get(first)}, of the second ${invoked.get(second)}`);
  expect([invoked.get(first), invoked.get(second)]).toEqual([1, 1]);
});
