/**
 * The HTTP API: one route per HTTP_ROUTES entry, each to its own function. No gateway authorizer:
 * tokens are checked in the handlers so a 401 keeps the SPEC error shape (an HTTP API's built-in
 * authorizers answer with a fixed body).
 *
 * No CORS configuration on the API: API Gateway would then answer every preflight itself with one
 * origin list for the whole API and drop the CORS headers the functions send
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html), so a chat
 * widget on a customer's site could not be allowed while agent routes allow only the console.
 * The route table's `OPTIONS /{proxy+}` route answers preflights instead, and every function adds
 * its route's CORS headers (lambdas/edge/cors.ts).
 */
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpRoute } from '../routes.js';
import { acknowledge } from './nag.js';

/** Request facts only: never a header, a query string or a body (they carry tokens and text). */
const ACCESS_LOG = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTimeEpoch',
    routeKey: '$context.routeKey',
    status: '$context.status',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
    ip: '$context.identity.sourceIp',
    length: '$context.responseLength',
  }),
);

export const STAGE_THROTTLE = { rateLimit: 500, burstLimit: 1000 };
/** The anonymous conversation route's own throttle (lib/stack.ts applies it), well under the stage's. */
export const VISITOR_ROUTE_THROTTLE = { rateLimit: 20, burstLimit: 40 };

export class HttpEndpoint extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly routes: apigw.HttpRoute[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Agent chat notifications: HTTP API (SPEC §6)',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stage = this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: STAGE_THROTTLE,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: ACCESS_LOG },
    });
  }

  /**
   * A route-level throttle below the stage's: one route's flood (the anonymous conversation
   * route) is refused with 429 before it takes the stage's whole rate from every other route.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
   */
  throttleRoute(routeKey: string, limits: { rateLimit: number; burstLimit: number }): void {
    const route = this.routes.find((r) => (r.node.defaultChild as apigw.CfnRoute).routeKey === routeKey);
    if (!route) throw new Error(`no route ${routeKey} to throttle`);
    const cfn = this.stage.node.defaultChild as apigw.CfnStage;
    cfn.routeSettings = { ...((cfn.routeSettings as Record<string, unknown> | undefined) ?? {}), [routeKey]: { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit } };
    // Route settings name an existing route: the stage is updated after it.
    this.stage.node.addDependency(route);
  }

  get url(): string {
    return this.stage.url;
  }

  addRoute(route: HttpRoute, fn: lambda.IFunction): void {
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.handler}-integration`, fn),
    });
    if (!created) throw new Error(`no route created for ${route.method} ${route.path}`);
    acknowledge(
      created,
      'APIG4',
      route.method === 'OPTIONS'
        ? 'CORS preflights: browsers send them without credentials, so this route can take no authorizer.'
        : 'Tokens (agent OIDC JWT or visitor token) are verified in the handler so that a 401 keeps the SPEC error body; an HTTP API authorizer would answer with its own fixed body.',
    );
    this.routes.push(created);
  }
}
