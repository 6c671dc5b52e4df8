/**
 * The offline stack for one test file, on free ports, and the few client helpers black-box tests
 * need: HTTP calls, agent tokens, agent WebSockets that collect their frames, and a polling wait
 * with a generous deadline (no fixed sleeps).
 *
 * The stack uses the DynamoDB Local that jest's global setup started (a fresh table per file) so a
 * test file does not start a second java process. One stack per test file: handlers read their
 * configuration from process.env once per module registry.
 *
 * `ownDynamo` gives a file its own DynamoDB Local instead: the load test saturates the one it
 * uses, and every other file sharing it would wait behind its writes.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startOfflineStack, type OfflineStack, type OfflineStackOptions } from '../../local/stack.js';
import { onFreePorts } from '../../local/free-port.js';
import { record, recordAnswer } from './contract.js';

export async function startTestStack(extra: Partial<OfflineStackOptions> = {}, { ownDynamo = false } = {}): Promise<OfflineStack> {
  const shared = ownDynamo ? undefined : process.env.DYNAMODB_ENDPOINT;
  return onFreePorts(6, ([httpPort, wsPort, snsPort, sesPort, dynamoPort, sqsPort]) =>
    startOfflineStack({
      httpPort,
      wsPort,
      snsPort,
      sesPort,
      sqsPort,
      reminderIntervalS: 0,
      // SPEC §4's grace period off: a test's message is old enough for the check that follows it.
      reminderMinAgeS: 0,
      web: false,
      // Most files create many conversations from 127.0.0.1; the abuse suite turns the limits on.
      rateLimits: false,
      ...(shared ? { dynamoEndpoint: shared, dropTableOnStop: true } : { dynamoPort }),
      tableTtl: false,
      tableName: `e2e-${randomBytes(4).toString('hex')}`,
      // Quiet unless something breaks inside the stack.
      log: (line) => {
        if (/fail|error|warning/i.test(line)) console.warn(line);
      },
      ...extra,
    }),
  );
}

/** A short unique id for workspaces, agents and device tokens, so tests never see each other's data. */
/** A device token in the APNs shape (64 hex digits, lambdas/domain/device-token.ts); FCM accepts it too. */
export function apnsToken(): string {
  return randomBytes(32).toString('hex');
}

export function uid(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  json: T;
  text: string;
}

export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.raw !== undefined) body = typeof opts.raw === 'string' ? opts.raw : new Uint8Array(opts.raw);
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const r = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await r.text();
  // The contract test (support/contract.ts) checks every answer against docs/openapi.json.
  recordAnswer(method, `${baseUrl}${path}`, r.status, text);
  return { status: r.status, headers: r.headers, json: jsonOf(text), text };
}

/** A reply body's JSON, or undefined when it is empty or not JSON. */
export function jsonOf(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function agentToken(stack: OfflineStack, a: { workspaceId: string; agentId: string; email?: string; name?: string }): Promise<string> {
  const r = await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: a });
  if (r.status !== 200) throw new Error(`/_local/token answered ${r.status}: ${r.text}`);
  return r.json.token;
}

/** Poll until `probe` returns something other than undefined/false (or stops throwing). */
export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what = 'condition', timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** An agent's WebSocket that keeps every frame it receives. */
export class AgentSocket {
  readonly frames: any[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      try {
        this.frames.push(JSON.parse(text));
        record({ kind: 'frame', frame: this.frames[this.frames.length - 1] });
      } catch {
        this.frames.push({ unparsed: text });
      }
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static open(wsUrl: string, token: string | undefined): Promise<AgentSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(token === undefined ? wsUrl : `${wsUrl}/?token=${encodeURIComponent(token)}`);
      const s = new AgentSocket(ws);
      ws.once('open', () => resolve(s));
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { statusCode: res.statusCode }));
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Wait for a frame that matches; frames already received count. */
  waitFor(match: (f: any) => boolean, what = 'a frame'): Promise<any> {
    return eventually(() => this.frames.find(match), what);
  }

  chatMessages(): any[] {
    return this.frames.filter((f) => f.type === 'chat.message');
  }

  close(): Promise<void> {
    if (this.closed || this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
