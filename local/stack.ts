/**
 * The offline stack: the whole system on one machine, no AWS account (SPEC §9). DynamoDB Local
 * with the shared table definition, the real handlers behind local HTTP and WebSocket gateways
 * driven by lib/routes.ts, the table's stream feeding the fan-out as the event source mapping
 * would, local SNS and SES, the reminder on its schedule, and the `/_local/` helpers.
 *
 * Handlers run in this process and read their configuration from process.env, lazily: the stack
 * sets the environment before it imports any handler. So one process (one jest module registry)
 * holds one stack at a time.
 */
import type { LocalEnv } from '../lambdas/platform/env-names.js';
import { apiDocs } from './api-docs.js';
import { createServer, type RequestListener, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { BACKGROUND, HTTP_ROUTES, WS_AUTHORIZER, WS_ROUTES, QUEUES, type WorkQueue } from '../lib/routes.js';
import { FANOUT_FILTER } from '../lambdas/store/table.js';
import { startDynamoDbLocal, type RunningDynamo } from './dynamodb-local.js';
import { ensureTable } from './tables.js';
import { createIssuer, type LocalIssuer } from './issuer.js';
import { loadHandler, loadHandlerFrom, type LoadedHandler } from './invoke.js';
import { createHttpGateway, type LocalRequest, type LocalResponse } from './http-gateway.js';
import { startWsGateway, type WsGateway } from './ws-gateway.js';
import { localHelpers } from './local-helpers.js';
import { startSnsServer } from './sns-server.js';
import { startLocalSes } from './ses.js';
import { startStreamPoller } from './stream-poller.js';
import { startSqsServer } from './sqs-server.js';
import { startSqsPoller } from './sqs-poller.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ensureAgent } from '../lambdas/store/agents.js';
import { dynamo as docClient } from '../lambdas/platform/clients.js';
import { localClientConfig } from './client-config.js';
import { checkPortFree, PortInUseError } from './free-port.js';

export interface OfflineStackOptions {
  httpPort?: number;
  wsPort?: number;
  dynamoPort?: number;
  snsPort?: number;
  sesPort?: number;
  /** The local SQS (default 9324, LOCAL_SQS_PORT). */
  sqsPort?: number;
  /**
   * The work queues (default lib/routes.ts QUEUES). Tests pass their own: shorter visibility
   * timeouts, or a consumer loaded from `consumerModule` (a path) instead of lambdas/handlers/.
   */
  queues?: readonly LocalWorkQueue[];
  /** Seconds between reminder runs; 0 turns the schedule off (POST /_local/reminders/run still works). */
  reminderIntervalS?: number;
  /** SPEC §4 ReminderMinAgeSeconds (default `LOCAL_REMINDER_MIN_AGE_S`, else 60); the test stack sets 0. */
  reminderMinAgeS?: number;
  /** SES's maximum send rate the reminder paces to (default `LOCAL_SES_MAX_SEND_RATE`, else 14 per second). */
  sesMaxSendRate?: number;
  /** Seconds between connection-expiry sweeps (default 60, as the rule on AWS); 0 turns them off. */
  connectionExpiryIntervalS?: number;
  /** Keep DynamoDB data under .local-data/ instead of in memory. */
  persist?: boolean;
  /** SPEC §10.2 rate limits (default on; `LOCAL_RATE_LIMITS=0` turns them off). The test stack turns them off unless a test asks. */
  rateLimits?: boolean;
  log?: (line: string) => void;
  /** Told as each slow start-up step begins (`npm start` prints them: start-up takes a while). */
  progress?: (step: string) => void;
  /** Use a DynamoDB (Local) that is already running instead of starting one (jest's, say). */
  dynamoEndpoint?: string;
  tableName?: string;
  /**
   * Delete the table when the stack stops (tests sharing one DynamoDB Local: what a finished file
   * wrote, 1,000 agents' worth for some, would otherwise slow every file after it).
   */
  dropTableOnStop?: boolean;
  /** Turn on the table's TTL (default true; test stacks turn it off: local/tables.ts says why). */
  tableTtl?: boolean;
  /** Build and serve the web console and demo (default true). */
  web?: boolean;
  /** The stream poller's sleep after an empty poll (default 15 ms); the benchmark compares 500 ms. */
  pollIntervalMs?: number;
  /**
   * Test hook: how one fan-out invocation by the stream mapping runs, as the Lambda runtime would
   * run it. The hardening tests use it to deliver a batch twice or to crash an invocation mid-send.
   */
  invokeFanout?: (invoke: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>, event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
}

/** A QUEUES entry as the offline stack takes it: optionally with a consumer module of a test's own. */
export type LocalWorkQueue = WorkQueue & { consumerModule?: string };

/** Parallel invocations per queue offline when the entry sets no consumerConcurrency (Lambda starts with 5 pollers). */
const LOCAL_CONSUMER_CONCURRENCY = 5;

export interface OfflineStack {
  httpUrl: string;
  /** The local SQS's endpoint; queue URLs are {sqsUrl}/000000000000/{id}. */
  sqsUrl: string;
  wsUrl: string;
  sesInboxUrl: string;
  dynamoEndpoint: string;
  tableName: string;
  /** The issuer the stack trusts: tests sign expired, not-yet-valid, wrong-audience ... tokens with its key. */
  issuer: Pick<LocalIssuer, 'issuer' | 'audience' | 'sign'>;
  stop(): Promise<void>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL_DATA = join(ROOT, '.local-data');

const PORTS = {
  httpPort: { env: 'LOCAL_HTTP_PORT', fallback: 3000 },
  wsPort: { env: 'LOCAL_WS_PORT', fallback: 3001 },
  dynamoPort: { env: 'LOCAL_DYNAMODB_PORT', fallback: 8000 },
  snsPort: { env: 'LOCAL_SNS_PORT', fallback: 9911 },
  sesPort: { env: 'LOCAL_SES_PORT', fallback: 8005 },
  sqsPort: { env: 'LOCAL_SQS_PORT', fallback: 9324 },
} as const;

type PortName = keyof typeof PORTS;

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not "${v}"`);
  return n;
}

function portOf(opts: OfflineStackOptions, name: PortName): number {
  return opts[name] ?? envNumber(PORTS[name].env) ?? PORTS[name].fallback;
}

function listen(server: Server, port: number, envVar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new PortInUseError(port, envVar) : e);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

const PLACEHOLDER = "<!doctype html><title>agent chat</title><p>The web console is not served here: it was not built (see the offline stack's log).</p>\n";

/** The web build's files: index.html at `/`, demo.html at `/demo`, anything else by its path. */
function staticFiles(dir: () => string | undefined) {
  return async (req: LocalRequest): Promise<LocalResponse | undefined> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const root = dir();
    const name = req.path === '/' ? 'index.html' : req.path === '/demo' || req.path === '/demo/' ? 'demo.html' : decodeURIComponent(req.path.slice(1));
    if (!root) {
      return name.endsWith('.html') ? { status: 200, headers: { 'content-type': CONTENT_TYPES['.html']! }, body: PLACEHOLDER } : undefined;
    }
    const file = normalize(join(root, name));
    if (!file.startsWith(root + sep)) return undefined;
    try {
      if (!(await stat(file)).isFile()) return undefined;
    } catch {
      return undefined;
    }
    return {
      status: 200,
      headers: { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' },
      body: await readFile(file),
    };
  };
}

function scheduledEvent() {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/agent-chat-local-reminder'],
    detail: {},
  };
}

export async function startOfflineStack(opts: OfflineStackOptions = {}): Promise<OfflineStack> {
  const log = opts.log ?? (() => undefined);
  const httpPort = portOf(opts, 'httpPort');
  const wsPort = portOf(opts, 'wsPort');
  const snsPort = portOf(opts, 'snsPort');
  const sesPort = portOf(opts, 'sesPort');
  const sqsPort = portOf(opts, 'sqsPort');
  const queues: readonly LocalWorkQueue[] = opts.queues ?? QUEUES;
  const dynamoPort = portOf(opts, 'dynamoPort');
  const reminderIntervalS = opts.reminderIntervalS ?? envNumber('LOCAL_REMINDER_INTERVAL_S') ?? 300;
  const reminderMinAgeS = opts.reminderMinAgeS ?? envNumber('LOCAL_REMINDER_MIN_AGE_S') ?? 60;
  const sesMaxSendRate = opts.sesMaxSendRate ?? envNumber('LOCAL_SES_MAX_SEND_RATE') ?? 14;
  const connectionExpiryIntervalS = opts.connectionExpiryIntervalS ?? envNumber('LOCAL_CONNECTION_EXPIRY_INTERVAL_S') ?? 60;
  const rateLimits = opts.rateLimits ?? process.env.LOCAL_RATE_LIMITS !== '0';
  const tableName = opts.tableName ?? 'agent-chat';
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  // Every port first, so a taken one fails before anything has started.
  const wanted: Array<[number, string]> = [
    [httpPort, PORTS.httpPort.env],
    [wsPort, PORTS.wsPort.env],
    [snsPort, PORTS.snsPort.env],
    [sesPort, PORTS.sesPort.env],
    [sqsPort, PORTS.sqsPort.env],
  ];
  if (!opts.dynamoEndpoint) wanted.push([dynamoPort, PORTS.dynamoPort.env]);
  const seen = new Map<number, string>();
  for (const [port, env] of wanted) {
    if (port !== 0 && seen.has(port)) throw new Error(`${env} and ${seen.get(port)} both name port ${port}`);
    seen.set(port, env);
    if (port !== 0) await checkPortFree(port, env);
  }

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        log(`stopping: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  };

  // The HTTP port answers from the start: 503 until every part is up (SPEC §9 health).
  let listener: RequestListener = (req, res) => {
    const body = req.url?.startsWith('/_local/health') ? { status: 'starting' } : { message: 'the offline stack is starting' };
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const httpServer = createServer((req, res) => listener(req, res));
  await listen(httpServer, httpPort, PORTS.httpPort.env);
  stops.push(async () => {
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  });

  try {
    // DynamoDB Local and the table (from the same definition as the CDK stack).
    let dynamo: RunningDynamo | undefined;
    let dynamoEndpoint = opts.dynamoEndpoint;
    if (!dynamoEndpoint) {
      opts.progress?.('starting DynamoDB Local (a Java program: the slowest step)');
      dynamo = await startDynamoDbLocal({ port: dynamoPort, portEnv: PORTS.dynamoPort.env, ...(opts.persist ? { persistDir: join(LOCAL_DATA, 'dynamodb') } : {}) });
      const child = dynamo.process;
      // If this process dies without stop(), the java process must not outlive it.
      const killJava = () => child.kill('SIGKILL');
      process.once('exit', killJava);
      const running = dynamo;
      stops.push(async () => {
        process.off('exit', killJava);
        await running.stop();
      });
      dynamoEndpoint = dynamo.endpoint;
    }
    const ddb = new DynamoDBClient(localClientConfig(dynamoEndpoint));
    stops.push(async () => ddb.destroy());
    const { streamArn } = await ensureTable(ddb, tableName, { timeToLive: opts.tableTtl ?? true });
    // Pushed after the client's destroy, so it runs before it (stops run in reverse), and after the
    // stream poller and the queues have stopped.
    if (opts.dropTableOnStop) stops.push(async () => void (await ddb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined)));

    const sns = await startSnsServer({ port: snsPort });
    stops.push(() => sns.close());
    const ses = await startLocalSes({ port: sesPort });
    stops.push(() => ses.close());
    // The work queues, each with its DLQ (redrive after maxReceiveCount), as the CDK stack makes them.
    const sqs = await startSqsServer({ port: sqsPort });
    stops.push(() => sqs.close());
    const queueUrls: Record<string, string> = {};
    for (const q of queues) {
      sqs.createQueue(`${q.id}-dlq`, { visibilityTimeoutS: q.visibilityTimeoutS });
      queueUrls[q.urlEnv] = sqs.createQueue(q.id, { visibilityTimeoutS: q.visibilityTimeoutS, maxReceiveCount: q.maxReceiveCount, deadLetterQueue: `${q.id}-dlq` });
    }

    const issuer = await createIssuer(`${httpUrl}/_local/issuer`);
    const wsUrl = `ws://127.0.0.1:${wsPort}`;

    // Before any handler is imported: config() and the client factory read these on first use.
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      SNS_ENDPOINT: sns.url,
      SES_ENDPOINT: ses.url,
      SQS_ENDPOINT: sqs.url,
      ...queueUrls,
      WS_CALLBACK_URL: `http://127.0.0.1:${wsPort}`,
      OIDC_ISSUER: issuer.issuer,
      OIDC_AUDIENCE: issuer.audience,
      OIDC_JWKS_URL: `${httpUrl}/_local/jwks.json`,
      PLATFORM_APP_ARN_APNS: 'arn:aws:sns:us-east-1:000000000000:app/APNS/agent-chat-local',
      PLATFORM_APP_ARN_APNS_SANDBOX: 'arn:aws:sns:us-east-1:000000000000:app/APNS_SANDBOX/agent-chat-local',
      PLATFORM_APP_ARN_GCM: 'arn:aws:sns:us-east-1:000000000000:app/GCM/agent-chat-local',
      EMAIL_FROM: process.env.EMAIL_FROM ?? 'notifications@agent-chat.local',
      CONSOLE_URL: httpUrl,
      // SPEC §11.7: the one-click unsubscribe link's API and signing key (a fresh key per start, unless given).
      API_URL: httpUrl,
      UNSUBSCRIBE_SECRET: process.env.LOCAL_UNSUBSCRIBE_SECRET ?? randomBytes(24).toString('hex'),
      RATE_LIMITS: rateLimits ? 'on' : 'off',
      REMINDER_MIN_AGE_S: String(reminderMinAgeS),
      SES_MAX_SEND_RATE: String(sesMaxSendRate),
      // SPEC §12 metrics (lambdas/platform/metrics.ts) are EMF lines on stdout: off offline, so the
      // logs stay readable, unless LOCAL_METRICS=1. No X-Ray daemon offline: the tracer is off too.
      POWERTOOLS_METRICS_DISABLED: process.env.LOCAL_METRICS === '1' ? 'false' : 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    } satisfies Record<LocalEnv, string>);

    // One at a time: jest's ESM loader fails on concurrent dynamic imports that share modules.
    opts.progress?.('loading the handlers of lib/routes.ts');
    const httpRoutes = [];
    for (const route of HTTP_ROUTES) httpRoutes.push({ route, handler: await loadHandler(route.handler) });
    const wsRoutes = [];
    for (const route of WS_ROUTES) wsRoutes.push({ route, handler: await loadHandler(route.handler) });
    const authorizer = await loadHandler(WS_AUTHORIZER.handler);
    const fanout = await loadHandler(BACKGROUND.fanout.handler);
    const reminder = await loadHandler(BACKGROUND.reminder.handler);
    const connectionExpiry = await loadHandler(BACKGROUND.connectionExpiry.handler);
    const consumers: Array<{ q: LocalWorkQueue; handler: LoadedHandler }> = [];
    for (const q of queues) consumers.push({ q, handler: q.consumerModule ? await loadHandlerFrom(q.consumerModule, q.consumer) : await loadHandler(q.consumer) });

    const ws: WsGateway = await startWsGateway({ port: wsPort, authorizer, routes: wsRoutes, consoleOrigin: httpUrl, log });
    stops.push(() => ws.close());

    // Stream → fan-out, as the event source mapping would (same filter as the CDK stack).
    const streams = new DynamoDBStreamsClient(localClientConfig(dynamoEndpoint));
    stops.push(async () => streams.destroy());
    const poller = startStreamPoller({
      client: streams,
      streamArn,
      handler: async (event) => {
        const invoke = async (e: DynamoDBStreamEvent) => (await fanout.invoke(e)) as DynamoDBBatchResponse | undefined;
        return opts.invokeFanout ? opts.invokeFanout(invoke, event) : invoke(event);
      },
      filter: FANOUT_FILTER,
      pollIntervalMs: opts.pollIntervalMs ?? 15,
      // A persisted table's stream still holds what earlier runs already fanned out.
      startingPosition: opts.persist ? 'LATEST' : 'TRIM_HORIZON',
      onFailure: (f) => log(`fan-out failed ${f.attempts} times on shard ${f.shardId}, giving up on ${f.records.length} record(s): ${f.reason}`),
      onError: (e) => log(`reading the stream failed (retrying): ${(e as Error)?.message ?? String(e)}`),
    });
    stops.push(() => poller.stop());

    // Each work queue → its consumer, as the SQS event source mapping would.
    const sqsClient = new SQSClient({ ...localClientConfig(sqs.url), requestHandler: { requestTimeout: 30_000 } });
    stops.push(async () => sqsClient.destroy());
    for (const { q, handler } of consumers) {
      const mapping = startSqsPoller({
        client: sqsClient,
        queueUrl: sqs.queueUrl(q.id),
        queueArn: sqs.queueArn(q.id),
        handler: (event) => handler.invoke(event),
        batchSize: q.batchSize,
        concurrency: q.consumerConcurrency ?? LOCAL_CONSUMER_CONCURRENCY,
        timeoutMs: q.consumerTimeoutS * 1000,
        onBatchFailure: (f) => log(`queue ${q.id}: ${f.messageIds.length} message(s) back after the ${q.visibilityTimeoutS} s visibility timeout (${f.reason})`),
        onError: (e) => log(`queue ${q.id}: polling failed (retrying): ${(e as Error)?.message ?? String(e)}`),
      });
      stops.push(() => mapping.stop());
    }

    // The reminder: runs one after another, never two at once (the timer skips a tick while one runs).
    let queue: Promise<unknown> = Promise.resolve();
    let running = 0;
    // The schedule sends EventBridge's event (the dispatcher hands the shards to the work queue when
    // there is one); `/_local/reminders/run` sends a manual one, which runs every shard in this
    // invocation and answers the whole run's summary (SPEC §9).
    const runReminder = (event: unknown = scheduledEvent()): Promise<unknown> => {
      running++;
      const run = queue.then(() => reminder.invoke(event));
      queue = run.catch(() => undefined).finally(() => running--);
      return run;
    };
    stops.push(async () => {
      await queue;
    });
    if (reminderIntervalS > 0) {
      const timer = setInterval(() => {
        if (running > 0) return;
        runReminder().catch((e: unknown) => log(`scheduled reminder failed: ${(e as Error)?.stack ?? String(e)}`));
      }, reminderIntervalS * 1000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }

    // The connection-expiry sweep, as its 1-minute rule runs it on AWS: one run at a time.
    if (connectionExpiryIntervalS > 0) {
      let sweeping: Promise<unknown> | undefined;
      const timer = setInterval(() => {
        if (sweeping) return;
        sweeping = connectionExpiry
          .invoke(scheduledEvent())
          .catch((e: unknown) => log(`connection expiry sweep failed: ${(e as Error)?.stack ?? String(e)}`))
          .finally(() => (sweeping = undefined));
      }, connectionExpiryIntervalS * 1000);
      timer.unref();
      stops.push(async () => {
        clearInterval(timer);
        await sweeping;
      });
    }

    // The web console and the visitor demo, built once at start.
    let webDir: string | undefined;
    if (opts.web !== false) {
      const out = await mkdtemp(join(tmpdir(), 'agent-chat-web-'));
      stops.push(() => rm(out, { recursive: true, force: true }));
      try {
        // Imported only here: a stack started without the web (the tests) never loads esbuild.
        opts.progress?.('building the console and the demo (esbuild)');
        const { buildWeb } = await import('../web/build.js');
        await buildWeb(out);
        webDir = out;
      } catch (e) {
        log(`web build failed, serving a placeholder page: ${(e as Error)?.message ?? String(e)}`);
      }
    }

    const helpers = localHelpers({
      issuer,
      apiUrl: httpUrl,
      wsUrl,
      pushes: () => sns.pushes(),
      disablePush: (token, mode) => sns.disable(token, mode),
      emails: () => ses.emails(),
      runReminder: () => runReminder({ source: 'local', 'detail-type': 'Manual run' }),
      ensureAgent: (identity) => ensureAgent(docClient(), tableName, identity),
      queues: () => sqs.stats(),
      log,
    });
    const files = staticFiles(() => webDir);
    // The HTTP API reference (local/api-docs.ts): served with or without the web build.
    const docs = apiDocs();
    listener = createHttpGateway({
      routes: httpRoutes,
      before: helpers,
      after: async (req) => (await docs(req)) ?? (await files(req)) ?? (req.method === 'GET' && req.path === '/favicon.ico' ? { status: 204 } : undefined),
      log,
    });

    const dataNote = opts.dynamoEndpoint ? 'external' : opts.persist ? `kept in ${join(LOCAL_DATA, 'dynamodb')}` : 'in memory';
    log(`HTTP API          ${httpUrl}`);
    log(`Agent console     ${httpUrl}/`);
    log(`Visitor demo      ${httpUrl}/demo`);
    log(`API reference     ${httpUrl}/docs`);
    log(`WebSocket API     ${wsUrl}`);
    log(`@connections      http://127.0.0.1:${wsPort}/@connections/{connectionId}`);
    log(`DynamoDB Local    ${dynamoEndpoint}  (table ${tableName}, ${dataNote})`);
    log(`Local SNS         ${sns.url}`);
    log(`Local SES inbox   ${ses.inboxUrl}`);
    log(`Local SQS         ${sqs.url}  (${queues.length ? queues.map((q) => q.id).join(', ') : 'no work queues'}; GET ${httpUrl}/_local/queues)`);
    log(`Rate limits       ${rateLimits ? 'on (LOCAL_RATE_LIMITS=0 turns them off)' : 'off'}`);
    log(`Reminder          ${reminderIntervalS > 0 ? `every ${reminderIntervalS} s` : 'schedule off'}; POST ${httpUrl}/_local/reminders/run runs it now`);
    log(`Connection expiry ${connectionExpiryIntervalS > 0 ? `every ${connectionExpiryIntervalS} s` : 'schedule off'}`);
    log(`Ready: GET ${httpUrl}/_local/health`);

    let stopped: Promise<void> | undefined;
    return {
      httpUrl,
      wsUrl,
      sesInboxUrl: ses.inboxUrl,
      sqsUrl: sqs.url,
      dynamoEndpoint,
      tableName,
      issuer: { issuer: issuer.issuer, audience: issuer.audience, sign: issuer.sign },
      stop: () => (stopped ??= stopAll()),
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
