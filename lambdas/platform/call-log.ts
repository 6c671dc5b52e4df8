/**
 * The AWS call recorder behind the least-privilege proof (test/support/iam-check.ts). Dormant
 * unless AWS_CALL_LOG names a directory: then every SDK call a handler makes is appended there as
 * one JSON line per IAM authorisation it needs, so a check can hold each against the function's
 * synthesized policy. Never set on AWS (the stack does not pass it).
 *
 * Which function made the call: the offline stack runs every handler in one process, so the
 * invoker wraps each invocation in `asFunction` (AsyncLocalStorage follows the handler's awaits,
 * including work it leaves running). Calls outside any invocation (seeding, test setup) are not a
 * function's and are not recorded.
 *
 * IAM facts used here:
 * - TransactWriteItems has no IAM action of its own: each Put/Update/Delete/ConditionCheck is
 *   authorised as PutItem/UpdateItem/DeleteItem/ConditionCheckItem on its item.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 * - BatchGetItem/BatchWriteItem are their own actions; dynamodb:LeadingKeys holds every key's
 *   partition key value. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 * - @connections calls are execute-api:ManageConnections on {api}/{stage}/{METHOD}/@connections/{id}.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
 * - SendMessageBatch has no IAM action of its own: it is authorised as sqs:SendMessage on the queue.
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MiddlewareStack } from '@smithy/types';

export interface RecordedCall {
  /** The route table's handler name, e.g. `http/post-message`. */
  function: string;
  /** The IAM action, e.g. `dynamodb:Query`. */
  action: string;
  /** The SDK command, e.g. `TransactWriteItems`, for the reader of a failure. */
  command: string;
  table?: string;
  index?: string;
  /** Partition key value of the item, or of the Query (the index's partition key on an index). */
  pk?: string;
  /** SNS: the application or endpoint ARN. */
  arn?: string;
  /** SES: the Source address, and the configuration set named by the call (also authorised). */
  from?: string;
  configurationSet?: string;
  /** @connections: the HTTP method. */
  method?: string;
  /** SQS: the queue's name (the last segment of its URL). */
  queue?: string;
}

const scope = new AsyncLocalStorage<string>();

/** Run one invocation of `handler` (a route-table name) so its AWS calls are attributed to it. */
export function asFunction<T>(handler: string, run: () => T): T {
  return scope.run(handler, run);
}

function logFile(): string | undefined {
  const dir = process.env.AWS_CALL_LOG;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  // One file per process (jest workers are processes), appended synchronously: nothing is lost
  // when a worker exits.
  return join(dir, `calls-${process.pid}.jsonl`);
}

type Input = Record<string, any>;

/** A key value as the document client (plain) or the low-level client ({ S: … }) holds it. */
function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { S?: unknown }).S === 'string') return (v as { S: string }).S;
  return undefined;
}

