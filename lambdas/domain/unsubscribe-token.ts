/**
 * The signed token of a reminder email's unsubscribe link (SPEC §11.7): it names a workspace and an
 * agent, and only the holder of the stack's secret can make one, so the link turns off that agent's
 * reminders without a sign-in and cannot be forged for another agent. HMAC-SHA256 over a fixed
 * purpose and the two ids; compared in constant time. No expiry: a one-click link in an old email
 * must still work (RFC 8058), and all it can do is turn reminders off.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PURPOSE = 'unsubscribe-reminders';

function mac(secret: string, ws: string, agentId: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${ws}\n${agentId}`).digest();
}

export function signUnsubscribe(secret: string, ws: string, agentId: string): string {
  const ids = Buffer.from(JSON.stringify([ws, agentId]), 'utf8').toString('base64url');
  return `${ids}.${mac(secret, ws, agentId).toString('base64url')}`;
}

/** The ids a token names, or undefined when it is malformed or its signature is not ours. */
export function verifyUnsubscribe(secret: string, token: string): { workspaceId: string; agentId: string } | undefined {
  if (!secret || token.length > 1024) return undefined;
  const [ids, sig, ...rest] = token.split('.');
  if (!ids || !sig || rest.length > 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(ids, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 200)) return undefined;
  const [ws, agentId] = parsed as [string, string];
  const want = mac(secret, ws, agentId);
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  return { workspaceId: ws, agentId };
}
