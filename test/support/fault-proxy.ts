/**
 * A fault-injecting HTTP proxy to put in front of a channel server (the local SNS, the local SES,
 * the WebSocket gateway's `@connections` API). A rule decides each request: pass it through, answer
 * it with the error the real service sends, or hold it unanswered for ever, which is what a send
 * looks like from the far side when the Lambda that made it has died. Held requests are never
 * forwarded, so a dead invocation can never deliver late.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readBody } from './http-relay.js';

export interface ProxiedRequest {
  method: string;
  path: string;
  body: Buffer;
  /** The form of an AWS Query request (SNS, SES): `Action`, `TargetArn` ... */
  form: URLSearchParams;
}

export type Verdict =
  | { kind: 'pass' }
  | { kind: 'reply'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'hold' }
  /** Decide later (e.g. once every send of an invocation has arrived). */
  | { kind: 'wait'; until: Promise<Verdict> };

export type Rule = (req: ProxiedRequest) => Verdict;

export interface FaultProxy {
  url: string;
  /** The rule for requests from now on; undefined passes everything. */
  setRule(rule: Rule | undefined): void;
  /** Requests seen so far that match (all of them without a predicate). */
  seen(match?: (req: ProxiedRequest) => boolean): number;
  /** Requests held unanswered so far. */
  held(): number;
  close(): Promise<void>;
}

export const PASS: Verdict = { kind: 'pass' };
export const HOLD: Verdict = { kind: 'hold' };

/** An AWS Query-protocol error, as SNS and SES send it. */
export function queryError(status: number, code: string, message = code): Verdict {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    kind: 'reply',
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
  };
}

/** An API Gateway management API error (`@connections`): JSON with the error type in a header. */
export function connectionsError(status: 410 | 500): Verdict {
  return {
    kind: 'reply',
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': status === 410 ? 'GoneException' : 'InternalServerErrorException',
    },
    body: JSON.stringify({ message: status === 410 ? null : 'Internal server error' }),
  };
}

/** The connection id a `POST /@connections/{id}` names. */
export function connectionIdOf(req: ProxiedRequest): string | undefined {
  const m = /\/@connections\/([^/?]+)/.exec(req.path);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let rule: Rule | undefined;
  const seen: ProxiedRequest[] = [];
  const holding: ServerResponse[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const p: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        body,
        form: new URLSearchParams(body.toString('utf8')),
      };
      seen.push(p);
      let verdict = rule?.(p) ?? PASS;
      while (verdict.kind === 'wait') verdict = await verdict.until;
      if (verdict.kind === 'hold') {
        holding.push(res);
        return;
      }
      if (verdict.kind === 'reply') {
        res.writeHead(verdict.status, { 'x-amzn-requestid': 'fault-proxy', ...verdict.headers });
        res.end(verdict.body);
        return;
      }
      forward(req, res, target, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setRule: (r) => void (rule = r),
    seen: (match) => (match ? seen.filter(match).length : seen.length),
    held: () => holding.length,
    close: () =>
      new Promise<void>((resolve) => {
        // A held request's caller is gone: cut it rather than answer it.
        for (const res of holding.splice(0)) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
