/**
 * The visitor demo: the chat widget a website would embed. It starts a conversation, keeps the
 * visitor token for this tab, posts messages with it and polls for the agents' replies.
 */
import { apiClient, allPages, ApiError, errorText, type ApiClient } from '../shared/api.js';
import { byId, clear, clientMessageId, h, submitOnEnter, timeLabel } from '../shared/dom.js';
import { loadConfig } from '../shared/runtime-config.js';
import type { Message } from '../shared/types.js';

const CHAT = 'visitorDemo.chat';
const POLL_MS = 2000;

interface Chat {
  workspaceId: string;
  conversationId: string;
  visitorToken: string;
  name: string;
}

function savedChat(): Chat | undefined {
  try {
    return (JSON.parse(sessionStorage.getItem(CHAT) ?? 'null') as Chat | null) ?? undefined;
  } catch {
    return undefined;
  }
}

function defaultWorkspace(): string {
  const w = new URLSearchParams(location.search).get('workspace');
  return w && /^[A-Za-z0-9_-]{1,128}$/.test(w) ? w : 'demo';
}

function renderStart(root: HTMLElement, apiUrl: string): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Start chat');
  const field = (id: string, label: string, attrs: Record<string, string | boolean>) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), id === 'first-message' ? h('textarea', { id, name: id, rows: '3', ...attrs }) : h('input', { id, name: id, ...attrs }));
  const form = h(
    'form',
    { class: 'start', 'aria-labelledby': 'demo-title' },
    field('workspace', 'Workspace', { required: true, pattern: '[A-Za-z0-9_\\-]{1,128}', value: defaultWorkspace() }),
    field('visitor-name', 'Your name', { required: true, autocomplete: 'name' }),
    field('visitor-email', 'Email (optional)', { type: 'email', autocomplete: 'email' }),
    field('first-message', 'Message (optional)', { maxlength: '10000' }),
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (id: string) => (form.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${id}`)?.value ?? '').trim();
    const workspaceId = v('workspace');
    const name = v('visitor-name');
    const email = v('visitor-email');
    const first = v('first-message');
    submit.disabled = true;
    error.textContent = '';
    apiClient(apiUrl, () => undefined)
      .post<{ conversationId: string; visitorToken: string }>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/conversations`, {
        visitor: { name, ...(email ? { email } : {}) },
        ...(first ? { message: { body: first } } : {}),
      })
      .then((r) => {
        const chat: Chat = { workspaceId, conversationId: r.conversationId, visitorToken: r.visitorToken, name };
        sessionStorage.setItem(CHAT, JSON.stringify(chat));
        renderChat(root, apiUrl, chat);
      })
      .catch((err: unknown) => (error.textContent = `The chat could not start: ${errorText(err)}`))
      .finally(() => (submit.disabled = false));
  });
  root.replaceChildren(
    h(
      'main',
      { id: 'main', class: 'widget' },
      h('h1', { id: 'demo-title' }, 'Chat with us'),
      h('p', { class: 'muted' }, 'This page plays the website visitor. Agents signed in to the console hear about your messages.'),
      form,
      error,
    ),
  );
  root.removeAttribute('aria-busy');
  form.querySelector<HTMLInputElement>('#visitor-name')?.focus();
}

let stopPolling: (() => void) | undefined;

