/**
 * The headline figures (latest.json's top-level keys), their targets, and the markdown table for
 * BENCHMARKS.md.
 */
import type { Machine } from './machine.js';

export interface Target {
  key: string;
  label: string;
  op: '<=' | '>=';
  limit: number;
}

export const TARGETS: Target[] = [
  // Issue 12's table, in its order.
  { key: 'desktop_p50_ms', label: 'desktop p50, 10 agents (ms)', op: '<=', limit: 50 },
  { key: 'desktop_100_agents_p50_ms', label: 'desktop p50, 100 agents (ms)', op: '<=', limit: 60 },
  { key: 'desktop_100_agents_all_p99_ms', label: 'desktop p99 until the last of 100 agents (ms)', op: '<=', limit: 150 },
  { key: 'desktop_1000_agents_all_p50_ms', label: 'desktop p50 until the last of 1,000 agents, scope all, one socket each (ms)', op: '<=', limit: 1000 },
  // With the delivery log and the badge (SPEC §11.2, §12) writing: ≤ 45 and ≤ 2.5 (before them: ≤ 30 and ≤ 1.0).
  { key: 'capacity_per_message', label: 'capacity units per visitor message, 10 recipients (with the badge and the delivery log)', op: '<=', limit: 45 },
  { key: 'capacity_slope_per_recipient', label: 'capacity units per extra recipient, 10 vs 100 recipients (with the badge and the delivery log)', op: '<=', limit: 2.5 },
  { key: 'reminder_cost_ratio', label: 'reminder read-capacity ratio, 100k / 1k read pairs', op: '<=', limit: 1.2 },
  { key: 'reminder_10k_due_s', label: 'reminder run, 10,000 due agents over 100 workspaces, local SES (s)', op: '<=', limit: 60 },
  { key: 'due_partition_keys', label: 'distinct `due` partition keys used by 1,000 obligations', op: '>=', limit: 8 },
  // Kept from issues 7 and 11.
  { key: 'desktop_p99_ms', label: 'desktop p99, 10 agents (ms)', op: '<=', limit: 200 },
  { key: 'capacity_ratio_other_workspace', label: 'capacity ratio, 1,000 agents + 1,000 connections elsewhere', op: '<=', limit: 1.1 },
  { key: 'init_ratio_vs_naive', label: 'cold init vs naive CJS bundle (ratio of sums)', op: '<=', limit: 0.7 },
  { key: 'load_5xx', label: 'load: 5xx answers (full run: 50 visitors × 20 messages, 4 in flight each, 20 agents)', op: '<=', limit: 0 },
  { key: 'load_lost_or_duplicated', label: 'load: messages or frames lost, duplicated or out of seq', op: '<=', limit: 0 },
];

/** Figures shown without a target, for context. */
export const INFO: Array<{ key: string; label: string }> = [
  { key: 'desktop_p95_ms', label: 'desktop p95, 10 agents (ms)' },
  { key: 'desktop_1_agent_p50_ms', label: 'desktop p50 / p99, 1 agent (ms)' },
  { key: 'desktop_100_agents_p99_ms', label: 'desktop p99 per frame / p50 until the last, 100 agents (ms)' },
  { key: 'desktop_1000_agents_all_p99_ms', label: 'desktop p99 until the last of 1,000 agents (ms)' },
  { key: 'desktop_p50_ms_500ms_poller', label: 'desktop p50 / p99, 10 agents, 500 ms poller (ms)' },
  { key: 'mobile_p50_ms', label: 'mobile p50 / p99, POST → push at the local SNS (ms)' },
  { key: 'capacity_per_message_other_workspace', label: 'capacity units per message (10 recipients) with 1,000 agents + 1,000 connections in another workspace' },
  { key: 'capacity_100_recipients', label: 'capacity units per message, 100 recipients' },
  { key: 'reminder_rcu_1k', label: 'reminder run: read units with 1k / 100k read pairs' },
  { key: 'reminder_ms_1k', label: 'reminder run: ms with 1k / 100k read pairs' },
  // Issue 12 retired the 250 KB target: cold init is what users feel. Sizes stay for context.
  { key: 'max_bundle_kb', label: 'largest deployed bundle (KB; no target since issue 12)' },
  { key: 'init_ratio_vs_naive_median', label: 'cold init vs naive, median of per-handler ratios' },
  { key: 'max_bundle_kb_sdk_external', label: 'largest bundle with the SDK external (KB)' },
  { key: 'init_ratio_vs_naive_sdk_external', label: 'cold init with the SDK external vs naive (ratio of sums)' },
  { key: 'load_messages', label: 'load: messages posted / POST p99 (ms)' },
];

/** Second figure shown after a slash on the same row. */
const PAIRED: Record<string, string> = {
  desktop_1_agent_p50_ms: 'desktop_1_agent_p99_ms',
  desktop_100_agents_p99_ms: 'desktop_100_agents_all_p50_ms',
  desktop_p50_ms_500ms_poller: 'desktop_p99_ms_500ms_poller',
  mobile_p50_ms: 'mobile_p99_ms',
  reminder_rcu_1k: 'reminder_rcu_100k',
  reminder_ms_1k: 'reminder_ms_100k',
  load_messages: 'load_post_p99_ms',
};

/** A figure that is missing or NaN fails its target. */
function passes(t: Target, v: number | undefined): boolean {
  if (v === undefined || Number.isNaN(v)) return false;
  return t.op === '>=' ? v >= t.limit : v <= t.limit;
}

export function verdicts(figures: Record<string, number>): Record<string, { value: number; op: Target['op']; limit: number; pass: boolean }> {
  return Object.fromEntries(TARGETS.map((t) => [t.key, { value: figures[t.key]!, op: t.op, limit: t.limit, pass: passes(t, figures[t.key]) }]));
}

export function markdown(figures: Record<string, number>, m: Machine, meta: { date: string; command: string; seconds: number }): string {
  const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : String(x));
  const lines = [
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.ramGb} GB RAM, Node.js ${m.node}, ${m.os}; load average ${m.loadAtStart} at start.`,
    `Date: ${meta.date}. Command: \`${meta.command}\` (${Math.round(meta.seconds)} s).`,
    '',
    '| figure | key | value | target | |',
    '| --- | --- | --- | --- | --- |',
    ...TARGETS.map((t) => {
      const v = figures[t.key]!;
      return `| ${t.label} | \`${t.key}\` | ${fmt(v)} | ${t.op === '>=' ? '≥' : '≤'} ${t.limit} | ${passes(t, v) ? 'pass' : '**miss**'} |`;
    }),
    ...INFO.map((i) => {
      const pair = PAIRED[i.key];
      const v = pair ? `${fmt(figures[i.key])} / ${fmt(figures[pair])}` : fmt(figures[i.key]);
      return `| ${i.label} | \`${i.key}\`${pair ? ` / \`${pair}\`` : ''} | ${v} | | |`;
    }),
  ];
  return lines.join('\n');
}
