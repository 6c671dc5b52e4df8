/**
 * The stream fan-out: wiring only. The use case (who hears about a message, the exactly-once
 * guard, handing big messages to the workers) is lambdas/app/fanout.ts.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { connectionsClient, dynamo, snsClient } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { fanoutBatch, type FanoutDeps } from '../app/fanout.js';

export type { FanoutDeps };

export function fanoutDeps(): FanoutDeps {
  return {
    db: dynamo(),
    tableName: config().tableName,
    sns: snsClient(),
    connections: connectionsClient,
    inactiveDays: config().agentInactiveDays,
  };
}

export const fanout = fanoutBatch;

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => fanoutBatch(event, fanoutDeps());
