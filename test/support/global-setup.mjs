// jest loads globalSetup outside its transform pipeline, so TypeScript is loaded through tsx here.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  // The AWS call recorder (lambdas/platform/call-log.ts): every handler's SDK calls in the offline
  // stacks of this run, checked against the synthesized policies by the global teardown.
  process.env.AWS_CALL_LOG = mkdtempSync(join(tmpdir(), 'aws-calls-'));
  // The contract test (support/contract.ts): every HTTP answer and frame the suites receive,
  // checked against docs/openapi.json and docs/asyncapi.json by the global teardown.
  process.env.API_CONTRACT_LOG = mkdtempSync(join(tmpdir(), 'api-contract-'));
  globalThis.__DDB__ = ddb;
}