function renderChat(root: HTMLElement, apiUrl: string, chat: Chat): void {
  const api = apiClient(apiUrl, () => chat.visitorToken);
  const shown = new Set<number>();
  const log = h('ol', { id: 'thread', class: 'messages', role: 'log', 'aria-label': 'Conversation', tabindex: '0' });
  const error = h('p', { id: 'chat-error', class: 'error', role: 'alert' });
  const text = h('textarea', { id: 'message', name: 'body', rows: '3', required: true, maxlength: '10000', 'aria-describedby': 'message-hint' });
  const send = h('button', { type: 'submit' }, 'Send');
  let pending: { body: string; id: string } | undefined;

  const add = (ms: Message[]) => {
    const fresh = ms.filter((m) => !shown.has(m.seq)).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) return;
    log.querySelector('li.muted')?.remove();
    for (const m of fresh) {
      shown.add(m.seq);
      const mine = m.from.type === 'visitor';
      log.append(
        h(
          'li',
          { class: `msg from-${m.from.type}${mine ? ' mine' : ''}`, 'data-seq': String(m.seq) },
          h('p', { class: 'msg-meta' }, h('span', { class: 'msg-who' }, mine ? 'You' : 'Agent'), ' ', h('time', { datetime: m.createdAt }, timeLabel(m.createdAt))),
          h('p', { class: 'msg-body' }, m.body),
        ),
      );
    }
    log.scrollTop = log.scrollHeight;
  };

  const form = h(
    'form',
    { class: 'reply', 'aria-label': 'Send a message' },
    h('label', { for: 'message' }, 'Message'),
    text,
    h('div', { class: 'reply-row' }, h('p', { id: 'message-hint', class: 'muted hint' }, 'Enter sends; Shift+Enter starts a new line.'), send),
  );
  submitOnEnter(text, form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = text.value;
    if (!body.trim() || send.disabled) return;
    // A retry of the same text reuses its clientMessageId, so it cannot be stored twice.
    if (pending?.body !== body) pending = { body, id: clientMessageId() };
    send.disabled = true;
    error.textContent = '';
    api
      .post<{ messageId: string; seq: number; createdAt: string }>(`/v1/conversations/${chat.conversationId}/messages`, { body, clientMessageId: pending.id })
      .then((r) => {
        pending = undefined;
        text.value = '';
        add([{ messageId: r.messageId, seq: r.seq, from: { type: 'visitor', id: '' }, body, createdAt: r.createdAt }]);
      })
      .catch((err: unknown) => (error.textContent = `Not sent: ${errorText(err)}`))
      .finally(() => {
        send.disabled = false;
        text.focus();
      });
  });

  const leave = h('button', { type: 'button', class: 'secondary' }, 'Start a new chat');
  leave.addEventListener('click', () => {
    stopPolling?.();
    sessionStorage.removeItem(CHAT);
    renderStart(root, apiUrl);
  });

  root.replaceChildren(
    h(
      'main',
      { id: 'main', class: 'widget' },
      h('div', { class: 'widget-head' }, h('h1', { id: 'demo-title' }, 'Chat with us'), leave),
      h('p', { class: 'muted' }, `You are ${chat.name}, writing to workspace “${chat.workspaceId}”. Agents’ replies appear below.`),
      log,
      form,
      error,
    ),
  );
  root.removeAttribute('aria-busy');
  log.append(h('li', { class: 'muted' }, 'Say hello: an agent will answer here.'));
  text.focus();

  stopPolling?.();
  stopPolling = poll(api, chat, add, (e) => {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
      stopPolling?.();
      sessionStorage.removeItem(CHAT);
      error.textContent = 'This chat is no longer available. Start a new chat.';
      clear(form);
    }
  });
}

/** Polls the thread; a new poll starts only after the previous answer, so slow answers never pile up. */
function poll(api: ApiClient, chat: Chat, add: (ms: Message[]) => void, onError: (e: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const ms = await allPages(async (cursor) => {
        const r = await api.get<{ messages: Message[]; nextCursor?: string }>(`/v1/conversations/${chat.conversationId}/messages${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
        return { items: r.messages, nextCursor: r.nextCursor };
      });
      if (!stopped) add(ms);
    } catch (e) {
      if (!stopped) onError(e);
    }
    if (!stopped) timer = setTimeout(() => void tick(), POLL_MS);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function main(): Promise<void> {
  const root = byId('app');
  try {
    const cfg = await loadConfig();
    const chat = savedChat();
    if (chat) renderChat(root, cfg.apiUrl, chat);
    else renderStart(root, cfg.apiUrl);
  } catch (e) {
    root.replaceChildren(h('main', { id: 'main' }, h('p', { class: 'error', role: 'alert' }, `The chat cannot start: ${errorText(e)}`)));
  }
}

void main();
