/**
 * Bad agent tokens for the hostile-input suite. The ones that need the trusted key (expired, not
 * yet valid, wrong audience or issuer) are signed by the offline stack's own issuer; the forgeries
 * (alg none, HS256 keyed with the public key, an untrusted key claiming the trusted kid, a
 * tampered payload) are made here with jose and the stack's published JWKS.
 */
import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { OfflineStack } from '../../local/stack.js';

export interface Claims {
  workspaceId: string;
  agentId: string;
  email?: string;
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function payload(stack: OfflineStack, c: Claims): Record<string, unknown> {
  return {
    iss: stack.issuer.issuer,
    aud: stack.issuer.audience,
    sub: c.agentId,
    workspace_id: c.workspaceId,
    ...(c.email ? { email: c.email } : {}),
    iat: now(),
    exp: now() + 3600,
  };
}

async function publicJwk(stack: OfflineStack): Promise<JWK> {
  const r = await fetch(`${stack.httpUrl}/_local/jwks.json`);
  const { keys } = (await r.json()) as { keys: JWK[] };
  if (!keys[0]) throw new Error('the stack publishes no key');
  return keys[0];
}

export interface Forgeries {
  algNone: string;
  hs256WithPublicKey: string;
  untrustedKeySameKid: string;
  tamperedPayload: string;
  expired: string;
  /** Genuine, but with no `exp`: it would never expire (SPEC §10.4 requires exp). */
  noExpiry: string;
  notYetValid: string;
  wrongAudience: string;
  wrongIssuer: string;
  noWorkspace: string;
  workspaceWithHash: string;
}

/** Every bad token for one identity. `c` is whom each token claims to be. */
export async function forgeTokens(stack: OfflineStack, c: Claims, victimWorkspace: string): Promise<Forgeries> {
  const jwk = await publicJwk(stack);
  const pem = await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey);
  const claims = payload(stack, c);

  const algNone = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;

  // The classic confusion: HMAC keyed with the PEM text of the RSA public key everyone can fetch.
  const hs256WithPublicKey = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid }).sign(new TextEncoder().encode(pem));

  const { privateKey } = await generateKeyPair('RS256');
  const untrustedKeySameKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(privateKey);

  // A genuine token with the workspace swapped: the signature no longer matches.
  const genuine = await stack.issuer.sign(c);
  const [h, p, s] = genuine.split('.') as [string, string, string];
  const body = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  const tamperedPayload = `${h}.${b64url({ ...body, workspace_id: victimWorkspace })}.${s}`;

  return {
    algNone,
    hs256WithPublicKey,
    untrustedKeySameKid,
    tamperedPayload,
    // Beyond the verifier's 5 s clock tolerance either way.
    expired: await stack.issuer.sign(c, { expiresIn: now() - 120 }),
    noExpiry: await stack.issuer.sign(c, { expiresIn: null }),
    notYetValid: await stack.issuer.sign(c, { notBefore: now() + 3600 }),
    wrongAudience: await stack.issuer.sign(c, { extra: { aud: 'some-other-app' } }),
    wrongIssuer: await stack.issuer.sign(c, { extra: { iss: 'https://issuer.evil.example' } }),
    noWorkspace: await stack.issuer.sign({ ...c, workspaceId: '' }),
    workspaceWithHash: await stack.issuer.sign({ ...c, workspaceId: `${victimWorkspace}#x` }),
  };
}
