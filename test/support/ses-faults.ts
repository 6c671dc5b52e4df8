/**
 * A proxy in front of the local SES that can answer `SendRawEmail` (what the reminder sends) the way real SES fails: throttling
 * (`Throttling`, which the SDK retries), an address SES rejects (`MessageRejected`, permanent), or an
 * outage from some point on (`ServiceUnavailable`). Everything else goes through untouched. It is
 * the fault proxy with one rule that these switches steer.
 */
import { PASS, queryError, startFaultProxy, type ProxiedRequest } from './fault-proxy.js';

export interface SesFaults {
  url: string;
  /** SendRawEmail requests seen, including the ones answered with a fault. */
  readonly sendAttempts: number;
  /** SendRawEmail requests to this address seen, including the ones answered with a fault. */
  attemptsTo(address: string): number;
  /** Answer the next `n` SendRawEmail requests with `Throttling` (400). */
  throttleNext(n: number): void;
  /** Answer every SendRawEmail to one of these addresses with `MessageRejected` (400). */
  rejectTo(addresses: string[]): void;
  /** Let `k` more emails through, then answer every SendRawEmail with `ServiceUnavailable` (503). */
  failAfter(k: number): void;
  /** Back to passing everything through. */
  heal(): void;
  close(): Promise<void>;
}

const isSendEmail = (r: ProxiedRequest) => r.method === 'POST' && r.form.get('Action') === 'SendRawEmail';

export async function startSesFaults(targetUrl: string): Promise<SesFaults> {
  const proxy = await startFaultProxy(targetUrl);
  let throttles = 0;
  let rejected = new Set<string>();
  let passesLeft: number | undefined;
  proxy.setRule((r) => {
    if (!isSendEmail(r)) return PASS;
    if (throttles > 0) {
      throttles--;
      return queryError(400, 'Throttling', 'Maximum sending rate exceeded.');
    }
    if (rejected.has(r.form.get('Destinations.member.1') ?? '')) return queryError(400, 'MessageRejected', 'Email address is not verified.');
    if (passesLeft !== undefined) {
      if (passesLeft === 0) return queryError(503, 'ServiceUnavailable', 'Service unavailable.');
      passesLeft--;
    }
    return PASS;
  });
  return {
    url: proxy.url,
    get sendAttempts() {
      return proxy.seen(isSendEmail);
    },
    attemptsTo: (address) => proxy.seen((r) => isSendEmail(r) && r.form.get('Destinations.member.1') === address),
    throttleNext: (n) => void (throttles = n),
    rejectTo: (addresses) => void (rejected = new Set(addresses)),
    failAfter: (k) => void (passesLeft = k),
    heal: () => {
      throttles = 0;
      rejected = new Set();
      passesLeft = undefined;
    },
    close: () => proxy.close(),
  };
}
