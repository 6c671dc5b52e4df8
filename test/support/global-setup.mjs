// jest loads globalSetup outside its transform pipeline, so TypeScript is loaded through tsx here.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startDynamoDbLocal } = await tsImport('../../local/dynamodb-local.ts', import.meta.url);
  const { freePort } = await tsImport('../../local/free-port.ts', import.meta.url);
  let ddb;
  // The port can be taken between choosing it and java binding it: then choose again.
  for (let attempt = 1; !ddb; attempt++) {
    try {
      ddb = await startDynamoDbLocal({ port: await freePort() });
    } catch (e) {
      // By name: each tsImport loads its own copy of free-port.ts, so instanceof cannot be trusted.
      if (e?.name !== 'PortInUseError' || attempt >= 3) throw e;
    }
  }
  // One DynamoDB Local for the whole run; each test file makes its own table(s) in it.
  process.env.DYNAMODB_ENDPOINT = ddb.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.POWERTOOLS_DEV = process.env.POWERTOOLS_DEV ?? '';
  globalThis.__DDB__ = ddb;
}
