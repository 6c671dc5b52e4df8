/**
 * Email through SES v1 `SendEmail`. Throttling and 5xx are retried with backoff by the SDK itself
 * (the client's maxAttempts); what still fails is reported, not thrown, so one agent's failure
 * never stops the others.
 */
import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type EmailOutcome =
  | { status: 'sent'; messageId: string }
  /** Sending this same email again will fail again (e.g. an address SES rejects). */
  | { status: 'failed-permanent'; code: string }
  /** Worth trying again at the next check (throttling that outlasted the retries, an outage). */
  | { status: 'failed-transient'; code: string };

const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerified',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExist',
  'ConfigurationSetDoesNotExistException',
  'InvalidParameterValue',
  'ValidationError',
]);

const UTF8 = 'UTF-8';

export async function sendEmail(ses: SESClient, email: OutgoingEmail): Promise<EmailOutcome> {
  try {
    const r = await ses.send(
      new SendEmailCommand({
        Source: email.from,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: UTF8 },
          Body: { Text: { Data: email.text, Charset: UTF8 }, Html: { Data: email.html, Charset: UTF8 } },
        },
      }),
    );
    return { status: 'sent', messageId: r.MessageId ?? '' };
  } catch (e) {
    const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    const code = err.Code ?? err.name ?? 'Unknown';
    return PERMANENT.has(code) ? { status: 'failed-permanent', code } : { status: 'failed-transient', code };
  }
}
