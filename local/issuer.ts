/**
 * The local OIDC issuer: an RS256 key pair made at start, its JWKS, and a signer. Only the offline
 * stack and the tests use it; the deployed stack trusts the configured issuer (Cognito) instead.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createServer, type Server } from 'node:http';

export interface AgentClaims {
  workspaceId: string;
  agentId: string;
  email?: string;
  name?: string;
  /** `admin` puts the admin role in the role claim (SPEC §10.1). */
  role?: 'admin';
}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  sign: (claims: AgentClaims, opts?: { expiresIn?: string | number | null; notBefore?: string | number; extra?: Record<string, unknown> }) => Promise<string>;
}

export const LOCAL_AUDIENCE = 'agent-console-local';
/** The handlers' default ROLE_CLAIM; the offline stack leaves it unset. */
export const ROLE_CLAIM_DEFAULT = 'custom:role';

export async function createIssuer(issuer: string, audience = LOCAL_AUDIENCE, workspaceClaim = 'workspace_id'): Promise<LocalIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  return {
    issuer,
    audience,
    jwks: { keys: [jwk] },
    sign: (c, opts = {}) => {
      const jwt = new SignJWT({
        [workspaceClaim]: c.workspaceId,
        ...(c.email ? { email: c.email } : {}),
        ...(c.name ? { name: c.name } : {}),
        ...(c.role ? { [ROLE_CLAIM_DEFAULT]: c.role } : {}),
        ...opts.extra,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'local-1' })
        .setSubject(c.agentId)
        // Tests override iss/aud through `extra` to forge wrong-issuer and wrong-audience tokens.
        .setIssuer(typeof opts.extra?.iss === 'string' ? opts.extra.iss : issuer)
        .setAudience(typeof opts.extra?.aud === 'string' ? opts.extra.aud : audience)
        .setIssuedAt();
      // `expiresIn: null` leaves `exp` out, for tests that prove such a token is refused.
      if (opts.expiresIn !== null) jwt.setExpirationTime(opts.expiresIn ?? '12h');
      if (opts.notBefore !== undefined) jwt.setNotBefore(opts.notBefore);
      return jwt.sign(privateKey);
    },
  };
}

/** Serve a JWKS over plain HTTP (jose's remote key set accepts http; tests need no TLS). */
export function serveJwks(jwks: { keys: JWK[] }, port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
