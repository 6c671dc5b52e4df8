/**
 * How the offline stack, its tests and the benchmarks reach a service running on this machine.
 * The local services ignore the region and the credentials, but the SDK signs every request and
 * so needs both set.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function localClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/** A document client on a local DynamoDB, with the same marshalling the handlers use. */
export function localDocClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(endpoint)), { marshallOptions: { removeUndefinedValues: true } });
}
