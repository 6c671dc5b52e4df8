/**
 * The connection-expiry sweep (SPEC §10.4), run every minute by an EventBridge rule: closes, through
 * @connections, each WebSocket connection whose agent token has expired, and forgets it. API
 * Gateway itself would keep such a connection open for up to 2 hours.
 *
 * It reads only the `due` index's partitions of the last few expiry minutes. Delivery is at least
 * once: a second run finds the closed ones forgotten, or gets 410 for them, which is fine.
 */
import type { Context } from 'aws-lambda';
import { connectionsClient, dynamo } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { closeExpiredConnections, type CloseSummary } from '../app/connections.js';

export const handler = async (_event?: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<CloseSummary> => {
  const summary = await closeExpiredConnections({ db: dynamo(), tableName: config().tableName, connections: connectionsClient });
  if (summary.closed + summary.gone + summary.failed > 0) logger.info('expired connections closed', { requestId: context?.awsRequestId, ...summary });
  // Failed ones keep their items and are found again by the next run (within the lookback); the
  // error makes them count in the function's Errors alarm instead of passing silently.
  if (summary.failed > 0) throw new Error(`${summary.failed} expired connection(s) could not be closed; the next run tries again`);
  return summary;
};
