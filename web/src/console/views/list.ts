/** The conversation list: filters, then one link per conversation with its badges. */
import { clear, h, timeLabel } from '../../shared/dom.js';
import { FILTERS, type ConversationItem, type Filter } from '../../shared/types.js';
import type { ConsoleApp } from '../app.js';
import { visitorName } from '../conversation-list.js';
import { conversationHash } from '../routes.js';

const FILTER_LABELS: Record<Filter, string> = { all: 'All', unread: 'Unread', assigned: 'Assigned to me', unassigned: 'Unassigned' };

export function renderList(app: ConsoleApp): void {
  const pane = document.getElementById('list-pane');
  if (!pane) return;
  // Redrawing replaces the links: keep keyboard focus on the same conversation (or filter).
  const active = document.activeElement as HTMLElement | null;
  const focusConv = pane.contains(active) ? active?.closest<HTMLElement>('[data-conversation-id]')?.dataset.conversationId : undefined;
  const focusFilter = pane.contains(active) ? active?.dataset.filter : undefined;

  clear(pane);
  const openId = app.view.name === 'conversations' ? app.view.openId : undefined;
  pane.append(
    h('h1', { id: 'list-title', class: 'pane-title' }, 'Conversations'),
    h(
      'div',
      { class: 'filters', role: 'group', 'aria-label': 'Show conversations' },
      FILTERS.map((f) => h('button', { type: 'button', 'data-filter': f, 'aria-pressed': String(app.filter === f), onclick: () => void app.setFilter(f) }, FILTER_LABELS[f])),
    ),
  );
  const { loading, error } = app.listState;
  if (error)
    pane.append(
      h('p', { class: 'error', role: 'alert' }, `The list could not be loaded: ${error}`, ' ', h('button', { type: 'button', class: 'link', onclick: () => void app.loadList() }, 'Try again')),
    );
  if (loading && app.items.length === 0) pane.append(h('p', { class: 'muted' }, 'Loading conversations…'));
  else if (!error && app.items.length === 0) pane.append(h('p', { class: 'muted empty' }, emptyText(app.filter)));
  pane.append(
    h(
      'ul',
      { class: 'conversations', 'aria-label': `${FILTER_LABELS[app.filter]} conversations` },
      app.items.map((i) => row(app, i, i.conversationId === openId)),
    ),
  );
  // SPEC §13: every conversation is reachable, page after page, under every filter.
  if (app.nextCursor && !loading) {
    const more = h(
      'button',
      { type: 'button', id: 'load-more', class: 'secondary load-more', disabled: app.loadingMore, onclick: () => void app.loadMore() },
      app.loadingMore ? 'Loading…' : 'Load more conversations',
    );
    pane.append(h('p', { class: 'load-more-row' }, more));
    // Scrolling to the end loads the next page too.
    if (!app.loadingMore && 'IntersectionObserver' in window) {
      const seen = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          seen.disconnect();
          void app.loadMore();
        }
      });
      seen.observe(more);
    }
  }

  const unread = app.unreadCount();
  document.title = unread > 0 ? `(${unread}) Agent console` : 'Agent console';

  if (focusConv) pane.querySelector<HTMLElement>(`[data-conversation-id="${focusConv}"] a`)?.focus();
  else if (focusFilter) pane.querySelector<HTMLElement>(`[data-filter="${focusFilter}"]`)?.focus();
}

function emptyText(f: Filter): string {
  switch (f) {
    case 'all':
      return 'No conversations yet. Messages from visitors appear here as they arrive.';
    case 'unread':
      return 'Nothing unread. You are all caught up.';
    case 'assigned':
      return 'No conversations are assigned to you.';
    case 'unassigned':
      return 'Every conversation has someone assigned.';
  }
}

function row(app: ConsoleApp, i: ConversationItem, open: boolean): HTMLLIElement {
  const name = visitorName(i.visitor);
  const last = i.lastMessage;
  const who = last ? (last.from.type === 'agent' ? (last.from.id === app.me.agentId ? 'You: ' : `${app.nameOf(last.from.id)}: `) : '') : '';
  const assignee = i.assigneeId === null ? 'Unassigned' : i.assigneeId === app.me.agentId ? 'Assigned to you' : `Assigned to ${app.nameOf(i.assigneeId)}`;
  // Two different things, said plainly: whether *I* have read it, and whether the one whose read
  // counts for the team (the assignee, or whoever read it last while unassigned) has (SPEC §3).
  const team =
    i.status === 'unread'
      ? i.assigneeId === null
        ? 'Nobody has read it'
        : i.assigneeId === app.me.agentId
          ? 'Waiting for you'
          : `${app.nameOf(i.assigneeId)} has not read it`
      : i.assigneeId === null || i.assigneeId === app.me.agentId
        ? 'Read'
        : `Read by ${app.nameOf(i.assigneeId)}`;
  return h(
    'li',
    { 'data-conversation-id': i.conversationId, class: `conv${i.unread ? ' is-unread' : ''}${open ? ' is-open' : ''}` },
    h(
      'a',
      { href: conversationHash(i.conversationId), 'aria-current': open ? 'true' : undefined },
      h(
        'span',
        { class: 'conv-top' },
        h('span', { class: 'conv-name' }, name),
        i.unread ? h('span', { class: 'badge unread-badge', title: 'You have not read the newest visitor message' }, 'New for you') : null,
        h('span', { class: `status status-${i.status}`, title: "The team status: the same for every agent (the assignee's read, or the last read while unassigned)" }, team),
      ),
      h('span', { class: 'conv-preview' }, last ? `${who}${last.body}` : 'No messages yet'),
      h('span', { class: 'conv-meta' }, assignee, last ? ` · ${timeLabel(last.createdAt)}` : ''),
    ),
  );
}
