/**
 * The one place that knows key shapes. Access patterns (README lists them too):
 *
 *  agent profile + settings         pk AGENT#{ws}#{agent}   sk PROFILE
 *  agents with scope "all"          pk WS#{ws}#RCPT#ALL     sk {agent}        (copy of settings)
 *  agents with unassigned on        pk WS#{ws}#RCPT#UNASSIGNED sk {agent}     (copy of settings)
 *  the workspace's agents (names)   pk WS#{ws}#RCPT#MEMBERS sk {agent}       (name; removed agents leave it)
 *  live connections of an agent     pk AGENT#{ws}#{agent}   sk CONN#{connectionId}
 *  a connection by id               pk CONN#{connectionId}  sk CONN
 *  devices of an agent              pk AGENT#{ws}#{agent}   sk DEV#{deviceId}
 *  conversation (counter, assignee) pk CONV#{conv}          sk META
 *  messages of a conversation       pk CONV#{conv}          sk MSG#{seq, 10 digits}
 *  clientMessageId guard            pk CONV#{conv}          sk CMID#{fromType}#{fromId}#{clientMessageId}
 *  agent position in a conversation pk CONV#{conv}          sk POS#{agent}    (readSeq, emailedSeq, dueSeq)
 *  conversations by activity        gsi1 WS#{ws}            / {lastActivityAt}#{conv}
 *  conversations by assignee        gsi2 WS#{ws}#AS#{agent|-} / {lastActivityAt}#{conv}
 *  due reminders (sparse)           due  DUE#{shard 00-15}  / {ws}#{agent}#{conv}  (shard = hash of {ws}#{agent})
 *  due reminders, before sharding   due  DUE               / {ws}#{agent}#{conv}  (legacy: drained, moved on touch)
 *  connections by token expiry      due  CONNEXP#{yyyy-mm-ddThh:mm} / {expiresAt, 10 digits}#{connectionId}  (on the by-id item)
 *  notification dedupe              pk NOTIF#{messageId}    sk {channel}#{target}   (ttl; before issue 12)
 *  notification guard               pk NOTIF#{messageId}    sk {part}#{channel}     (ttl; set of targets done)
 *  workspace (exists, widget)       pk WS#{ws}              sk META
 *  rate-limit counter               pk RATE#{scope}#{key}   sk W#{window start}     (ttl)
 *  a device token's one holder      pk TOKEN#{platform}#{sha256(token)} sk OWNER (agent, device, endpoint)
 *  an agent's unread badge          pk AGENT#{ws}#{agent}   sk UNREAD   (c#{conv} = newest seq, a#{conv} = alerted devices)
 *  a catch-up push owed (sparse)    pk AGENT#{ws}#{agent}   sk CATCHUP; due CATCHUP#{shard 00-15} / {quiet end ms, 13 digits}#{ws}#{agent}
 *  delivery log of an agent         pk LOG#{ws}#{agent}     sk {at}#{M|D|T|C}#{id}  (ttl 30 days; newest first)
 */
