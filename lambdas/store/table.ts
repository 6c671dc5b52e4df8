/**
 * THE table definition: the CDK stack, the offline stack and the tests all build the table from
 * this, so the key schema and indexes cannot drift between them.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: {
    /** Conversations of a workspace by newest activity. */
    byWorkspaceActivity: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Conversations of a workspace by assignee (or none) by newest activity. */
    byAssigneeActivity: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    /**
     * Sparse: only (agent, conversation) positions that owe a reminder email carry these keys
     * (partition `DUE`), and each connection's by-id item, under its token's expiry minute
     * (partitions `CONNEXP#{minute}`, read by the connection-expiry sweep).
     */
    dueReminders: { name: 'due', partitionKey: 'duePk', sortKey: 'dueSk' },
  },
} as const;

export type IndexName = (typeof TABLE.indexes)[keyof typeof TABLE.indexes]['name'];

/** The CreateTable input for DynamoDB Local (the CDK stack maps the same fields to its construct). */
export function createTableInput(tableName: string) {
  const attrs = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  const gsis = Object.values(TABLE.indexes).map((ix) => {
    attrs.add(ix.partitionKey);
    attrs.add(ix.sortKey);
    return {
      IndexName: ix.name,
      KeySchema: [
        { AttributeName: ix.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: ix.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    };
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: gsis,
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' as const },
  };
}

/**
 * The fan-out's event filter: only inserted visitor messages. Lambda's event source mapping applies
 * it on AWS; the offline stream poller applies the same pattern.
 */
export const FANOUT_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { entity: { S: ['message'] }, fromType: { S: ['visitor'] } } },
} as const;
