// jest loads globalSetup outside its transform pipeline, so TypeScript is loaded through tsx here.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startDynamoDbLocalOnFreePort } = await tsImport('../../local/dynamodb-local.ts', import.meta.url);
  const ddb = await startDynamoDbLocalOnFreePort();
  // One DynamoDB Local for the whole run; each test file makes its own table(s) in it.
  process.env.DYNAMODB_ENDPOINT = ddb.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.POWERTOOLS_DEV = process.env.POWERTOOLS_DEV ?? '';
  globalThis.__DDB__ = ddb;
}
