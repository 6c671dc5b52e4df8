/** The `fanout-work` queue's consumer: wiring only (lambdas/app/fanout.ts `fanoutWork`). */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fanoutWork } from '../app/fanout.js';
import { fanoutDeps } from './fanout.js';

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => fanoutWork(event, fanoutDeps());
