/**
 * The connection-expiry sweep's schedule (SPEC §10.4): an EventBridge rule every minute. No
 * dead-letter queue: a run that is not delivered is made up by the next one a minute later, which
 * reads the last few expiry minutes again (lambdas/domain/connection-limits.ts).
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { HandlerFunction } from './handler-function.js';

export const CONNECTION_EXPIRY_SCHEDULE = events.Schedule.rate(Duration.minutes(1));

export class ConnectionExpirySweep extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: { sweep: HandlerFunction }) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Closes WebSocket connections whose agent token has expired (SPEC §10.4)',
      schedule: CONNECTION_EXPIRY_SCHEDULE,
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.sweep.fn, {
        // The next run is a minute later and covers the same minutes again.
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    );
  }
}
