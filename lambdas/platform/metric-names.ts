/**
 * The SPEC §12 metrics' names, shared by the handlers (platform/metrics.ts) and the stack's
 * dashboard (lib/constructs/dashboard.ts), so a renamed metric cannot leave an empty graph.
 * The namespace is the alarms' one (lib/constructs/alarms.ts LOG_METRICS_NAMESPACE).
 */
export const METRICS_NAMESPACE = 'AgentChatNotifications';
export const SERVICE_NAME = 'agent-chat-notifications';
/** Count, dimensions service, channel, outcome. */
export const NOTIFICATIONS_METRIC = 'Notifications';
/** Milliseconds from a message's createdAt to its first delivered send, dimension service. */
export const FANOUT_DELAY_METRIC = 'FanoutDelay';
/** The (channel, outcome) pairs the log produces (SPEC §12). */
export const NOTIFICATION_SERIES: ReadonlyArray<readonly [string, string]> = [
  ['desktop', 'sent'],
  ['desktop', 'suppressed'],
  ['desktop', 'failed'],
  ['mobile', 'sent'],
  ['mobile', 'suppressed'],
  ['mobile', 'failed'],
  ['email', 'due'],
  ['email', 'suppressed'],
  ['email', 'sent'],
  ['email', 'failed'],
];
