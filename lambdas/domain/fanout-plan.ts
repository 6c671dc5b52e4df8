/**
 * Who is notified of a new message, and on which channels (SPEC §1–2), decided from the
 * conversation's assignee and the agents' settings as they are now.
 */
import { recipients, type AgentSettings } from './recipients.js';
import { channelsOn, type Channel } from './settings.js';
import { isInactive } from './agent-activity.js';
import type { VisitorMessage } from './visitor-message.js';
import type { Platform } from './push.js';
import type { Attention, SuppressionDetail } from './attention-plan.js';
import type { PushPreview } from './settings.js';

export interface Delivery {
  agentId: string;
  channels: Channel[];
}

/** SPEC §10.4: agents unseen for `inactiveDays` days are left out (no push, no email obligation). */
export interface Activity {
  nowMs: number;
  inactiveDays: number;
}

export function planFanout(m: Pick<VisitorMessage, 'fromType' | 'fromId'>, assigneeId: string | null | undefined, candidates: readonly AgentSettings[], activity?: Activity): Delivery[] {
  return planRecipients(m, assigneeId, candidates, activity).filter((d) => d.channels.length > 0);
}

/** planFanout with the recipients who turned every channel off kept (channels `[]`): their decision is logged too (SPEC §12). */
export function planRecipients(m: Pick<VisitorMessage, 'fromType' | 'fromId'>, assigneeId: string | null | undefined, candidates: readonly AgentSettings[], activity?: Activity): Delivery[] {
  // Only visitor messages notify: an agent's reply notifies nobody, not even other agents.
  if (m.fromType !== 'visitor') return [];
  return (
    recipients(candidates, assigneeId, m.fromId)
      // An inactive agent has no live connection either (a connection marks them seen), so leaving
      // them out entirely costs no desktop frame anyone could have seen.
      .filter((r) => !activity || !isInactive(r, activity.nowMs, activity.inactiveDays))
      .map((r) => ({ agentId: r.agentId, channels: channelsOn(r.settings) }))
  );
}

/** A live connection as the recipient items carry it: `until` is when it ends at the latest (epoch s). */
export interface ConnectionTarget {
  connectionId: string;
  until: number;
}

/** An enabled device as the recipient items carry it. */
export interface DeviceTarget {
  deviceId: string;
  platform: Platform;
  endpointArn: string;
}

export interface Targets {
  connections: ConnectionTarget[];
  devices: DeviceTarget[];
}

/**
 * One frame or one push, with the recipient's per-recipient choices (they travel in work items):
 * a frame's `notify` (absent = true) and a push's `preview` (absent = full).
 */
export type Send =
  | { channel: 'desktop'; agentId: string; connectionId: string; notify?: boolean }
  | { channel: 'mobile'; agentId: string; deviceId: string; platform: Platform; endpointArn: string; preview?: PushPreview };

/** A channel on which a recipient gets nothing, and why (SPEC §12 `detail`), for the delivery log. */
export interface Suppressed {
  agentId: string;
  channel: Channel;
  detail: SuppressionDetail;
}

/** The name a send has in its guard's set of targets done. */
export function sendKey(s: Send): string {
  return s.channel === 'desktop' ? `${s.agentId}#${s.connectionId}` : `${s.agentId}#${s.deviceId}`;
}

/**
 * Every frame and push the deliveries call for, from each recipient's targets (a connection past its
 * end is skipped), and the recipients owed an email. Sorted, so a redelivery plans in the same order.
 * `attentionOf` (SPEC §11.4–11.6, domain/attention-plan.ts): frames carry `notify`, pushes the
 * preview, and a recipient whose alert pushes are held gets none. `suppressed` says, per recipient
 * and channel, why nothing goes there (channel off, no target, held).
 */
