/**
 * SES email sending events (configuration set → SNS), read for SPEC §10.3: a permanent bounce or a
 * complaint marks the agent's email as failing. The agent is named by the message tags the reminder
 * sent (`workspace`, `agent`), which SES copies into every event as `mail.tags` (name → [values]).
 * Record format: https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * (top-level `eventType`; `notificationType` in identity feedback notifications, which carry no tags).
 */
import { ID_PATTERN } from './ids.js';

export type SesEventVerdict = { kind: 'failing'; workspaceId: string; agentId: string; reason: string } | { kind: 'ignore'; why: string };

interface SesEventRecord {
  eventType?: unknown;
  notificationType?: unknown;
  bounce?: { bounceType?: unknown; bounceSubType?: unknown };
  complaint?: { complaintFeedbackType?: unknown };
  mail?: { tags?: Record<string, unknown> };
}

function tag(tags: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = tags?.[name];
  const first: unknown = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' && ID_PATTERN.test(first) ? first : undefined;
}

/** The SNS message body (a JSON string) of one SES event. */
export function readSesEvent(message: string): SesEventVerdict {
  let e: SesEventRecord;
  try {
    e = JSON.parse(message) as SesEventRecord;
  } catch {
    return { kind: 'ignore', why: 'not JSON' };
  }
  if (!e || typeof e !== 'object') return { kind: 'ignore', why: 'not an event' };
  const type = e.eventType ?? e.notificationType;
  let reason: string;
  if (type === 'Bounce') {
    // Transient and undetermined bounces (a full mailbox, a timeout) pass; SES retries those itself.
    if (e.bounce?.bounceType !== 'Permanent') return { kind: 'ignore', why: 'not a permanent bounce' };
    reason = `bounce:${String(e.bounce.bounceSubType ?? 'General')}`;
  } else if (type === 'Complaint') {
    reason = `complaint:${String(e.complaint?.complaintFeedbackType ?? 'unspecified')}`;
  } else {
    return { kind: 'ignore', why: `event ${String(type)}` };
  }
  const workspaceId = tag(e.mail?.tags, 'workspace');
  const agentId = tag(e.mail?.tags, 'agent');
  if (!workspaceId || !agentId) return { kind: 'ignore', why: 'no agent tags' };
  return { kind: 'failing', workspaceId, agentId, reason };
}
