/**
 * CORS (SPEC §10.1), decided in one place from the route table's `cors` field: the visitor routes
 * answer any origin (a chat widget runs on the customer's own site; no cookies are involved, so
 * never credentials), every other route the agent console's origin only.
 *
 * Why the handlers and not the HTTP API's CORS configuration: with CORS configured on an HTTP API,
 * API Gateway answers every preflight itself with one policy for the whole API and ignores the CORS
 * headers integrations return, so it cannot allow any origin on some routes and one origin on
 * others (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html). Without
 * it, a preflight OPTIONS is routed like any request (an `OPTIONS /{proxy+}` route with a Lambda
 * integration answers it: greedy routes rank below exact ones,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html) and
 * the integration's response headers reach the browser as they are. The offline gateway does the
 * same: it adds no CORS header of its own.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HTTP_ROUTES, type CorsPolicy, type HttpRoute } from '../../lib/routes.js';
import { config } from '../platform/config.js';

export const ALLOW_HEADERS = 'authorization,content-type';
/** The widget must be able to read `Retry-After` on a 429 (SPEC §10.2); CORS hides it otherwise. */
export const EXPOSE_HEADERS = 'retry-after';
/** How long a browser may reuse a preflight (Chromium caps it at 2 h). */
export const MAX_AGE_SECONDS = 3600;

interface Compiled {
  route: HttpRoute;
  pattern: RegExp;
  literals: number;
}

function compile(route: HttpRoute): Compiled {
  let literals = 0;
  const source = route.path
    .split('/')
    .map((seg) => {
      if (/^\{\w+\+\}$/.test(seg)) return '.+';
      if (/^\{\w+\}$/.test(seg)) return '[^/]+';
      literals++;
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), literals };
}

/** The API's own routes (not the preflight route), most literal segments first as API Gateway ranks them. */
const API_ROUTES: readonly Compiled[] = HTTP_ROUTES.filter((r) => r.method !== 'OPTIONS')
  .map(compile)
  .sort((a, b) => b.literals - a.literals);

export function policyOf(route: HttpRoute | undefined): CorsPolicy {
  return route?.cors ?? 'console';
}

/** The routes a path names, one per method (the best-ranked one). */
export function routesAt(path: string): HttpRoute[] {
  const byMethod = new Map<string, HttpRoute>();
  for (const c of API_ROUTES) if (c.pattern.test(path) && !byMethod.has(c.route.method)) byMethod.set(c.route.method, c.route);
  return [...byMethod.values()];
}

/** The console's origin (scheme, host, port) from CONSOLE_URL. */
export function consoleOrigin(): string {
  const url = config().consoleUrl;
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function routeOfEvent(event: APIGatewayProxyEventV2): HttpRoute | undefined {
  const byKey = HTTP_ROUTES.find((r) => `${r.method} ${r.path}` === event.routeKey);
  if (byKey) return byKey;
  const method = event.requestContext?.http?.method;
  return routesAt(event.rawPath ?? '').find((r) => r.method === method);
}

/**
 * `Access-Control-Allow-Origin` of an answer: the caller's origin (or `*` without one) on an
 * any-origin route, unless an agent token made the call; the console's origin otherwise. A page on
 * another site can then never read what an agent's token fetched.
 */
export function allowOrigin(policy: CorsPolicy, origin: string | undefined, agentCall: boolean): string {
  return policy === 'any-origin' && !agentCall ? origin || '*' : consoleOrigin();
}

/** The answer with the CORS headers its route calls for (SPEC §10.1). */
export function withCors(result: APIGatewayProxyStructuredResultV2, event: APIGatewayProxyEventV2, agentCall: boolean): APIGatewayProxyStructuredResultV2 {
  const headers = {
    'access-control-allow-origin': allowOrigin(policyOf(routeOfEvent(event)), event.headers?.origin, agentCall),
    'access-control-expose-headers': EXPOSE_HEADERS,
    vary: 'Origin',
  };
  return { ...result, headers: { ...result.headers, ...headers } };
}

/**
 * The headers of a preflight's answer, or undefined when no route has this path. An origin the
 * route does not allow gets no `Access-Control-Allow-Origin`, so the browser sends nothing.
 * Without `Origin` and `Access-Control-Request-Method` it is no CORS preflight and gets no CORS
 * headers (as API Gateway's own CORS answers).
 */
export function preflightHeaders(path: string, origin: string | undefined, requestedMethod: string | undefined): Record<string, string> | undefined {
  const routes = routesAt(path);
  if (routes.length === 0) return undefined;
  const headers: Record<string, string> = { vary: 'Origin, Access-Control-Request-Method' };
  if (!origin || !requestedMethod) return headers;
  const allowed = routes.filter((r) => policyOf(r) === 'any-origin' || origin === consoleOrigin());
  const wanted = allowed.find((r) => r.method === requestedMethod.toUpperCase());
  if (!wanted) return headers;
  return {
    ...headers,
    'access-control-allow-origin': policyOf(wanted) === 'any-origin' ? origin : consoleOrigin(),
    'access-control-allow-methods': allowed.map((r) => r.method).join(','),
    'access-control-allow-headers': ALLOW_HEADERS,
    'access-control-max-age': String(MAX_AGE_SECONDS),
  };
}
