/**
 * The delivery log (SPEC §12): what each recipient of a notification got on each channel and
 * target, or why not. Pure: the fan-out, the reminder and the test notification build entries here,
 * store/delivery-log.ts keeps them.
 */
import type { AgentSettings } from './recipients.js';
import { wantsEmail } from './settings.js';
import type { Targets } from './fanout-plan.js';

export type LogChannel = 'desktop' | 'mobile' | 'email';
export type LogOutcome = 'sent' | 'suppressed' | 'failed' | 'due';
export type LogDetail =
  | 'desktop_off'
  | 'mobile_off'
  | 'email_off'
  | 'no_connection'
  | 'no_device'
  | 'do_not_disturb'
  | 'quiet_hours'
  | 'active_on_desktop'
  | 'endpoint_disabled'
  | 'endpoint_deleted'
  | 'connection_gone'
  | 'provider_error';
export type Reason = 'assigned' | 'scope_all' | 'unassigned';

export interface LogDelivery {
  channel: LogChannel;
  /** connectionId (desktop) or deviceId (mobile). */
  target?: string;
  outcome: LogOutcome;
  detail?: string;
}

export type LogEntry =
  | { kind: 'message'; at: string; conversationId: string; messageId: string; reason: Reason; deliveries: LogDelivery[] }
  | { kind: 'digest'; at: string; conversationIds: string[]; outcome: 'sent' | 'failed'; detail?: string }
  | { kind: 'clear'; at: string; conversationId: string; deliveries: LogDelivery[] }
  | { kind: 'test'; at: string; deliveries: LogDelivery[] };

/** An entry for one agent, with the part of its key that makes it unique (and idempotent) in the agent's log. */
export interface AgentLogEntry {
  workspaceId: string;
  agentId: string;
  /** Deterministic from what the entry is about: the same message (digest, test) always gives the same id. */
  id: string;
  entry: LogEntry;
}

/** Why an agent is a recipient (SPEC §2), in the log's words. */
export function reasonOf(agent: AgentSettings, assigneeId: string | null | undefined): Reason {
  if (assigneeId) return agent.agentId === assigneeId ? 'assigned' : 'scope_all';
  return agent.settings.scope === 'all' ? 'scope_all' : 'unassigned';
}

/** What a send came to, in the log's words: `failed` is a send that threw (left for the retry). */
export type SendResult = { outcome: 'sent' | 'gone' | 'disabled' | 'rejected'; detail?: string } | 'failed';

export function deliveryOf(channel: 'desktop' | 'mobile', target: string, r: SendResult): LogDelivery {
  if (r === 'failed') return { channel, target, outcome: 'failed', detail: 'provider_error' };
  if (r.outcome === 'sent') return { channel, target, outcome: 'sent' };
  if (r.outcome === 'gone') return { channel, target, outcome: 'failed', detail: 'connection_gone' };
  return { channel, target, outcome: 'failed', detail: r.detail ?? 'provider_error' };
}

/**
 * A recipient's entry before its sends: the reason, what the settings and targets suppress
 * (`desktop_off`, `no_connection`, …), and email `due` or `email_off`. `suppressed` are the fan-out's
 * other suppressions (do-not-disturb, quiet hours, active on desktop), by channel.
 */
export interface PendingEntry {
  agentId: string;
  reason: Reason;
  base: LogDelivery[];
}

export function pendingEntry(agent: AgentSettings, assigneeId: string | null | undefined, targets: Targets | undefined, nowS: number, suppressed: readonly LogDelivery[] = []): PendingEntry {
  const s = agent.settings;
  const t = targets ?? { connections: [], devices: [] };
  const base: LogDelivery[] = [];
  const extra = (channel: LogChannel) => suppressed.filter((d) => d.channel === channel);
  if (!s.desktop) base.push({ channel: 'desktop', outcome: 'suppressed', detail: 'desktop_off' });
  else if (extra('desktop').length) base.push(...extra('desktop'));
  else if (!t.connections.some((c) => !(c.until <= nowS))) base.push({ channel: 'desktop', outcome: 'suppressed', detail: 'no_connection' });
  if (!s.mobile) base.push({ channel: 'mobile', outcome: 'suppressed', detail: 'mobile_off' });
  else if (extra('mobile').length) base.push(...extra('mobile'));
  else if (t.devices.length === 0) base.push({ channel: 'mobile', outcome: 'suppressed', detail: 'no_device' });
  if (!wantsEmail(s)) base.push({ channel: 'email', outcome: 'suppressed', detail: 'email_off' });
  else if (extra('email').length) base.push(...extra('email'));
  else base.push({ channel: 'email', outcome: 'due' });
  return { agentId: agent.agentId, reason: reasonOf(agent, assigneeId), base };
}

const CHANNEL_ORDER: Record<LogChannel, number> = { desktop: 0, mobile: 1, email: 2 };

/**
 * A recipient's deliveries: the pending part and the sends' outcomes (this attempt's and an earlier
 * attempt's, so a redelivery loses none). A channel that has target outcomes drops its target-less
 * `no_connection` / `no_device` (an earlier attempt reached a target since forgotten).
 */
export function mergeDeliveries(base: readonly LogDelivery[], sends: readonly LogDelivery[]): LogDelivery[] {
  const byTarget = new Map<string, LogDelivery>();
  for (const d of sends) {
    const key = `${d.channel}#${d.target ?? ''}`;
    const had = byTarget.get(key);
    // A retry that knows more wins: sent over failed.
    if (!had || (had.outcome !== 'sent' && d.outcome === 'sent')) byTarget.set(key, d);
  }
  const withTargets = new Set([...byTarget.values()].map((d) => d.channel));
  const kept = base.filter((d) => !(withTargets.has(d.channel) && (d.detail === 'no_connection' || d.detail === 'no_device')));
  return [...kept, ...byTarget.values()].sort((a, b) => CHANNEL_ORDER[a.channel] - CHANNEL_ORDER[b.channel] || (a.target ?? '').localeCompare(b.target ?? ''));
}

export function messageEntry(m: { workspaceId: string; conversationId: string; messageId: string; createdAt: string }, p: PendingEntry, sends: readonly LogDelivery[]): AgentLogEntry {
  return {
    workspaceId: m.workspaceId,
    agentId: p.agentId,
    id: messageLogId(m.createdAt, m.messageId),
    entry: { kind: 'message', at: m.createdAt, conversationId: m.conversationId, messageId: m.messageId, reason: p.reason, deliveries: mergeDeliveries(p.base, sends) },
  };
}

/** Sort key part of an entry: time first (newest first when read backwards), then what makes it unique. */
export const messageLogId = (at: string, messageId: string) => `${at}#M#${messageId}`;
export const digestLogId = (at: string, key: string) => `${at}#D#${key}`;
export const testLogId = (at: string, key: string) => `${at}#T#${key}`;
export const clearLogId = (at: string, key: string) => `${at}#C#${key}`;
