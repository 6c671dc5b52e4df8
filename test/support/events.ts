/** API Gateway event shapes for calling handlers directly in tests (HTTP API payload 2.0, WebSocket). */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'req-test',
  getRemainingTimeInMillis: () => 30000,
} as unknown as Context;

export function httpEvent(opts: {
  method: string;
  path: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  token?: string;
}): APIGatewayProxyEventV2 {
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const qs = new URLSearchParams(opts.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: `${opts.method} ${opts.path}`,
    rawPath: opts.path,
    rawQueryString: qs,
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    queryStringParameters: opts.query,
    pathParameters: opts.params,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: opts.method, path: opts.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'r',
      routeKey: `${opts.method} ${opts.path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  } as APIGatewayProxyEventV2;
}

export interface Answer {
  status: number;
  body: any;
}

type HttpFn = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2 | string | object>;

export async function call(handler: unknown, event: APIGatewayProxyEventV2): Promise<Answer> {
  const r = (await (handler as HttpFn)(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return { status: r.statusCode ?? 200, body: r.body ? JSON.parse(r.body) : undefined };
}

export function wsEvent(opts: { routeKey: string; connectionId: string; body?: unknown; rawBody?: string; authorizer?: Record<string, unknown> }) {
  return {
    body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    isBase64Encoded: false,
    requestContext: {
      routeKey: opts.routeKey,
      eventType: opts.routeKey === '$connect' ? 'CONNECT' : opts.routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      connectionId: opts.connectionId,
      domainName: 'localhost',
      stage: 'local',
      apiId: 'local',
      requestId: 'r',
      messageId: 'm',
      extendedRequestId: 'x',
      requestTimeEpoch: Date.now(),
      connectedAt: Date.now(),
      messageDirection: 'IN',
      identity: { sourceIp: '127.0.0.1' },
      ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
    },
  };
}

export async function callWs(handler: unknown, event: ReturnType<typeof wsEvent>): Promise<{ statusCode?: number; frame?: any }> {
  const r = (await (handler as (e: unknown, c: Context) => Promise<{ statusCode?: number; body?: string }>)(event, lambdaContext)) ?? {};
  return { statusCode: r.statusCode, frame: r.body ? JSON.parse(r.body) : undefined };
}
