/**
 * Who is calling. Agents: an OIDC JWT (RS256 only) from the configured issuer, checked against
 * the issuer's JWKS (fetched once, cached by jose). Visitors: an opaque bearer token bound to one
 * conversation; only its SHA-256 is stored, so a leaked table does not leak tokens.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { config } from '../platform/config.js';
import { unauthorized } from './errors.js';
import { sha256Hex, ID_PATTERN } from '../domain/ids.js';
import type { Identity } from '../store/agents.js';

let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
let jwksFor: string | undefined;

function keySet() {
  const url = config().oidc.jwksUrl;
  if (!jwks || jwksFor !== url) {
    jwks = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    jwksFor = url;
  }
  return jwks;
}

function claimString(p: JWTPayload, name: string): string | undefined {
  const v = p[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** What a verified agent token says beyond the profile: role, expiry, whether the address is verified. */
export interface AgentToken extends Identity {
  /** The role claim (ROLE_CLAIM) is `admin` (SPEC §10.1). */
  admin: boolean;
  /** The token's `exp`, epoch seconds: a WebSocket connection ends with it (SPEC §10.4). */
  expiresAt: number;
  /** False only when the token says `email_verified: false`: no email is sent then (SPEC §10.4). */
  emailVerified: boolean;
  /**
   * When the person last authenticated at the identity provider, epoch seconds: `auth_time`, which
   * a refreshed ID token keeps from the original sign-in (OpenID Connect Core 1.0 §12.2,
   * https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse), else `iat`.
   * A token signed in after an agent's removal or email failure restores / clears it (SPEC §10.3–10.4).
   */
  authTime: number;
}

/** A verified agent, or a 401. Every failure looks the same to the caller. */
export async function verifyAgentToken(token: string | undefined): Promise<AgentToken> {
  if (!token) throw unauthorized('missing token');
  const { issuer, audience, workspaceClaim, roleClaim } = config().oidc;
  if (!issuer || !audience) throw unauthorized('agent sign-in is not configured');
  let payload: JWTPayload;
  try {
    // `exp` is required: a token that never expires cannot be revoked by time (SPEC §10.4).
    ({ payload } = await jwtVerify(token, keySet(), { issuer, audience, algorithms: ['RS256'], clockTolerance: 5, requiredClaims: ['exp'] }));
  } catch {
    throw unauthorized('invalid token');
  }
  if (typeof payload.exp !== 'number') throw unauthorized('invalid token');
  const agentId = claimString(payload, 'sub');
  const workspaceId = claimString(payload, workspaceClaim);
  if (!agentId || !workspaceId || !ID_PATTERN.test(agentId) || !ID_PATTERN.test(workspaceId)) {
    throw unauthorized('token lacks agent or workspace');
  }
  const email = claimString(payload, 'email') ?? '';
  const name = claimString(payload, 'name') ?? claimString(payload, 'cognito:username') ?? agentId;
  // Cognito sends email_verified as a boolean; some issuers send the string "false".
  const verified = payload.email_verified;
  const emailVerified = !(verified === false || verified === 'false');
  const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : typeof payload.iat === 'number' ? payload.iat : 0;
  return { agentId, workspaceId, email, name, admin: payload[roleClaim] === 'admin', expiresAt: payload.exp, emailVerified, authTime };
}

const VISITOR_PREFIX = 'vt1';

/** A fresh visitor token for a conversation, and the hash to store with it. */
export function newVisitorToken(conversationId: string): { token: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${VISITOR_PREFIX}.${conversationId}.${secret}`, hash: sha256Hex(secret) };
}

/** The conversation a visitor token names, or undefined when it is not a visitor token at all. */
export function visitorTokenConversation(token: string): { conversationId: string; secret: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VISITOR_PREFIX) return undefined;
  const [, conversationId, secret] = parts as [string, string, string];
  if (!ID_PATTERN.test(conversationId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { conversationId, secret };
}

export function visitorSecretMatches(secret: string, storedHash: string | undefined): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(sha256Hex(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearer(headers: Record<string, string | undefined> | undefined): string | undefined {
  const h = headers?.authorization ?? headers?.Authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h.trim()) : null;
  return m?.[1];
}
