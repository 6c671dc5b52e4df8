/**
 * The one client factory: each AWS client is built once per cold start, pointed at the endpoint
 * the environment names (the offline stack sets them to local services; on AWS they are unset).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SESClient } from '@aws-sdk/client-ses';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from './config.js';
import { recordCalls } from './call-log.js';
import { traced } from './tracer.js';
import { TABLE } from '../store/table.js';

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function common(endpoint: string | undefined) {
  const { region } = config();
  return endpoint ? { region, endpoint, credentials: localCredentials } : { region };
}

let ddb: DynamoDBDocumentClient | undefined;

const INDEX_KEYS = Object.fromEntries(Object.values(TABLE.indexes).map((ix) => [ix.name, ix.partitionKey]));
let sns: SNSClient | undefined;
let ses: SESClient | undefined;
let ws: ApiGatewayManagementApiClient | undefined;
let sqs: SQSClient | undefined;

export function dynamo(): DynamoDBDocumentClient {
  if (!ddb) {
    const low = traced(new DynamoDBClient(common(config().endpoints.dynamodb)));
    // The least-privilege proof's recorder (dormant unless AWS_CALL_LOG is set): lambdas/platform/call-log.ts.
    recordCalls(low.middlewareStack, { service: 'dynamodb', tablePk: TABLE.partitionKey, indexKeys: INDEX_KEYS });
    ddb = DynamoDBDocumentClient.from(low, { marshallOptions: { removeUndefinedValues: true } });
  }
  return ddb;
}

/**
 * Sends of the fan-out are bounded in time (3 attempts of at most ~4 s), so a send always ends
 * well inside the 15 s claim lease that guards it (store/notifications.ts).
 */
const BOUNDED_SEND = { requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 }, maxAttempts: 3 };

export function snsClient(): SNSClient {
  if (!sns) {
    sns = traced(new SNSClient({ ...common(config().endpoints.sns), ...BOUNDED_SEND }));
    recordCalls(sns.middlewareStack, { service: 'sns' });
  }
  return sns;
}

export function sesClient(): SESClient {
  // SES throttling is retried by the SDK with backoff; a few more attempts than the default 3.
  if (!ses) {
    ses = traced(new SESClient({ ...common(config().endpoints.ses), maxAttempts: 6 }));
    recordCalls(ses.middlewareStack, { service: 'ses' });
  }
  return ses;
}

export function connectionsClient(): ApiGatewayManagementApiClient {
  if (!ws) {
    const endpoint = config().wsCallbackUrl;
    if (!endpoint) throw new Error('WS_CALLBACK_URL is not set');
    const local = !endpoint.startsWith('https://');
    // Unlike the other clients, the endpoint is set on AWS too (the stage's callback URL): only a
    // local gateway gets the local credentials.
    ws = traced(new ApiGatewayManagementApiClient({ ...(local ? common(endpoint) : { region: config().region, endpoint }), ...BOUNDED_SEND }));
    recordCalls(ws.middlewareStack, { service: 'execute-api' });
  }
  return ws;
}

/**
 * The work queues' client (lib/routes.ts QUEUES). Sends are bounded like the fan-out's: a producer
 * runs inside a stream batch or a queue message whose own retry takes over when a send fails.
 */
export function sqsClient(): SQSClient {
  if (!sqs) {
    sqs = traced(new SQSClient({ ...common(config().endpoints.sqs), ...BOUNDED_SEND }));
    recordCalls(sqs.middlewareStack, { service: 'sqs' });
  }
  return sqs;
}