export const k = {
  agent: (ws: string, agentId: string) => ({ pk: `AGENT#${ws}#${agentId}`, sk: 'PROFILE' }),
  agentPk: (ws: string, agentId: string) => `AGENT#${ws}#${agentId}`,
  recipientsAllPk: (ws: string) => `WS#${ws}#RCPT#ALL`,
  recipientsUnassignedPk: (ws: string) => `WS#${ws}#RCPT#UNASSIGNED`,
  /** GET /v1/agents (store/members.ts): one Query, paged; under RCPT# so the agent grants already cover it. */
  membersPk: (ws: string) => `WS#${ws}#RCPT#MEMBERS`,
  agentConnection: (ws: string, agentId: string, connectionId: string) => ({
    pk: `AGENT#${ws}#${agentId}`,
    sk: `CONN#${connectionId}`,
  }),
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  device: (ws: string, agentId: string, deviceId: string) => ({
    pk: `AGENT#${ws}#${agentId}`,
    sk: `DEV#${deviceId}`,
  }),
  conversation: (conv: string) => ({ pk: `CONV#${conv}`, sk: 'META' }),
  convPk: (conv: string) => `CONV#${conv}`,
  message: (conv: string, seq: number) => ({ pk: `CONV#${conv}`, sk: `MSG#${seqKey(seq)}` }),
  clientMessage: (conv: string, fromType: string, fromId: string, cmid: string) => ({
    pk: `CONV#${conv}`,
    sk: `CMID#${fromType}#${fromId}#${cmid}`,
  }),
  position: (conv: string, agentId: string) => ({ pk: `CONV#${conv}`, sk: `POS#${agentId}` }),
  activityPk: (ws: string) => `WS#${ws}`,
  assigneePk: (ws: string, agentId: string | null | undefined) => `WS#${ws}#AS#${agentId ?? '-'}`,
  activitySk: (at: string, conv: string) => `${at}#${conv}`,
  /** The agent's due shard: all of one agent's obligations share it (removal reads one partition). */
  duePk: (ws: string, agentId: string) => dueShardPk(dueShard(ws, agentId)),
  dueShardPk: (shard: number) => dueShardPk(shard),
  /** Where every obligation lived before the index was sharded; still read until it is empty. */
  legacyDuePk: () => LEGACY_DUE_PK,
  dueSk: (ws: string, agentId: string, conv: string) => `${ws}#${agentId}#${conv}`,
  /** A connection's token-expiry bucket in the `due` index: one partition per UTC minute. */
  connExpiryPk: (epochS: number) => `CONNEXP#${new Date(epochS * 1000).toISOString().slice(0, 16)}`,
  connExpirySk: (epochS: number, connectionId: string) => `${String(epochS).padStart(10, '0')}#${connectionId}`,
  /** Every due entry of one agent: ids hold no `#`, so the trailing one ends the agent id exactly. */
  dueAgentPrefix: (ws: string, agentId: string) => `${ws}#${agentId}#`,
  notification: (messageId: string, channel: string, target: string) => ({
    pk: `NOTIF#${messageId}`,
    sk: `${channel}#${target}`,
  }),
  /** One guard per (message, part, channel): `part` is `all` (handled by the stream record) or `b{nn}` (a work bucket). */
  notificationGuard: (messageId: string, part: string, channel: string) => ({ pk: `NOTIF#${messageId}`, sk: `${part}#${channel}` }),
  notificationPk: (messageId: string) => `NOTIF#${messageId}`,
  workspace: (ws: string) => ({ pk: `WS#${ws}`, sk: 'META' }),
  rateCounter: (scope: string, key: string, windowId: string) => ({ pk: `RATE#${scope}#${key}`, sk: `W#${windowId}` }),
  /** Who holds a device token (SPEC §8: one owner per token); `tokenHash` is the token's SHA-256, hex. */
  tokenOwner: (platform: string, tokenHash: string) => ({ pk: `TOKEN#${platform}#${tokenHash}`, sk: 'OWNER' }),
  /** SPEC §11.2: one item per agent, one attribute per unread conversation (store/unread.ts). */
  unread: (ws: string, agentId: string) => ({ pk: `AGENT#${ws}#${agentId}`, sk: 'UNREAD' }),
  /** SPEC §11.4: the catch-up push owed once the agent's quiet ends; in the `due` index under its shard. */
  catchUp: (ws: string, agentId: string) => ({ pk: `AGENT#${ws}#${agentId}`, sk: 'CATCHUP' }),
  catchUpPk: (shard: number) => `CATCHUP#${String(shard).padStart(2, '0')}`,
  /** Sorted by the instant the quiet ends, so the reminder reads only the entries whose quiet is over. */
  catchUpSk: (endsAtMs: number, ws: string, agentId: string) => `${String(Math.max(0, Math.floor(endsAtMs))).padStart(13, '0')}#${ws}#${agentId}`,
  /** SPEC §12: one partition per agent; `id` (domain/delivery-log.ts) starts with the entry's time. */
  deliveryLog: (ws: string, agentId: string, id: string) => ({ pk: `LOG#${ws}#${agentId}`, sk: id }),
  deliveryLogPk: (ws: string, agentId: string) => `LOG#${ws}#${agentId}`,
};

/**
 * The partition-key families as dynamodb:LeadingKeys patterns (IAM StringLike): lib/routes.ts
 * grants each function item actions on these families only.
 */
export const LEADING_KEYS = {
  agent: 'AGENT#*',
  recipients: 'WS#*#RCPT#*',
  conversation: 'CONV#*',
  connection: 'CONN#*',
  notification: 'NOTIF#*',
  /**
   * The workspace item WS#{ws}. IAM's StringLike has no "except": this pattern also matches the
   * recipient lists' WS#{ws}#RCPT#… (lib/PARAMETERS.md says what that lets each holder do).
   */
  workspace: 'WS#*',
  rate: 'RATE#*',
  token: 'TOKEN#*',
  log: 'LOG#*',
} as const;

/**
 * The `due` index is split over this many partition keys, so no one partition carries every
 * workspace's obligations (a hot partition throttles the table's writes) and the reminder can work
 * the shards in parallel. Changing it moves obligations between shards: the reminder reads every
 * shard, so a moved one is only found under its new key once it is written again.
 */
export const DUE_SHARDS = 16;
export const LEGACY_DUE_PK = 'DUE';

/** FNV-1a (32-bit) of `{ws}#{agent}`, mod DUE_SHARDS: stable, cheap, spreads ids evenly. */
export function dueShard(ws: string, agentId: string): number {
  const s = `${ws}#${agentId}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % DUE_SHARDS;
}

function dueShardPk(shard: number): string {
  return `DUE#${String(shard).padStart(2, '0')}`;
}

/** Every partition of the `due` index the reminder reads: the shards, then the legacy one. */
export function duePartitions(): string[] {
  return [...Array.from({ length: DUE_SHARDS }, (_, i) => dueShardPk(i)), LEGACY_DUE_PK];
}

export const PREFIX = { message: 'MSG#', connection: 'CONN#', device: 'DEV#', position: 'POS#' } as const;

export function seqKey(seq: number): string {
  return String(seq).padStart(10, '0');
}

/** Opaque pagination cursors: the LastEvaluatedKey, base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new CursorError();
}

export class CursorError extends Error {
  constructor() {
    super('invalid cursor');
  }
}
