/**
 * SPEC §10.3 on AWS: the reminders are sent with this SES configuration set, whose event destination
 * publishes bounces and complaints to an SNS topic; a Lambda subscribed to it marks the agent's
 * email as failing (lambdas/handlers/ses-events.ts). Each email names its agent in SES message tags,
 * which SES copies into the events (`mail.tags`), so no address-to-agent index is needed.
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export class EmailEvents extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Agent chat reminder bounces and complaints', enforceSSL: true });
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {});
    // The destination also gives SES (this configuration set only) sns:Publish on the topic.
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
  }

  /** The handler that reads the events (created after the shared environment names this set). */
  subscribe(fn: lambda.IFunction): void {
    this.topic.addSubscription(new subscriptions.LambdaSubscription(fn));
  }
}
