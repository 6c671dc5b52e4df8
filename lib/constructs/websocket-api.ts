/**
 * The WebSocket API: route selection and routes from lib/routes.ts, the `$connect` Lambda
 * authorizer reading the `token` query parameter (browsers cannot set headers on a WebSocket).
 */
import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { WS_ROUTE_SELECTION, type WsRoute } from '../routes.js';
import { acknowledge } from './nag.js';

export const WS_STAGE = 'live';

export class WebSocketEndpoint extends Construct {
  readonly api: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;
  readonly routes: apigw.WebSocketRoute[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.api = new apigw.WebSocketApi(this, 'Api', {
      description: 'Agent chat notifications: WebSocket API (SPEC §7)',
      routeSelectionExpression: WS_ROUTE_SELECTION,
    });
    this.stage = new apigw.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WS_STAGE,
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
    });
    acknowledge(
      this.stage,
      'APIG1',
      'WebSocket API access logs need the account-wide API Gateway CloudWatch role, which one stack should not own; every route handler logs its connection id and outcome instead.',
    );
  }

  /** wss://… URL agents connect to. */
  get url(): string {
    return this.stage.url;
  }

  /** https://{api}.execute-api.{region}.{suffix}/{stage}: the @connections endpoint (no scheme → no connection). */
  get callbackUrl(): string {
    const s = Stack.of(this);
    return `https://${this.api.apiId}.execute-api.${s.region}.${s.urlSuffix}/${WS_STAGE}`;
  }

  addRoute(route: WsRoute, fn: lambda.IFunction, authorizer?: { fn: lambda.IFunction; identitySource: string }): void {
    const created = this.api.addRoute(route.routeKey, {
      integration: new WebSocketLambdaIntegration(`${route.handler}-integration`, fn),
      returnResponse: route.returnsResponse,
      authorizer: authorizer ? new WebSocketLambdaAuthorizer('Authorizer', authorizer.fn, { identitySource: [authorizer.identitySource] }) : undefined,
    });
    if (!authorizer) {
      acknowledge(
        created,
        'APIG4',
        'API Gateway accepts an authorizer only on $connect; this route runs on a connection $connect already authorised, and the handler takes the agent from that authorizer context (or the stored connection).',
      );
    }
    this.routes.push(created);
  }
}
