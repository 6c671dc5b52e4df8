/**
 * The signed-in console: what the page holds (the agent, the list, the open thread, the live
 * line), the actions the views call, and which part to redraw after each.
 */
import { apiClient, allPages, ApiError, errorText, type ApiClient } from '../shared/api.js';
import { byId, clientMessageId, h } from '../shared/dom.js';
import type { ConversationItem, Device, Filter, Me, Message, Platform, RuntimeConfig, Settings, ChatMessageFrame } from '../shared/types.js';
import { FILTERS } from '../shared/types.js';
import { LiveSocket, type LiveStatus } from './live.js';
import { applyFrame, applyItem, applyRead, isChatMessageFrame, visitorName } from './conversation-list.js';
import { askPermission, showNotification } from './desktop-notifications.js';
import { showTestNotification } from './views/notification-log.js';
import { forgetDevice, knownDevices, rememberDevice } from './devices.js';
import { conversationHash, parseHash, type View } from './routes.js';
import { expiresAtMs } from './session.js';
import { renderShell, renderBanner, renderLiveStatus } from './views/shell.js';
import { renderList } from './views/list.js';
import { renderThread, appendToThread } from './views/thread.js';
import { renderSettings } from './views/settings.js';
import { renderNotificationLog } from './views/notification-log.js';

const FILTER_KEY = 'agentConsole.filter';
const PREVIEW_MAX = 500;

export interface Thread {
  id: string;
  messages: Message[];
  loading: boolean;
  error?: string;
  /** Kept between failed sends so a retry of the same text is the same message (SPEC §6). */
  pendingSend?: { body: string; clientMessageId: string };
}

export class ConsoleApp {
  readonly api: ApiClient;
  me: Me;
  filter: Filter;
  items: ConversationItem[] = [];
  /**
   * messageIds of the frames already shown (the newest few hundred): the fan-out may send a frame
   * again after a crash between the send and its record (BENCHMARKS.md, "exactly once"), and
   * another tab's connection gets its own copy; a repeat is dropped, not notified twice.
   */
  private readonly seenFrames = new Set<string>();
  listState: { loading: boolean; error?: string } = { loading: true };
  view: View = { name: 'conversations' };
  thread: Thread | undefined;
  live: LiveStatus = { state: 'connecting' };
  devices: Device[];
  private readonly socket: LiveSocket;
  private listGeneration = 0;

  constructor(
    readonly cfg: RuntimeConfig,
    private readonly token: () => string | undefined,
    me: Me,
    readonly signOut: (reason?: string) => void,
    /** A fresh token, saved where `token` reads it (offline only); undefined: sign in again. */
    private readonly renew?: () => Promise<string>,
  ) {
    this.me = me;
    this.api = apiClient(cfg.apiUrl, token, () => this.signOut('Your session has ended. Please sign in again.'));
    const saved = sessionStorage.getItem(FILTER_KEY) as Filter | null;
    this.filter = saved && FILTERS.includes(saved) ? saved : 'all';
    this.devices = knownDevices(me.workspaceId, me.agentId);
    this.socket = new LiveSocket({
      url: async () => {
        // The server closes the connection when its token expires; the reconnect brings a fresh one.
        const t = this.token() ?? (await this.renewed());
        if (!t) {
          // The token expired while the tab was open: a reconnect would only be refused.
          setTimeout(() => this.signOut('Your session has expired. Please sign in again.'));
          return undefined;
        }
        const u = new URL(cfg.wsUrl);
        u.searchParams.set('token', t);
        return u.toString();
      },
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => {
        this.live = s;
        renderLiveStatus(this);
      },
      onReconnected: () => {
        void this.loadList();
        if (this.thread && !this.thread.loading) void this.refreshThread(this.thread);
      },
    });
  }

  private renewTimer: ReturnType<typeof setTimeout> | undefined;

  private async renewed(): Promise<string | undefined> {
    if (!this.renew) return undefined;
    try {
      const t = await this.renew();
      this.scheduleRenewal();
      return t;
    } catch {
      return undefined;
    }
  }

  /** A minute before the token expires, get a fresh one, so HTTP calls and the next reconnect use it. */
  private scheduleRenewal(): void {
    clearTimeout(this.renewTimer);
    const t = this.token();
    const at = t ? expiresAtMs(t) : undefined;
    if (!this.renew || at === undefined) return;
    this.renewTimer = setTimeout(() => void this.renewed(), Math.max(0, Math.min(at - Date.now() - 60_000, 2 ** 31 - 1)));
  }

  start(root: HTMLElement): void {
    this.scheduleRenewal();
    renderShell(this, root);
    addEventListener('hashchange', this.route);
    document.addEventListener('visibilitychange', this.onVisible);
    this.socket.start();
    this.route();
    void this.loadList();
  }

