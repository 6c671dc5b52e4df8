/**
 * A message item as the table's stream carries it (attribute-value JSON, as Lambda delivers it),
 * read back into the fields the fan-out needs. Message items hold only strings and numbers, so a
 * small reader does; anything unexpected makes the record "not a message".
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { VisitorMessage } from '../domain/visitor-message.js';

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

function str(img: Image, name: string): string | undefined {
  const v = img[name]?.S;
  return typeof v === 'string' ? v : undefined;
}

function num(img: Image, name: string): number | undefined {
  const v = img[name]?.N;
  const n = v === undefined ? NaN : Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The inserted message a stream record carries, or undefined for any other change. */
export function messageFromRecord(r: DynamoDBRecord): VisitorMessage | undefined {
  const img = r.dynamodb?.NewImage;
  if (r.eventName !== 'INSERT' || !img || str(img, 'entity') !== 'message') return undefined;
  const fromType = str(img, 'fromType');
  const m = {
    workspaceId: str(img, 'workspaceId'),
    conversationId: str(img, 'conversationId'),
    messageId: str(img, 'messageId'),
    seq: num(img, 'seq'),
    fromId: str(img, 'fromId'),
    body: str(img, 'body'),
    createdAt: str(img, 'createdAt'),
  };
  if ((fromType !== 'visitor' && fromType !== 'agent') || Object.values(m).some((v) => v === undefined)) return undefined;
  const fromName = str(img, 'fromName');
  return { ...(m as Omit<VisitorMessage, 'fromType' | 'fromName'>), fromType, ...(fromName ? { fromName } : {}) };
}
