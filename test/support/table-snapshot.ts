/**
 * Every item of a test table, to prove that a rejected request wrote nothing. Tests may Scan
 * their own small table; handlers never do.
 */
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { localClientConfig } from '../../local/client-config.js';

export type Snapshot = Map<string, string>;

/** JSON with keys sorted at every level, so equal items compare equal. */
function stable(v: unknown): string {
  if (v instanceof Set) return stable([...v].sort());
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

export interface TableReader {
  snapshot(): Promise<Snapshot>;
  close(): void;
}

export function tableReader(endpoint: string, tableName: string): TableReader {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  return {
    async snapshot() {
      const items: Snapshot = new Map();
      let start: Record<string, AttributeValue> | undefined;
      do {
        const r = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
        for (const raw of r.Items ?? []) {
          const it = unmarshall(raw);
          items.set(`${String(it.pk)} | ${String(it.sk)}`, stable(it));
        }
        start = r.LastEvaluatedKey;
      } while (start);
      return items;
    },
    close: () => client.destroy(),
  };
}

/** What changed between two snapshots, by item key: empty when nothing was written. */
export function changes(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) out.push(`added ${key}`);
    else if (before.get(key) !== value) out.push(`changed ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`removed ${key}`);
  return out;
}