  stop(): void {
    clearTimeout(this.renewTimer);
    this.socket.stop();
    removeEventListener('hashchange', this.route);
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  // ---- navigation -------------------------------------------------------------------------

  private readonly route = () => {
    const next = parseHash(location.hash);
    const prev = this.view;
    this.view = next;
    if (next.name === 'settings') {
      this.thread = undefined;
      renderSettings(this, byId('main'));
      byId('settings-title').focus();
    } else if (next.name === 'log') {
      this.thread = undefined;
      renderNotificationLog(this, byId('main'));
      byId('log-title').focus();
    } else {
      if (prev.name !== 'conversations' || !byId('main').querySelector('#list-pane')) this.renderConversations();
      if (next.openId !== this.thread?.id) void this.openThread(next.openId);
      if (next.filter && next.filter !== this.filter) void this.setFilter(next.filter);
      renderList(this);
    }
    document.querySelectorAll<HTMLAnchorElement>('#main-nav a').forEach((a) => {
      const current = a.dataset.view === (next.name === 'log' ? 'log' : next.name === 'settings' ? 'settings' : 'conversations');
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  };

  private renderConversations(): void {
    const main = byId('main');
    main.replaceChildren(
      h('div', { class: 'panes' }, h('section', { id: 'list-pane', class: 'list-pane', 'aria-labelledby': 'list-title' }), h('section', { id: 'thread-pane', class: 'thread-pane', 'aria-label': 'Conversation' })),
    );
    renderThread(this);
  }

  openConversation(id: string): void {
    location.hash = conversationHash(id);
  }

  itemFor(id: string): ConversationItem | undefined {
    return this.items.find((i) => i.conversationId === id);
  }

  // ---- the list ---------------------------------------------------------------------------

  async setFilter(f: Filter): Promise<void> {
    this.filter = f;
    sessionStorage.setItem(FILTER_KEY, f);
    await this.loadList();
  }

  async loadList(): Promise<void> {
    const gen = ++this.listGeneration;
    this.listState = { loading: true };
    if (this.view.name === 'conversations') renderList(this);
    try {
      const r = await this.api.get<{ conversations: ConversationItem[] }>(`/v1/conversations?filter=${this.filter}`);
      // A slower answer for a filter the agent already left must not overwrite the newer one.
      if (gen !== this.listGeneration) return;
      this.items = r.conversations;
      this.listState = { loading: false };
    } catch (e) {
      if (gen !== this.listGeneration) return;
      this.listState = { loading: false, error: errorText(e) };
    }
    if (this.view.name === 'conversations') {
      renderList(this);
      if (this.thread) renderThreadHead(this);
    }
  }

  // ---- the open conversation ----------------------------------------------------------------

  private async openThread(id: string | undefined): Promise<void> {
    if (!id) {
      this.thread = undefined;
      renderThread(this);
      return;
    }
    const t: Thread = { id, messages: [], loading: true };
    this.thread = t;
    renderThread(this);
    try {
      // Merged, not replaced: a reply or a live message may have landed while this loaded.
      t.messages = mergeMessages(await this.fetchMessages(id), t.messages);
      t.loading = false;
    } catch (e) {
      t.loading = false;
      t.error = e instanceof ApiError && e.status === 404 ? 'This conversation does not exist in your workspace.' : errorText(e);
    }
    if (this.thread !== t) return;
    renderThread(this);
    if (!t.error) void this.markRead(t);
  }

  private async fetchMessages(id: string): Promise<Message[]> {
    return allPages(async (cursor) => {
      const q = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const r = await this.api.get<{ messages: Message[]; nextCursor?: string }>(`/v1/conversations/${id}/messages${q}`);
      return { items: r.messages, nextCursor: r.nextCursor };
    });
  }

  /** Up to the newest message shown, not the newest stored: what arrives meanwhile stays unread. */
  private async markRead(t: Thread): Promise<void> {
    const upToSeq = t.messages.at(-1)?.seq;
    if (upToSeq === undefined || document.visibilityState !== 'visible') return;
    try {
      await this.api.post(`/v1/conversations/${t.id}/read`, { upToSeq });
      this.items = applyRead(this.items, t.id, this.me.agentId);
      renderList(this);
    } catch (e) {
      if (this.thread === t) showThreadError(errorText(e));
    }
  }

  private readonly onVisible = () => {
    const t = this.thread;
    if (document.visibilityState === 'visible' && t && this.itemFor(t.id)?.unread) void this.markRead(t);
  };

  async reply(body: string): Promise<boolean> {
    const t = this.thread;
    if (!t || !body.trim()) return false;
    if (t.pendingSend?.body !== body) t.pendingSend = { body, clientMessageId: clientMessageId() };
    const cmid = t.pendingSend.clientMessageId;
    try {
      // Over HTTP, never as a sendMessage frame: a reply of 10000 code points can pass the
      // WebSocket's 32 KB frame limit, and such a frame closes the connection (1009, SPEC §7).
      const r = await this.api.post<{ messageId: string; seq: number; createdAt: string }>(`/v1/conversations/${t.id}/messages`, { body, clientMessageId: cmid });
      t.pendingSend = undefined;
      this.addMessages(t, [{ messageId: r.messageId, seq: r.seq, from: { type: 'agent', id: this.me.agentId }, body, createdAt: r.createdAt }]);
      const item = this.itemFor(t.id);
      if (item) {
        item.lastMessage = { messageId: r.messageId, seq: r.seq, from: { type: 'agent', id: this.me.agentId }, body: [...body].slice(0, PREVIEW_MAX).join(''), createdAt: r.createdAt };
        this.items = [item, ...this.items.filter((i) => i !== item)];
        renderList(this);
      }
      return true;
    } catch (e) {
      showThreadError(errorText(e));
      return false;
    }
  }

  async assign(agentId: string | null): Promise<void> {
    const t = this.thread;
    if (!t) return;
    try {
      const item = await this.api.put<ConversationItem>(`/v1/conversations/${t.id}/assignee`, { agentId });
      this.items = applyItem(this.items, item, this.filter, this.me.agentId);
      this.threadItem = item;
      renderList(this);
      renderThreadHead(this);
      announce(agentId ? 'Conversation assigned to you.' : 'Conversation unassigned.');
    } catch (e) {
      showThreadError(errorText(e));
    }
  }

  /** The open conversation's summary, kept even when the list's filter no longer shows it. */
  threadItem: ConversationItem | undefined;

  private addMessages(t: Thread, ms: Message[]): void {
    const known = new Set(t.messages.map((m) => m.seq));
    const fresh = ms.filter((m) => !known.has(m.seq));
    if (fresh.length === 0) return;
    const inOrder = fresh.every((m) => m.seq > (t.messages.at(-1)?.seq ?? -1));
    t.messages = mergeMessages(t.messages, fresh);
    if (this.thread !== t || t.loading) return;
    if (inOrder) appendToThread(this, fresh);
    else renderThread(this);
  }

  // ---- live ---------------------------------------------------------------------------------

  private onFrame(f: Record<string, unknown>): void {
    // SPEC §12: the test notification's frame shows a browser notification of its own.
    if (f.type === 'test') return void showTestNotification();
    if (!isChatMessageFrame(f)) return;
    if (f.workspaceId !== undefined && f.workspaceId !== this.me.workspaceId) return;
    if (this.seenFrames.has(f.messageId)) return;
    this.seenFrames.add(f.messageId);
    if (this.seenFrames.size > 500) this.seenFrames.delete(this.seenFrames.values().next().value as string);
    this.items = applyFrame(this.items, f, this.filter, this.me.agentId);
    const t = this.thread;
    const isOpen = t?.id === f.conversationId;
    if (this.view.name === 'conversations') renderList(this);
    if (isOpen && t) {
      const m: Message = { messageId: f.messageId, seq: f.seq, from: { type: 'visitor', id: f.from.id, name: f.from.name }, body: f.preview, createdAt: f.createdAt };
      this.addMessages(t, [m]);
      if ([...f.preview].length >= PREVIEW_MAX) void this.refreshThread(t);
      else void this.markRead(t);
    } else {
      announce(`New message from ${visitorName(f.from)}: ${f.preview.slice(0, 140)}`);
    }
    this.notify(f, isOpen);
  }

  /** The frame carries a 500-code-point preview: a longer message is fetched whole. */
  private async refreshThread(t: Thread): Promise<void> {
    try {
      const ms = await this.fetchMessages(t.id);
      if (this.thread !== t) return;
      t.messages = mergeMessages(ms, t.messages);
      renderThread(this);
      void this.markRead(t);
    } catch {
      /* the preview stays shown; the next open loads the whole text */
    }
  }

  private notify(f: ChatMessageFrame, isOpen: boolean): void {
    if (!this.me.settings.desktop) return;
    // The agent is looking at this very conversation: the message is in front of them already.
    if (isOpen && document.visibilityState === 'visible' && document.hasFocus()) return;
    showNotification(f, (id) => this.openConversation(id));
  }

  async allowNotifications(): Promise<void> {
    await askPermission();
    renderBanner(this);
  }

  // ---- settings and devices -----------------------------------------------------------------

  async saveSettings(s: Settings): Promise<void> {
    this.me = { ...this.me, settings: await this.api.put<Settings>('/v1/me/notification-settings', s) };
    renderBanner(this);
  }

  async registerDevice(platform: Platform, token: string): Promise<void> {
    const r = await this.api.post<{ deviceId: string; endpointArn: string }>('/v1/me/devices', { platform, token });
    this.devices = rememberDevice(this.me.workspaceId, this.me.agentId, { ...r, platform, token });
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.api.del(`/v1/me/devices/${encodeURIComponent(deviceId)}`);
    this.devices = forgetDevice(this.me.workspaceId, this.me.agentId, deviceId);
  }
}

/** One message per seq, in seq order; the first list wins (the stored text beats a preview). */
export function mergeMessages(first: readonly Message[], second: readonly Message[]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const m of [...second, ...first]) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function renderThreadHead(app: ConsoleApp): void {
  renderThread(app, { keepMessages: true });
}

function showThreadError(text: string): void {
  const el = document.getElementById('thread-error');
  if (el) el.textContent = text;
}

/** A polite screen-reader announcement that does not move focus. */
export function announce(text: string): void {
  const el = document.getElementById('announcer');
  if (!el) return;
  el.textContent = '';
  // A fresh text node after a tick makes screen readers announce even a repeated message.
  setTimeout(() => (el.textContent = text), 50);
}
