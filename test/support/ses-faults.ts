/**
 * A proxy in front of the local SES that can answer `SendEmail` the way real SES fails: throttling
 * (`Throttling`, which the SDK retries), an address SES rejects (`MessageRejected`, permanent), or an
 * outage from some point on (`ServiceUnavailable`). Everything else goes through untouched.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readBody } from './http-relay.js';

export interface SesFaults {
  url: string;
  /** SendEmail requests seen, including the ones answered with a fault. */
  readonly sendAttempts: number;
  /** Answer the next `n` SendEmail requests with `Throttling` (400). */
  throttleNext(n: number): void;
  /** Answer every SendEmail to one of these addresses with `MessageRejected` (400). */
  rejectTo(addresses: string[]): void;
  /** Let `k` more emails through, then answer every SendEmail with `ServiceUnavailable` (503). */
  failAfter(k: number): void;
  /** Back to passing everything through. */
  heal(): void;
  close(): Promise<void>;
}

function errorXml(code: string, message: string, type = 'Sender'): string {
  return (
    '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">' +
    `<Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
    `<RequestId>${Math.random().toString(16).slice(2)}</RequestId></ErrorResponse>`
  );
}

export async function startSesFaults(targetUrl: string): Promise<SesFaults> {
  const target = new URL(targetUrl);
  let attempts = 0;
  let throttles = 0;
  let rejected = new Set<string>();
  let passesLeft: number | undefined;

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const form = new URLSearchParams(body.toString('utf8'));
    if (req.method === 'POST' && form.get('Action') === 'SendEmail') {
      attempts++;
      const to = form.get('Destination.ToAddresses.member.1') ?? '';
      const fail = (status: number, code: string, message: string, type?: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(errorXml(code, message, type));
      };
      if (throttles > 0) {
        throttles--;
        return fail(400, 'Throttling', 'Maximum sending rate exceeded.');
      }
      if (rejected.has(to)) return fail(400, 'MessageRejected', 'Email address is not verified.');
      if (passesLeft !== undefined) {
        if (passesLeft === 0) return fail(503, 'ServiceUnavailable', 'Service unavailable.', 'Receiver');
        passesLeft--;
      }
    }
    forward(req, res, target, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get sendAttempts() {
      return attempts;
    },
    throttleNext: (n) => void (throttles = n),
    rejectTo: (addresses) => void (rejected = new Set(addresses)),
    failAfter: (k) => void (passesLeft = k),
    heal: () => {
      throttles = 0;
      rejected = new Set();
      passesLeft = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
