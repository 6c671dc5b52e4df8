/**
 * The agent's session lives in localStorage: every tab of the console shares it (a new tab is
 * signed in, SPEC §13), a fresh token one tab gets serves the others, and signing out in one tab
 * signs out all of them (main.ts listens for the `storage` event).
 */
const KEY = 'agentConsole.token';

export function savedToken(): string | undefined {
  const t = localStorage.getItem(KEY) ?? undefined;
  return t && !isExpired(t) ? t : undefined;
}

export function saveToken(token: string): void {
  localStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  localStorage.removeItem(KEY);
  localStorage.removeItem(LOCAL_SIGN_IN);
  localStorage.removeItem(REFRESH);
}

/** The offline stack's sign-in request, kept so an expired token can be replaced by a fresh one. */
const LOCAL_SIGN_IN = 'agentConsole.localSignIn';

export function saveLocalSignIn(request: Record<string, unknown>): void {
  localStorage.setItem(LOCAL_SIGN_IN, JSON.stringify(request));
}

export function localSignIn(): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(LOCAL_SIGN_IN) ?? 'null');
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The token's `exp` in epoch ms, when it has one. */
export function expiresAtMs(token: string): number | undefined {
  const exp = jwtPayload(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** The JWT's payload, unverified: the page only reads `exp`; the API is what verifies tokens. */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function isExpired(token: string, nowMs = Date.now()): boolean {
  const exp = jwtPayload(token)?.exp;
  return typeof exp === 'number' && exp * 1000 <= nowMs;
}

/** OIDC: the refresh token of the sign-in (Cognito's hosted UI issues one), for the refresh grant. */
const REFRESH = 'agentConsole.refreshToken';

export function saveRefreshToken(t: string | undefined): void {
  if (t) localStorage.setItem(REFRESH, t);
}

export function refreshToken(): string | undefined {
  return localStorage.getItem(REFRESH) ?? undefined;
}

export function forgetRefreshToken(): void {
  localStorage.removeItem(REFRESH);
}

export const TOKEN_KEY = KEY;
