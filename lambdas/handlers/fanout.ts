/**
 * The stream fan-out: wiring only. The use case (who hears about a message, the exactly-once
 * guard, handing big messages to the workers) is lambdas/app/fanout.ts.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { connectionsClient, dynamo, snsClient, sqsClient } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { fanoutBatch, type FanoutDeps } from '../app/fanout.js';

export type { FanoutDeps };

/** The `fanout-work` queue's URL (lib/routes.ts QUEUES sets it on every function); unset: no hand-off. */
const queueUrl = () => process.env.FANOUT_WORK_QUEUE_URL || undefined;

export function fanoutDeps(): FanoutDeps {
  const url = queueUrl();
  return {
    db: dynamo(),
    tableName: config().tableName,
    sns: snsClient(),
    connections: connectionsClient,
    inactiveDays: config().agentInactiveDays,
    ...(url ? { sqs: sqsClient(), queueUrl: url } : {}),
  };
}

export const fanout = fanoutBatch;

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => fanoutBatch(event, fanoutDeps());