export function planSends(
  deliveries: readonly Delivery[],
  targetsOf: (agentId: string) => Targets | undefined,
  nowS: number,
  attentionOf: (agentId: string) => Attention | undefined = () => undefined,
): { sends: Send[]; due: string[]; suppressed: Suppressed[] } {
  const sends: Send[] = [];
  const due: string[] = [];
  const suppressed: Suppressed[] = [];
  for (const d of deliveries) {
    const t = targetsOf(d.agentId) ?? { connections: [], devices: [] };
    const a = attentionOf(d.agentId);
    const none = (channel: Channel, detail: SuppressionDetail) => suppressed.push({ agentId: d.agentId, channel, detail });
    if (d.channels.includes('desktop')) {
      const before = sends.length;
      for (const c of t.connections) if (!(c.until <= nowS)) sends.push({ channel: 'desktop', agentId: d.agentId, connectionId: c.connectionId, ...(a ? { notify: a.notify } : {}) });
      if (sends.length === before) none('desktop', 'no_connection');
    } else none('desktop', 'desktop_off');
    if (!d.channels.includes('mobile')) none('mobile', 'mobile_off');
    else if (t.devices.length === 0) none('mobile', 'no_device');
    else if (a?.holdMobile) none('mobile', a.holdMobile);
    else for (const x of t.devices) sends.push({ channel: 'mobile', agentId: d.agentId, deviceId: x.deviceId, platform: x.platform, endpointArn: x.endpointArn, ...(a ? { preview: a.preview } : {}) });
    if (d.channels.includes('email')) due.push(d.agentId);
    else none('email', 'email_off');
  }
  sends.sort((a, b) => (a.channel + sendKey(a) < b.channel + sendKey(b) ? -1 : 1));
  return { sends, due, suppressed };
}

/**
 * The work bucket of an agent (FNV-1a of the id): a message too big for one invocation is split by
 * bucket, so all of an agent's targets go in one work item, and a work item delivered again meets
 * the guard of its own bucket. (A stream record handled again reads the message's whole guard before
 * it splits, so a target done in any bucket of an earlier attempt is not queued again.)
 */
export function bucketOf(agentId: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < agentId.length; i++) {
    h ^= agentId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % buckets;
}

/** Most work buckets of a big message (by agent). */
export const WORK_BUCKETS = 64;
/** Sends a bucket is sized for: a message of n sends gets ceil(n / 50) buckets (each guard is one write). */
export const BUCKET_SENDS = 50;

export function bucketsFor(sends: number): number {
  return Math.min(WORK_BUCKETS, Math.max(1, Math.ceil(sends / BUCKET_SENDS)));
}
/** Sends in one work item at most (a bucket with more becomes several items sharing its guard). */
export const WORK_ITEM_SENDS = 100;
/** One work item on the `fanout-work` queue. */
export interface WorkItem {
  message: VisitorMessage;
  assigneeId: string | null;
  bucket: number;
  sends: Send[];
  /** Recipients of this bucket owed an email (idempotent writes). */
  due: string[];
}

/** The work items of a big message: by bucket, each at most WORK_ITEM_SENDS sends; email obligations with their bucket. */
export function workItems(m: VisitorMessage, assigneeId: string | null, sends: readonly Send[], due: readonly string[], buckets = bucketsFor(sends.length)): WorkItem[] {
  const byBucket = new Map<number, { sends: Send[]; due: string[] }>();
  const of = (agentId: string) => {
    const b = bucketOf(agentId, buckets);
    let x = byBucket.get(b);
    if (!x) byBucket.set(b, (x = { sends: [], due: [] }));
    return x;
  };
  for (const s of sends) of(s.agentId).sends.push(s);
  for (const a of due) of(a).due.push(a);
  const items: WorkItem[] = [];
  for (const [bucket, x] of [...byBucket.entries()].sort((a, b) => a[0] - b[0])) {
    for (let i = 0; i === 0 || i < x.sends.length; i += WORK_ITEM_SENDS) {
      items.push({ message: m, assigneeId, bucket, sends: x.sends.slice(i, i + WORK_ITEM_SENDS), due: i === 0 ? x.due : [] });
    }
  }
  return items;
}
