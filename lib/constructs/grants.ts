/**
 * The route table's grant names turned into IAM statements: the only permissions a function gets.
 * Table access lists its actions instead of using grantReadData/grantWriteData, because those
 * also allow reading the whole table in one sweep, which the product never does: such a call
 * slipping into code fails at the IAM check on AWS instead of quietly costing a full read.
 */
import { Aws, Fn, Stack, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Grant } from '../routes.js';
import { acknowledgeWildcards } from './nag.js';
import { ifElse, type PlatformApp } from './parameters.js';

export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
export const SNS_ENDPOINT_ACTIONS = ['sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'];

/** What the grants point at. */
export interface GrantTargets {
  table: dynamodb.ITable;
  platformApps: readonly PlatformApp[];
  emailFrom: string;
  /** The reminders' SES configuration set: sending with one is authorised on it too. */
  emailConfigurationSet?: string;
  webSocket: { apiId: string; stageName: string };
}

/** The platform application ARN, or an ARN that matches nothing when the platform is not configured. */
function appArn(app: PlatformApp): string {
  return ifElse(app.configured, app.arn, notConfigured('app', app.platform));
}

/** arn:…:app/PLATFORM/NAME → arn:…:endpoint/PLATFORM/NAME/* (endpoints of that application only). */
function endpointArns(app: PlatformApp): string {
  // The appended ':app/none' keeps both Split elements present even for an empty parameter, so the
  // expression is valid whichever way the condition goes.
  const parts = Fn.split(':app/', Fn.join('', [app.arn, ':app/none']));
  const pattern = Fn.join('', [Fn.select(0, parts), ':endpoint/', Fn.select(1, parts), '/*']);
  return ifElse(app.configured, pattern, notConfigured('endpoint', app.platform));
}

function notConfigured(kind: 'app' | 'endpoint', platform: string): string {
  return `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind}/${platform}/not-configured`;
}

export function connectionsArn(scope: Stack, ws: GrantTargets['webSocket'], method: 'POST' | 'DELETE' = 'POST'): string {
  return scope.formatArn({
    service: 'execute-api',
    resource: ws.apiId,
    resourceName: `${ws.stageName}/${method}/@connections/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

export function applyGrants(role: iam.Role, grants: readonly Grant[], t: GrantTargets): void {
  const stack = Stack.of(role);
  const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
  const indexes = `${t.table.tableArn}/index/*`;

  for (const grant of new Set(grants)) {
    switch (grant) {
      case 'table:read':
        add(TABLE_READ_ACTIONS, [t.table.tableArn, indexes]);
        acknowledgeWildcards(role, [indexes], 'Queries the GSIs of its own table (conversation lists, due reminders); index names are part of the table definition.');
        break;
      case 'table:write':
        add(TABLE_WRITE_ACTIONS, [t.table.tableArn]);
        break;
      case 'sns:endpoints': {
        add(['sns:CreatePlatformEndpoint'], t.platformApps.map(appArn));
        const endpoints = t.platformApps.map(endpointArns);
        add(SNS_ENDPOINT_ACTIONS, endpoints);
        acknowledgeWildcards(role, endpoints, 'Device endpoints are created at run time; the grant covers only endpoints of the configured platform applications.');
        break;
      }
      case 'sns:publish': {
        const endpoints = t.platformApps.map(endpointArns);
        add(['sns:Publish'], endpoints);
        acknowledgeWildcards(role, endpoints, 'Pushes go to device endpoints created at run time; the grant covers only endpoints of the configured platform applications.');
        break;
      }
      case 'ses:send': {
        const identities = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`;
        // In the SES sandbox the recipients' identities are authorised too, so the resource is
        // every identity and the from-address is pinned by the condition instead.
        const configurationSets = t.emailConfigurationSet
          ? [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${t.emailConfigurationSet}`]
          : [];
        add(['ses:SendEmail', 'ses:SendRawEmail'], [identities, ...configurationSets], { StringEquals: { 'ses:FromAddress': t.emailFrom } });
        acknowledgeWildcards(role, [identities], 'SES authorises sender and (in the sandbox) recipient identities; the ses:FromAddress condition pins the sender to the EmailFrom parameter.');
        break;
      }
      case 'ws:manage': {
        const arn = connectionsArn(stack, t.webSocket);
        add(['execute-api:ManageConnections'], [arn]);
        acknowledgeWildcards(role, [arn], 'Connection ids are known only at run time; the grant is POST to @connections of this WebSocket API stage only.');
        break;
      }
      case 'ws:close': {
        const arn = connectionsArn(stack, t.webSocket, 'DELETE');
        add(['execute-api:ManageConnections'], [arn]);
        acknowledgeWildcards(role, [arn], 'Connection ids are known only at run time; the grant is DELETE on @connections of this WebSocket API stage only.');
        break;
      }
      default: {
        const never: never = grant;
        throw new Error(`unknown grant ${String(never)}`);
      }
    }
  }
}
