/** Create the table from the shared definition (the CDK stack uses the same one). */
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput, TABLE } from '../lambdas/store/table.js';

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<{ streamArn: string }> {
  try {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return { streamArn: d.Table!.LatestStreamArn! };
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  const r = await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE.ttlAttribute } })).catch(() => undefined); // DynamoDB Local accepts TTL settings but never expires items; not needed locally.
  return { streamArn: r.TableDescription!.LatestStreamArn! };
}