/** The value `KeyConditionExpression` compares `attr` with (`attr = :v` or `#n = :v`). */
function keyConditionValue(input: Input, attr: string): string | undefined {
  const expr = String(input.KeyConditionExpression ?? '');
  for (const m of expr.matchAll(/(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
    const name = m[1]!.startsWith('#') ? input.ExpressionAttributeNames?.[m[1]!] : m[1];
    if (name === attr) return str(input.ExpressionAttributeValues?.[m[2]!]);
  }
  return undefined;
}

const DOC_TO_API: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};

/** The index partition keys, by index name: passed in so this module imports no store code. */
export type IndexKeys = Readonly<Record<string, string>>;

export function dynamoCalls(command: string, input: Input, tablePk: string, indexKeys: IndexKeys): Omit<RecordedCall, 'function'>[] {
  const name = DOC_TO_API[command] ?? command;
  const item = (action: string, table: string, key: Input | undefined) => ({ action: `dynamodb:${action}`, command: name, table, pk: str(key?.[tablePk]) });
  switch (name) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [item(name, input.TableName, input.Key)];
    case 'PutItem':
      return [item(name, input.TableName, input.Item)];
    case 'Query': {
      const index = input.IndexName as string | undefined;
      const attr = index ? (indexKeys[index] ?? '?') : tablePk;
      return [{ action: 'dynamodb:Query', command: name, table: input.TableName, ...(index ? { index } : {}), pk: keyConditionValue(input, attr) }];
    }
    case 'BatchGetItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, { Keys?: Input[] }>).flatMap(([table, r]) => (r.Keys ?? []).map((key) => item('BatchGetItem', table, key)));
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, Input[]>).flatMap(([table, reqs]) =>
        reqs.map((r) => item('BatchWriteItem', table, r.PutRequest?.Item ?? r.DeleteRequest?.Key)),
      );
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Input[]).map((t) => {
        if (t.Put) return item('PutItem', t.Put.TableName, t.Put.Item);
        if (t.Update) return item('UpdateItem', t.Update.TableName, t.Update.Key);
        if (t.Delete) return item('DeleteItem', t.Delete.TableName, t.Delete.Key);
        return item('ConditionCheckItem', t.ConditionCheck?.TableName, t.ConditionCheck?.Key);
      });
    case 'TransactGetItems':
      return ((input.TransactItems ?? []) as Input[]).map((t) => item('GetItem', t.Get?.TableName, t.Get?.Key));
    default:
      // Anything else (Scan, DescribeTable…) is recorded under its own name, so the check names it.
      return [{ action: `dynamodb:${name}`, command: name, table: input.TableName }];
  }
}

/** SQS actions whose batch form is authorised as the single action. */
const SQS_BATCH_TO_ACTION: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

function otherCalls(service: 'sns' | 'ses' | 'execute-api' | 'sqs', command: string, input: Input): Omit<RecordedCall, 'function'>[] {
  if (service === 'sqs') {
    const queue = String(input.QueueUrl ?? input.QueueName ?? '')
      .split('/')
      .filter(Boolean)
      .pop();
    return [{ action: `sqs:${SQS_BATCH_TO_ACTION[command] ?? command}`, command, ...(queue ? { queue } : {}) }];
  }
  if (service === 'sns') {
    const arn = input.PlatformApplicationArn ?? input.EndpointArn ?? input.TargetArn ?? input.TopicArn;
    return [{ action: `sns:${command}`, command, arn }];
  }
  if (service === 'ses') {
    return [{ action: `ses:${command}`, command, from: input.Source, ...(input.ConfigurationSetName ? { configurationSet: input.ConfigurationSetName } : {}) }];
  }
  const method = command === 'PostToConnection' ? 'POST' : command === 'GetConnection' ? 'GET' : command === 'DeleteConnection' ? 'DELETE' : command;
  return [{ action: 'execute-api:ManageConnections', command, method }];
}

export interface Recorded {
  service: 'dynamodb' | 'sns' | 'ses' | 'execute-api' | 'sqs';
  tablePk?: string;
  indexKeys?: IndexKeys;
}

/**
 * Add the recorder to a client's middleware stack (a no-op unless AWS_CALL_LOG is set). It sits
 * at the start of the stack, so it sees each call once, before retries, with the caller's input.
 */
export function recordCalls(stack: MiddlewareStack<any, any>, what: Recorded): void {
  const file = logFile();
  if (!file) return;
  stack.add(
    (next, context) => async (args) => {
      const fn = scope.getStore();
      if (fn) {
        const command = String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '');
        const input = (args as { input: Input }).input;
        const calls = what.service === 'dynamodb' ? dynamoCalls(command, input, what.tablePk ?? 'pk', what.indexKeys ?? {}) : otherCalls(what.service, command, input);
        appendFileSync(file, calls.map((c) => JSON.stringify({ function: fn, ...c }) + '\n').join(''));
      }
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'awsCallLog' },
  );
}
