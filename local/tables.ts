/** Create the table from the shared definition (the CDK stack uses the same one). */
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput, TABLE } from '../lambdas/store/table.js';

/**
 * `timeToLive: false` for tests: DynamoDB Local's TTL deletion job reads every item of every table
 * with TTL on, again and again; with many test tables full of TTL'd items (guards, rate counters,
 * delivery-log entries) it took most of a CPU and slowed every test after. Tests do not wait for expiry.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, { timeToLive = true } = {}): Promise<{ streamArn: string }> {
  try {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return { streamArn: d.Table!.LatestStreamArn! };
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  const r = await client.send(new CreateTableCommand(createTableInput(tableName)));
  if (timeToLive) await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE.ttlAttribute } })).catch(() => undefined);
  return { streamArn: r.TableDescription!.LatestStreamArn! };
}
