/**
 * The "Notification log" page (SPEC §12): what each notification did, in plain words, newest first
 * ("Sent to your phone", "Not sent: desktop notifications were off", …), and the settings page's
 * "Send a test notification" button with each outcome of the test.
 */
import { h } from '../../shared/dom.js';
import { errorText } from '../../shared/api.js';
import type { ConsoleApp } from '../app.js';
import { permission } from '../desktop-notifications.js';

export interface LogDelivery {
  channel: 'desktop' | 'mobile' | 'email';
  target?: string;
  outcome: 'sent' | 'suppressed' | 'failed' | 'due';
  detail?: string;
}

export type LogEntry =
  | { kind: 'message'; at: string; conversationId: string; messageId: string; reason: string; deliveries: LogDelivery[] }
  | { kind: 'digest'; at: string; conversationIds: string[]; outcome: 'sent' | 'failed'; detail?: string }
  | { kind: 'clear'; at: string; conversationId: string; deliveries: LogDelivery[] }
  | { kind: 'test'; at: string; deliveries: LogDelivery[] };

const WHERE: Record<LogDelivery['channel'], string> = { desktop: 'your browser', mobile: 'your phone', email: 'your email' };
const CHANNEL: Record<LogDelivery['channel'], string> = { desktop: 'Desktop', mobile: 'Phone', email: 'Email' };

/** One delivery as a list item: the channel, then what happened. */
function deliveryItem(d: LogDelivery): HTMLElement {
  return h('li', { 'data-channel': d.channel, 'data-outcome': d.outcome }, h('span', { class: 'log-channel' }, `${CHANNEL[d.channel]}:`), ' ', deliveryText(d));
}

/** Why nothing went, as the agent would say it. */
const WHY: Record<string, string> = {
  desktop_off: 'desktop notifications were off',
  mobile_off: 'mobile notifications were off',
  email_off: 'email notifications were off',
  no_connection: 'no console tab was open',
  no_device: 'no phone is registered',
  do_not_disturb: 'do not disturb was on',
  quiet_hours: 'you were in quiet hours',
  active_on_desktop: 'you were active in the console',
  endpoint_disabled: 'the phone no longer accepts notifications',
  endpoint_deleted: 'the phone was removed from the notification service',
  connection_gone: 'the console tab had closed',
  provider_error: 'the notification service refused it',
};

const REASON: Record<string, string> = {
  assigned: 'assigned to you',
  scope_all: 'you follow all conversations',
  unassigned: 'nobody is assigned',
};

/** One delivery in words. */
export function deliveryText(d: LogDelivery): string {
  const where = WHERE[d.channel];
  const why = d.detail ? (WHY[d.detail] ?? d.detail.replace(/_/g, ' ')) : undefined;
  switch (d.outcome) {
    case 'sent':
      return `Sent to ${where}`;
    case 'due':
      return 'Due: in the next reminder email, if still unread';
    case 'suppressed':
      return `Not sent: ${why ?? 'it was held back'}`;
    case 'failed':
      return `Failed to reach ${where}${why ? `: ${why}` : ''}`;
  }
}

function when(at: string): string {
  const t = Date.parse(at);
  return Number.isFinite(t) ? new Date(t).toLocaleString() : at;
}

function titleOf(e: LogEntry): string {
  switch (e.kind) {
    case 'message':
      return `New visitor message (${REASON[e.reason] ?? e.reason})`;
    case 'digest':
      return `Reminder email about ${e.conversationIds.length} conversation${e.conversationIds.length === 1 ? '' : 's'}`;
    case 'clear':
      return 'Notifications cleared after you read a conversation';
    case 'test':
      return 'Test notification';
  }
}

function linesOf(e: LogEntry): HTMLElement[] {
  if (e.kind === 'digest') return [deliveryItem({ channel: 'email', outcome: e.outcome, ...(e.detail ? { detail: e.detail } : {}) })];
  return e.deliveries.map(deliveryItem);
}

function entryItem(e: LogEntry): HTMLElement {
  const link = e.kind === 'message' || e.kind === 'clear' ? h('a', { href: `#/c/${e.conversationId}` }, 'Open the conversation') : null;
  return h(
    'li',
    { class: 'log-entry', 'data-kind': e.kind },
    h('p', { class: 'log-title' }, h('strong', {}, titleOf(e)), ' ', h('time', { datetime: e.at, class: 'muted' }, when(e.at))),
    h('ul', { class: 'log-deliveries' }, linesOf(e)),
    link,
  );
}

export function renderNotificationLog(app: ConsoleApp, main: HTMLElement): void {
  const list = h('ul', { id: 'log-list', class: 'log-list', 'aria-label': 'Notifications, newest first' });
  const status = h('p', { id: 'log-status', class: 'status-line', role: 'status' }, 'Loading…');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show older');
  let cursor: string | undefined;
  const load = () => {
    more.disabled = true;
    app.api
      .get<{ notifications: LogEntry[]; nextCursor?: string }>(`/v1/me/notifications${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)
      .then((page) => {
        list.append(...page.notifications.map(entryItem));
        cursor = page.nextCursor;
        more.hidden = !cursor;
        status.textContent = list.children.length === 0 ? 'Nothing yet: notifications of the last 30 days show here.' : '';
      })
      .catch((err: unknown) => {
        status.className = 'status-line error';
        status.textContent = `Could not load the log: ${errorText(err)}`;
      })
      .finally(() => (more.disabled = false));
  };
  more.addEventListener('click', load);
  main.replaceChildren(
    h(
      'div',
      { class: 'page' },
      h('h1', { id: 'log-title', tabindex: '-1' }, 'Notification log'),
      h('p', { class: 'muted' }, 'What each notification of the last 30 days did on each of your devices, and why one was not sent.'),
      status,
      list,
      more,
    ),
  );
  load();
}

/** The settings page's test button: sends one, then lists each outcome in words. */
export function testNotificationSection(app: ConsoleApp): HTMLElement {
  const status = h('p', { id: 'test-status', class: 'status-line', role: 'status' });
  const results = h('ul', { id: 'test-results', class: 'log-deliveries' });
  const button = h('button', { type: 'button', id: 'send-test' }, 'Send a test notification');
  button.addEventListener('click', () => {
    button.disabled = true;
    status.className = 'status-line';
    status.textContent = 'Sending…';
    results.replaceChildren();
    app.api
      .post<{ deliveries: LogDelivery[] }>('/v1/me/notifications/test')
      .then((r) => {
        status.textContent = 'Test sent. What happened:';
        results.replaceChildren(...r.deliveries.map(deliveryItem));
      })
      .catch((err: unknown) => {
        status.className = 'status-line error';
        status.textContent = `Not sent: ${errorText(err)}`;
      })
      .finally(() => (button.disabled = false));
  });
  return h(
    'section',
    { class: 'test-notification', 'aria-labelledby': 'test-title' },
    h('h2', { id: 'test-title' }, 'Test notification'),
    h(
      'p',
      { class: 'muted' },
      'Sends a notification now to every open console tab, every registered phone and, with email on, your email — even during quiet hours. See the ',
      h('a', { href: '#/log' }, 'notification log'),
      ' for earlier ones.',
    ),
    button,
    status,
    results,
  );
}

/** The browser notification a test frame (`{"type":"test","at"}`) shows, when the browser allows it. */
export function showTestNotification(): void {
  if (permission() !== 'granted') return;
  new Notification('Test notification', { body: 'Desktop notifications reach you in this browser.', tag: 'test-notification' });
}
