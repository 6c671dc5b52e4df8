/** The open conversation: who it is with, its assignment, the messages and the reply box. */
import { clear, h, submitOnEnter, timeLabel } from '../../shared/dom.js';
import type { ConversationItem, Message } from '../../shared/types.js';
import type { ConsoleApp } from '../app.js';
import { visitorName } from '../conversation-list.js';

function currentItem(app: ConsoleApp): ConversationItem | undefined {
  const t = app.thread;
  if (!t) return undefined;
  const fromList = app.itemFor(t.id);
  if (fromList) app.threadItem = fromList;
  return app.threadItem?.conversationId === t.id ? app.threadItem : undefined;
}

/**
 * Draws the open conversation. For the conversation already shown, only the head and the messages
 * are redrawn: the reply box is left alone, so a draft, its focus and a send in flight survive.
 */
export function renderThread(app: ConsoleApp, opts: { keepMessages?: boolean; focusReply?: boolean } = {}): void {
  const pane = document.getElementById('thread-pane');
  if (!pane) return;
  const t = app.thread;
  // On a narrow screen the open conversation takes the whole width (app.css), with a way back.
  pane.parentElement?.toggleAttribute('data-open', t !== undefined);
  if (!t) {
    delete pane.dataset.conversationId;
    clear(pane);
    pane.append(h('p', { class: 'muted placeholder' }, 'Choose a conversation to read it and reply.'));
    return;
  }
  const same = pane.dataset.conversationId === t.id;
  const head = pane.querySelector('#thread-head');
  const log = pane.querySelector<HTMLOListElement>('#messages');
  if (same && head && log) {
    head.replaceWith(threadHead(app));
    // The visitor's name may have arrived since (a conversation opened by link): the labels follow.
    const label = pane.querySelector('label[for="reply-text"]');
    const name = visitorName(currentItem(app)?.visitor);
    if (label) label.textContent = `Reply to ${name}`;
    log.setAttribute('aria-label', `Messages with ${name}`);
    if (!opts.keepMessages) fillLog(app, log);
    return;
  }
  pane.dataset.conversationId = t.id;
  clear(pane);
  const name = visitorName(currentItem(app)?.visitor);
  const fresh = h('ol', { id: 'messages', class: 'messages', role: 'log', 'aria-label': `Messages with ${name}`, tabindex: '0' });
  pane.append(threadHead(app), fresh, replyForm(app, name));
  fillLog(app, fresh);
  // SPEC §13: the reply box has the focus once a conversation opens (not 47 Tabs away).
  if (opts.focusReply) document.getElementById('reply-text')?.focus();
}

function fillLog(app: ConsoleApp, log: HTMLOListElement): void {
  const t = app.thread!;
  const name = visitorName(currentItem(app)?.visitor);
  clear(log);
  if (t.loading) log.append(h('li', { class: 'muted' }, 'Loading messages…'));
  else if (t.error) log.append(h('li', { class: 'error', role: 'alert' }, t.error));
  else if (t.messages.length === 0) log.append(h('li', { class: 'muted' }, 'No messages yet.'));
  else log.append(...t.messages.map((m) => messageRow(app, m, name)));
  log.scrollTop = log.scrollHeight;
}

export function appendToThread(app: ConsoleApp, ms: Message[]): void {
  const log = document.getElementById('messages');
  if (!log) return;
  log.querySelectorAll('li.muted').forEach((e) => e.remove());
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const name = visitorName(currentItem(app)?.visitor);
  log.append(...ms.map((m) => messageRow(app, m, name)));
  if (nearBottom || ms.some((m) => m.from.type === 'agent')) log.scrollTop = log.scrollHeight;
}

function threadHead(app: ConsoleApp): HTMLElement {
  const item = currentItem(app);
  const me = app.me.agentId;
  const name = visitorName(item?.visitor);
  const assignee = item?.assigneeId ?? null;
  return h(
    'header',
    { id: 'thread-head', class: 'thread-head' },
    h('a', { href: '#/', class: 'back-link' }, '← All conversations'),
    h('h2', { id: 'thread-title', tabindex: '-1' }, name),
    item?.visitor.email ? h('p', { class: 'muted visitor-email' }, item.visitor.email) : null,
    h(
      'div',
      { class: 'assignment' },
      h('p', { id: 'assignment-text' }, item ? (assignee === null ? 'Unassigned' : assignee === me ? 'Assigned to you' : `Assigned to ${app.nameOf(assignee)}`) : ''),
      assignee !== me ? h('button', { type: 'button', onclick: () => void app.assign(me) }, 'Assign to me') : null,
      assignee !== null ? h('button', { type: 'button', class: 'secondary', onclick: () => void app.assign(null) }, 'Unassign') : null,
      assignSelect(app, assignee),
    ),
    h('p', { id: 'thread-error', class: 'error', role: 'alert' }),
  );
}

/** Assign to any teammate (GET /v1/agents). */
function assignSelect(app: ConsoleApp, assignee: string | null): HTMLElement | null {
  const others = [...app.teammates.entries()].filter(([id]) => id !== app.me.agentId).sort((a, b) => a[1].localeCompare(b[1]));
  if (others.length === 0) return null;
  const select = h(
    'select',
    { id: 'assign-to', class: 'assign-to' },
    h('option', { value: '' }, 'Assign to a teammate…'),
    others.map(([id, name]) => h('option', { value: id, disabled: id === assignee }, id === assignee ? `${name} (assigned)` : name)),
  );
  select.addEventListener('change', () => {
    if (select.value) void app.assign(select.value);
  });
  return h('span', { class: 'assign-to-wrap' }, h('label', { for: 'assign-to', class: 'visually-hidden' }, 'Assign to a teammate'), select);
}

function messageRow(app: ConsoleApp, m: Message, visitor: string): HTMLLIElement {
  const mine = m.from.type === 'agent' && m.from.id === app.me.agentId;
  const who = m.from.type === 'visitor' ? m.from.name || visitor : mine ? 'You' : app.nameOf(m.from.id);
  return h(
    'li',
    { class: `msg from-${m.from.type}${mine ? ' mine' : ''}`, 'data-seq': String(m.seq) },
    h('p', { class: 'msg-meta' }, h('span', { class: 'msg-who' }, who), ' ', h('time', { datetime: m.createdAt, title: m.createdAt }, timeLabel(m.createdAt))),
    h('p', { class: 'msg-body' }, m.body),
  );
}

function replyForm(app: ConsoleApp, name: string): HTMLFormElement {
  const conversationId = app.thread!.id;
  const text = h('textarea', { id: 'reply-text', name: 'body', rows: '3', required: true, maxlength: '10000', 'aria-describedby': 'reply-hint' });
  // The draft is kept per conversation (drafts.ts): a reload or a new sign-in finds it again.
  text.value = app.draftOf(conversationId);
  text.addEventListener('input', () => app.keepDraft(conversationId, text.value));
  const send = h('button', { type: 'submit' }, 'Send');
  const form = h(
    'form',
    { class: 'reply', 'aria-label': 'Reply' },
    h('label', { for: 'reply-text' }, `Reply to ${name}`),
    text,
    h('div', { class: 'reply-row' }, h('p', { id: 'reply-hint', class: 'muted hint' }, 'Enter sends; Shift+Enter starts a new line.'), send),
  );
  submitOnEnter(text, form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (send.disabled || !text.value.trim()) return;
    send.disabled = true;
    void app.reply(text.value).then((ok) => {
      send.disabled = false;
      if (ok) text.value = '';
      text.focus();
    });
  });
  return form;
}
