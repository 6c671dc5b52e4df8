/** The CORS rule of SPEC §10.1 as lambdas/edge/cors.ts reads it from the route table. */
import { HTTP_ROUTES } from '../../lib/routes.js';
import { allowOrigin, policyOf, preflightHeaders, routesAt, withCors } from '../../lambdas/edge/cors.js';
import { resetConfigForTests } from '../../lambdas/platform/config.js';
import { httpEvent } from '../support/events.js';

const CONSOLE = 'https://console.example.com';

beforeAll(() => {
  process.env.CONSOLE_URL = `${CONSOLE}/`;
  resetConfigForTests();
});
afterAll(() => {
  delete process.env.CONSOLE_URL;
  resetConfigForTests();
});

test('exactly the visitor routes of SPEC §10.1 answer any origin; every other route (and a new one without `cors`) the console only', () => {
  const anyOrigin = HTTP_ROUTES.filter((r) => r.method !== 'OPTIONS' && policyOf(r) === 'any-origin').map((r) => `${r.method} ${r.path}`);
  expect(anyOrigin.sort()).toEqual(['GET /v1/conversations/{id}/messages', 'POST /v1/conversations/{id}/messages', 'POST /v1/workspaces/{workspaceId}/conversations']);
  expect(policyOf({ method: 'GET', path: '/v1/new', handler: 'x', grants: [] })).toBe('console');
});

test('a path finds its routes, one per method, literal segments before parameters', () => {
  expect(
    routesAt('/v1/conversations/c1/messages')
      .map((r) => r.method)
      .sort(),
  ).toEqual(['GET', 'POST']);
  expect(routesAt('/v1/me').map((r) => r.handler)).toEqual(['http/get-me']);
  expect(routesAt('/v1/conversations/c1').map((r) => r.handler)).toEqual(['http/get-conversation']);
  expect(routesAt('/v1/conversations/c1/nothing')).toEqual([]);
});

test('allow-origin: the caller on a visitor call, `*` without Origin, the console for an agent call or an agent route', () => {
  expect(allowOrigin('any-origin', 'https://shop.example', false)).toBe('https://shop.example');
  expect(allowOrigin('any-origin', undefined, false)).toBe('*');
  expect(allowOrigin('any-origin', 'https://shop.example', true)).toBe(CONSOLE);
  expect(allowOrigin('console', 'https://shop.example', false)).toBe(CONSOLE);
});

test('preflights: allowed methods of the path for that origin; nothing for a foreign origin on an agent route', () => {
  const widget = preflightHeaders('/v1/conversations/c1/messages', 'https://shop.example', 'post');
  expect(widget).toMatchObject({ 'access-control-allow-origin': 'https://shop.example', 'access-control-allow-headers': 'authorization,content-type' });
  expect(widget?.['access-control-allow-methods']?.split(',').sort()).toEqual(['GET', 'POST']);
  expect(preflightHeaders('/v1/me', 'https://shop.example', 'GET')).not.toHaveProperty('access-control-allow-origin');
  expect(preflightHeaders('/v1/me', CONSOLE, 'GET')).toMatchObject({ 'access-control-allow-origin': CONSOLE, 'access-control-allow-methods': 'GET' });
  // A method the path does not have, or no CORS request headers at all: no allow-origin.
  expect(preflightHeaders('/v1/me', CONSOLE, 'DELETE')).not.toHaveProperty('access-control-allow-origin');
  expect(preflightHeaders('/v1/me', undefined, undefined)).toEqual({ vary: 'Origin, Access-Control-Request-Method' });
  expect(preflightHeaders('/v1/nowhere', CONSOLE, 'GET')).toBeUndefined();
});

test("an answer keeps its own headers and gains the route's CORS headers, found by route key or by method and path", () => {
  const answer = { statusCode: 429, headers: { 'retry-after': '7' } };
  const byKey = { ...httpEvent({ method: 'POST', path: '/v1/workspaces/w1/conversations' }), routeKey: 'POST /v1/workspaces/{workspaceId}/conversations' };
  byKey.headers.origin = 'https://shop.example';
  expect(withCors(answer, byKey, false).headers).toEqual({
    'retry-after': '7',
    'access-control-allow-origin': 'https://shop.example',
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  });
  // A route key that names no route (a hand-built event): the method and raw path decide.
  const byPath = httpEvent({ method: 'GET', path: '/v1/conversations/c1/messages' });
  byPath.headers.origin = 'https://shop.example';
  expect(withCors(answer, byPath, false).headers?.['access-control-allow-origin']).toBe('https://shop.example');
  expect(withCors(answer, byPath, true).headers?.['access-control-allow-origin']).toBe(CONSOLE);
  const unknown = httpEvent({ method: 'GET', path: '/v1/elsewhere' });
  unknown.headers.origin = 'https://shop.example';
  expect(withCors(answer, unknown, false).headers?.['access-control-allow-origin']).toBe(CONSOLE);
});
