/** fetch with the SPEC error shape turned into an ApiError the views can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What to tell the user about a failure: the API's or the browser's own message. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : 'Something went wrong.';
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
}

export function apiClient(baseUrl: string, token: () => string | undefined, onUnauthorized?: () => void): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const t = token();
    if (t) headers.authorization = `Bearer ${t}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let r: Response;
    try {
      r = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
    }
    if (r.status === 204) return undefined as T;
    const text = await r.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!r.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (r.status === 401) onUnauthorized?.();
      throw new ApiError(r.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${r.status}.`);
    }
    return json as T;
  }
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    put: (p, b) => call('PUT', p, b),
    del: (p) => call('DELETE', p),
  };
}

/** Every page of a cursor-paged list; `max` keeps a huge thread from hanging the page. */
export async function allPages<T>(fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>, max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}
