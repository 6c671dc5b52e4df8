/**
 * Widget settings of a workspace (SPEC §10.1): which web origins may drive the visitor routes, and
 * how many new conversations a minute the workspace takes. Pure rules; the store keeps the values.
 */
export interface WidgetSettings {
  /** Empty: any origin may call the visitor routes. */
  allowedOrigins: string[];
  conversationsPerMinute: number;
}

export const DEFAULT_CONVERSATIONS_PER_MINUTE = 60;
export const MAX_CONVERSATIONS_PER_MINUTE = 10000;
export const MAX_ALLOWED_ORIGINS = 100;

export function defaultWidgetSettings(): WidgetSettings {
  return { allowedOrigins: [], conversationsPerMinute: DEFAULT_CONVERSATIONS_PER_MINUTE };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);

/**
 * `scheme://host[:port]` as a browser serializes it in the `Origin` header (lower-case host,
 * default port dropped, punycode), or undefined when `s` is not such an origin: a path, query,
 * fragment or user info is refused, and the scheme is https (http only for localhost/127.0.0.1,
 * where a developer tries the widget).
 */
export function normalizeOrigin(s: string): string | undefined {
  if (s.length > 300 || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s\\]+$/i.test(s)) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname))) return u.origin;
  return undefined;
}

/**
 * Whether a visitor request with this `Origin` header may go on. No header is a server-to-server
 * caller (curl, a backend): the origin list is a browser control, not authentication.
 */
export function originAllowed(settings: Pick<WidgetSettings, 'allowedOrigins'>, origin: string | undefined): boolean {
  if (settings.allowedOrigins.length === 0 || origin === undefined) return true;
  const o = normalizeOrigin(origin.trim());
  return o !== undefined && settings.allowedOrigins.includes(o);
}
