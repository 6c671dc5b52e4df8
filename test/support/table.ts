/**
 * A fresh table in the run's DynamoDB Local for one test file, and the handlers pointed at it
 * through the same environment variables the offline stack sets.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { ensureTable } from '../../local/tables.js';
import { localClientConfig } from '../../local/client-config.js';

export interface TestTable {
  tableName: string;
  streamArn: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

export async function createTestTable(prefix = 'test'): Promise<TestTable> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: jest globalSetup starts DynamoDB Local');
  const tableName = `${prefix}-${randomBytes(4).toString('hex')}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const { streamArn } = await ensureTable(client, tableName, { timeToLive: false });
  process.env.TABLE_NAME = tableName;
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { tableName, streamArn, client, doc };
}
