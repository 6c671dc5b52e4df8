/**
 * The agent's token lives in sessionStorage: it survives a reload of this tab but not the closing
 * of the browser, and another tab signs in on its own.
 */
const KEY = 'agentConsole.token';

export function savedToken(): string | undefined {
  const t = sessionStorage.getItem(KEY) ?? undefined;
  return t && !isExpired(t) ? t : undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(LOCAL_SIGN_IN);
}

/** The offline stack's sign-in request, kept so an expired token can be replaced by a fresh one. */
const LOCAL_SIGN_IN = 'agentConsole.localSignIn';

export function saveLocalSignIn(request: Record<string, unknown>): void {
  sessionStorage.setItem(LOCAL_SIGN_IN, JSON.stringify(request));
}

export function localSignIn(): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(LOCAL_SIGN_IN) ?? 'null');
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
    const json = decodeURIComponent(
      Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
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
