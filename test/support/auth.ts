/** A real RS256 issuer for a test file: key pair made here, JWKS served over HTTP, env pointed at it. */
import type { Server } from 'node:http';
import { createIssuer, serveJwks, type LocalIssuer } from '../../local/issuer.js';
import { freePort } from '../../local/free-port.js';

export interface TestIssuer extends LocalIssuer {
  server: Server;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const port = await freePort();
  const issuer = await createIssuer(`http://127.0.0.1:${port}/issuer`);
  const server = await serveJwks(issuer.jwks, port);
  process.env.OIDC_ISSUER = issuer.issuer;
  process.env.OIDC_AUDIENCE = issuer.audience;
  process.env.OIDC_JWKS_URL = `http://127.0.0.1:${port}/jwks.json`;
  return { ...issuer, server, close: () => new Promise((r) => server.close(() => r())) };
}
