/**
 * Bounces and complaints from the reminders' SES configuration set, delivered through an SNS topic
 * (SPEC §10.3): each one naming an agent marks that agent's email as failing, exactly as a
 * permanent SES refusal does, so the reminder stops sending to them until a settings save or a
 * sign-in. Addresses are in the event but never logged.
 */
import type { SNSEvent } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { readSesEvent } from '../domain/ses-event.js';
import { markEmailFailing } from '../store/agent-status.js';

export interface SesEventsDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

export async function handleSesEvents(event: SNSEvent, deps: SesEventsDeps): Promise<{ marked: number; ignored: number }> {
  let marked = 0;
  let ignored = 0;
  for (const r of event.Records ?? []) {
    const v = readSesEvent(r.Sns?.Message ?? '');
    if (v.kind === 'ignore') {
      ignored++;
      logger.info('ses event ignored', { why: v.why, snsMessageId: r.Sns?.MessageId });
      continue;
    }
    // A throw fails the invocation: SNS retries the delivery to Lambda (the write is idempotent).
    const found = await markEmailFailing(deps.db, deps.tableName, v, v.reason, r.Sns?.Timestamp ?? new Date().toISOString());
    if (found) marked++;
    else ignored++;
    logger.warn(found ? "agent's email marked failing" : 'ses event for an unknown agent', {
      workspaceId: v.workspaceId,
      agentId: v.agentId,
      reason: v.reason,
    });
  }
  return { marked, ignored };
}

export const handler = (event: SNSEvent) => handleSesEvents(event, { db: dynamo(), tableName: config().tableName });
