/**
 * The local origin and Host lock (SPEC §9): the offline stack's gateways answer only requests made
 * to their own address, so a web page open in the developer's browser cannot drive them.
 *
 * - Host: only `127.0.0.1:<port>` or `localhost:<port>` of the port the request came in on. A page
 *   of another site that rebinds its DNS name to 127.0.0.1 still sends its own name as Host
 *   (DNS rebinding), and is refused before anything runs.
 * - Origin: a page of another site that calls `127.0.0.1` directly sends its own `Origin`; the
 *   `/_local/` helpers (tokens for any agent, everyone's pushes and mail) and the WebSocket (agent
 *   frames) refuse it. The API routes keep API Gateway's behaviour and their CORS rule
 *   (lambdas/edge/cors.ts): a foreign page may call the visitor routes, not read agent answers.
 *
 * Nothing here exists on AWS: it protects a developer's machine, not a deployment.
 */
import type { IncomingMessage } from 'node:http';

/** The Host values a server on `port` answers: the two loopback names the README gives. */
export function ownHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The origins of a page served by a local server on `port` (the console: the HTTP gateway's). */
export function ownOrigins(port: number): string[] {
  return ownHosts(port).map((h) => `http://${h}`);
}

/** The other loopback spelling of an origin too: a console opened at localhost is the same console. */
export function loopbackAliases(origin: string): string[] {
  try {
    const u = new URL(origin);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') return [u.origin];
    return ownOrigins(Number(u.port || 80)).map((o) => (u.port ? o : o.replace(/:80$/, '')));
  } catch {
    return [origin];
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Whether the request names this server as its Host (the port it was received on). */
export function hasOwnHost(req: IncomingMessage): boolean {
  const host = header(req, 'host')?.toLowerCase();
  return host !== undefined && ownHosts(req.socket.localPort ?? -1).includes(host);
}

/** Whether the request carries an `Origin` not in `allowed` (no `Origin` at all is fine: not a page). */
export function hasForeignOrigin(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = header(req, 'origin');
  return origin !== undefined && !allowed.includes(origin);
}
