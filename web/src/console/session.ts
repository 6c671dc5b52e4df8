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
