/**
 * Email through SES v1 `SendRawEmail` (a MIME message built by domain/mime.ts: `SendEmail` cannot
 * carry headers such as List-Unsubscribe, SPEC §11.7). Throttling and 5xx are retried with backoff by the SDK itself
 * (the client's maxAttempts); what still fails is reported, not thrown, so one agent's failure
 * never stops the others.
 */
import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { buildMime } from '../domain/mime.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra header fields, name → value (SPEC §11.7: List-Unsubscribe, List-Unsubscribe-Post). */
  headers?: Record<string, string>;
  /**
   * SES message tags. SES copies them into the bounce and complaint events a configuration set
   * publishes (`mail.tags`), so an event names the agent without an email-to-agent index.
   * Names and values: ASCII letters, digits, `_` and `-`, at most 256 characters (ids fit;
   * https://docs.aws.amazon.com/ses/latest/APIReference/API_MessageTag.html). aws-ses-v2-local's
   * v1 SendEmail accepts `Tags` and `ConfigurationSetName` (its schema lists both) and ignores them.
   */
  tags?: Record<string, string>;
  /** SES_CONFIGURATION_SET: only when set, as a name SES does not know fails the send. */
  configurationSet?: string;
}

export type EmailOutcome =
  | { status: 'sent'; messageId: string }
  /**
   * Sending this same email again will fail again. `recipient`: the address is at fault (SES
   * rejected the message or the address) and the agent's email is marked failing; otherwise the
   * stack's own setup is (a MAIL FROM domain, a configuration set, sending paused), which an
   * operator fixes: nothing is marked on the agent.
   */
  | { status: 'failed-permanent'; code: string; recipient: boolean }
  /** Worth trying again at the next check (throttling that outlasted the retries, an outage). */
  | { status: 'failed-transient'; code: string };

/**
 * SES v1 SendRawEmail's modelled errors, the same as SendEmail's (API reference, "Errors": MessageRejected,
 * MailFromDomainNotVerified, ConfigurationSetDoesNotExist, ConfigurationSetSendingPaused,
 * AccountSendingPaused; https://docs.aws.amazon.com/ses/latest/APIReference/API_SendRawEmail.html),
 * plus the common InvalidParameterValue an address SES cannot parse gets. The SDK names some with
 * an `Exception` suffix.
 */
const RECIPIENT_PERMANENT = new Set(['MessageRejected', 'InvalidParameterValue', 'ValidationError']);
const SENDER_PERMANENT = new Set([
  'MailFromDomainNotVerified',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExist',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetSendingPaused',
  'ConfigurationSetSendingPausedException',
  'AccountSendingPaused',
  'AccountSendingPausedException',
]);

export async function sendEmail(ses: SESClient, email: OutgoingEmail): Promise<EmailOutcome> {
  try {
    const r = await ses.send(
      new SendRawEmailCommand({
        Source: email.from,
        Destinations: [email.to],
        RawMessage: { Data: new TextEncoder().encode(buildMime(email)) },
        ...(email.tags ? { Tags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
        ...(email.configurationSet ? { ConfigurationSetName: email.configurationSet } : {}),
      }),
    );
    return { status: 'sent', messageId: r.MessageId ?? '' };
  } catch (e) {
    const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    const code = err.Code ?? err.name ?? 'Unknown';
    if (RECIPIENT_PERMANENT.has(code)) return { status: 'failed-permanent', code, recipient: true };
    if (SENDER_PERMANENT.has(code)) return { status: 'failed-permanent', code, recipient: false };
    return { status: 'failed-transient', code };
  }
}
