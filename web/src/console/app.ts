/**
 * The signed-in console: what the page holds (the agent, the list, the open thread, the live
 * line), the actions the views call, and which part to redraw after each.
 */
import { apiClient, allPages, ApiError, errorText, type ApiClient } from '../shared/api.js';
import { byId, clientMessageId, h } from '../shared/dom.js';
import type {
  ChatMessageExtras,
  ConversationItem,
  ConversationReadFrame,
  ConversationUpdatedFrame,
  Device,
  Filter,
  Me,
  Message,
  Platform,
  RuntimeConfig,
  Settings,
  ChatMessageFrame,
  Teammate,
} from '../shared/types.js';
import { FILTERS } from '../shared/types.js';
import { LiveSocket, type LiveStatus } from './live.js';
import { applyFrame, applyItem, applyRead, applyUpdated, fitsFilter, isChatMessageFrame, updatedItem, visitorName } from './conversation-list.js';
import { askPermission, closeNotification, showNotification } from './desktop-notifications.js';
import { chime } from './sound.js';
import { loadDraft, saveDraft } from './drafts.js';
import { showTestNotification } from './views/notification-log.js';
import { conversationHash, parseHash, type View } from './routes.js';
import { expiresAtMs } from './session.js';
import { renderShell, renderBanner, renderLiveStatus } from './views/shell.js';
import { renderList } from './views/list.js';
import { renderThread, appendToThread } from './views/thread.js';
import { renderSettings } from './views/settings.js';
import { renderNotificationLog } from './views/notification-log.js';

const FILTER_KEY = 'agentConsole.filter';
/** What counts as the agent using this tab (SPEC §11.6). */
const ACTIVITY_EVENTS = ['mousemove', 'keydown', 'pointerdown'] as const;
const PREVIEW_MAX = 500;
/** How long after the last conversation.updated about a conversation its item is read again. */
const SETTLE_MS = 400;

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
  /** GET /v1/me/devices, loaded when the settings page opens. */
  devices: Device[] | undefined;
  devicesError: string | undefined;
  /** GET /v1/agents: names for ids, and whom a conversation can be assigned to. */
  teammates = new Map<string, string>();
  /** The list's next page (SPEC §6 `nextCursor`): "Load more" follows it, for every filter. */
  nextCursor: string | undefined;
  loadingMore = false;
  /** My read position per conversation, as far as this tab knows (my reads, conversation.read frames). */
  private readonly readSeqs = new Map<string, number>();
  /** SPEC §11.2: the server's unread count, from the last frame that carried it. */
  serverUnread: number | undefined;
  private readonly socket: LiveSocket;
  private listGeneration = 0;
  /** When `{"action": "active"}` was last sent (SPEC §11.6: at most once a minute). */
  private lastActiveAt = 0;
  /** A settings page with unsaved changes asks before it is left (views/settings.ts sets it). */
  settingsDirty = false;

  constructor(
    readonly cfg: RuntimeConfig,
    private readonly token: () => string | undefined,
    me: Me,
    readonly signOut: (reason?: string) => void,
    /** A fresh token, saved where `token` reads it (offline only); undefined: sign in again. */
    private readonly renew?: () => Promise<string>,
  ) {
    this.me = me;
    this.api = apiClient(cfg.apiUrl, token, () => void this.recoverSession());
    const saved = sessionStorage.getItem(FILTER_KEY) as Filter | null;
    this.filter = saved && FILTERS.includes(saved) ? saved : 'all';
    this.serverUnread = me.unreadConversations;
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
      onRefused: () => void this.recoverSession(),
    });
  }

  private recovering: Promise<void> | undefined;

  /**
   * The API answered 401 or the socket was refused before it opened: the token is no good any more
   * (the stack restarted, the session was revoked). Ask /v1/me with it; if it is refused, get a
   * fresh one (offline: the local sign-in again; OIDC: the refresh grant) and go on, or go back to
   * the sign-in page. Drafts are in localStorage (drafts.ts), so neither way loses one. Never a
   * loop of "reconnecting" with a token that will be refused every time.
   */
  recoverSession(): Promise<void> {
    this.recovering ??= (async () => {
      const t = this.token();
      const ok = t
        ? await fetch(`${this.cfg.apiUrl}/v1/me`, { headers: { authorization: `Bearer ${t}` } }).then(
            (r) => r.status !== 401,
            () => true,
          )
        : false;
      if (ok) return;
      const fresh = await this.renewed();
      if (!fresh) {
        this.signOut('Your session has ended. Please sign in again: your drafts are kept.');
        return;
      }
      this.socket.reconnectSoon();
    })().finally(() => (this.recovering = undefined));
    return this.recovering;
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
    addEventListener('beforeunload', this.onBeforeUnload);
    document.addEventListener('visibilitychange', this.onVisible);
    for (const ev of ACTIVITY_EVENTS) document.addEventListener(ev, this.onActivity, { passive: true });
    this.socket.start();
    this.route();
    void this.loadList();
    void this.loadTeammates();
  }

  stop(): void {
    clearTimeout(this.renewTimer);
    this.socket.stop();
    removeEventListener('hashchange', this.route);
    removeEventListener('beforeunload', this.onBeforeUnload);
    document.removeEventListener('visibilitychange', this.onVisible);
    for (const ev of ACTIVITY_EVENTS) document.removeEventListener(ev, this.onActivity);
  }

  /** SPEC §11.6: this tab is visible and used, at most once a minute. */
  private readonly onActivity = () => {
    if (document.visibilityState !== 'visible' || Date.now() - this.lastActiveAt < 60_000) return;
    if (this.socket.send({ action: 'active' })) this.lastActiveAt = Date.now();
  };

  private readonly onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (this.view.name === 'settings' && this.settingsDirty) e.preventDefault();
  };

  // ---- teammates ----------------------------------------------------------------------------

  async loadTeammates(): Promise<void> {
    try {
      const all = await allPages(async (cursor) => {
        const r = await this.api.get<{ agents: Teammate[]; nextCursor?: string }>(`/v1/agents${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
        return { items: r.agents, nextCursor: r.nextCursor };
      });
      this.teammates = new Map(all.map((a) => [a.agentId, a.name || a.agentId]));
    } catch {
      /* ids stay shown as ids; the next start tries again */
    }
    this.teammates.set(this.me.agentId, this.me.name || this.me.agentId);
    if (this.view.name === 'conversations') {
      renderList(this);
      if (this.thread) renderThreadHead(this);
    }
  }

  /** A teammate's name (GET /v1/agents), their id when the list does not know them. */
  nameOf(agentId: string): string {
    return this.teammates.get(agentId) || agentId;
  }

  // ---- navigation -------------------------------------------------------------------------

  private readonly route = () => {
    const next = parseHash(location.hash);
    const prev = this.view;
    if (prev.name === 'settings' && next.name !== 'settings' && this.settingsDirty) {
      // The hash already moved: ask, and put it back if the agent stays with their changes.
      if (!confirm('Your notification settings have unsaved changes. Leave without saving them?')) {
        history.replaceState(null, '', '#/settings');
        return;
      }
      this.settingsDirty = false;
    }
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
      h(
        'div',
        { class: 'panes' },
        h('section', { id: 'list-pane', class: 'list-pane', 'aria-labelledby': 'list-title' }),
        h('section', { id: 'thread-pane', class: 'thread-pane', 'aria-label': 'Conversation' }),
      ),
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
      const r = await this.api.get<{ conversations: ConversationItem[]; nextCursor?: string }>(`/v1/conversations?filter=${this.filter}`);
      // A slower answer for a filter the agent already left must not overwrite the newer one.
      if (gen !== this.listGeneration) return;
      this.items = r.conversations;
      this.nextCursor = r.nextCursor;
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

  /** The next page of the list, after what is shown (a frame may have moved items meanwhile: no repeats). */
  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (!cursor || this.loadingMore) return;
    const gen = this.listGeneration;
    this.loadingMore = true;
    renderList(this);
    try {
      const r = await this.api.get<{ conversations: ConversationItem[]; nextCursor?: string }>(`/v1/conversations?filter=${this.filter}&cursor=${encodeURIComponent(cursor)}`);
      if (gen !== this.listGeneration) return;
      const known = new Set(this.items.map((i) => i.conversationId));
      this.items = [...this.items, ...r.conversations.filter((i) => !known.has(i.conversationId))];
      this.nextCursor = r.nextCursor;
    } catch (e) {
      if (gen === this.listGeneration) this.listState = { loading: false, error: errorText(e) };
    } finally {
      this.loadingMore = false;
    }
    if (this.view.name === 'conversations') renderList(this);
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
    renderThread(this, { focusReply: true });
    // Opened by link (the reminder email's, a notification's) beyond the loaded pages: the
    // conversation itself says who the visitor is and who has it.
    if (!this.itemFor(id)) void this.fetchThreadItem(t);
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

  private async fetchThreadItem(t: Thread): Promise<void> {
    try {
      const item = await this.api.get<ConversationItem>(`/v1/conversations/${encodeURIComponent(t.id)}`);
      if (this.thread !== t) return;
      this.threadItem = item;
      renderThread(this);
    } catch {
      /* a 404 is shown by the messages' load */
    }
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
      const wasUnread = (this.itemFor(t.id) ?? this.threadItem)?.unread === true;
      const r = await this.api.post<{ readSeq?: number }>(`/v1/conversations/${t.id}/read`, { upToSeq });
      this.noteRead(t.id, typeof r?.readSeq === 'number' ? r.readSeq : upToSeq);
      if (wasUnread && this.serverUnread !== undefined) this.serverUnread = Math.max(0, this.serverUnread - 1);
      this.items = applyRead(this.items, t.id, this.me.agentId);
      if (this.threadItem?.conversationId === t.id) this.threadItem = { ...this.threadItem, unread: false };
      closeNotification(t.id);
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
      saveDraft(t.id, '');
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
      announce(agentId === null ? 'Conversation unassigned.' : agentId === this.me.agentId ? 'Conversation assigned to you.' : `Conversation assigned to ${this.nameOf(agentId)}.`);
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
    if (typeof f.unreadConversations === 'number') this.serverUnread = f.unreadConversations;
    if (f.type === 'conversation.updated' && typeof f.conversationId === 'string') return this.onUpdated(f as unknown as ConversationUpdatedFrame);
    if (f.type === 'conversation.read' && typeof f.conversationId === 'string') return this.onReadElsewhere(f as unknown as ConversationReadFrame);
    if (!isChatMessageFrame(f)) {
      if (typeof f.unreadConversations === 'number') renderList(this);
      return;
    }
    if (f.workspaceId !== undefined && f.workspaceId !== this.me.workspaceId) return;
    if (this.seenFrames.has(f.messageId)) return;
    this.seenFrames.add(f.messageId);
    if (this.seenFrames.size > 500) this.seenFrames.delete(this.seenFrames.values().next().value as string);
    // Already read (in this tab or another): the summary moves on, the conversation stays read,
    // and nobody is notified about what they have seen (issue 14 item 11).
    const alreadyRead = f.seq <= (this.readSeqs.get(f.conversationId) ?? 0);
    this.items = applyFrame(this.items, f, this.filter, this.me.agentId, this.readSeqs.get(f.conversationId) ?? 0);
    const t = this.thread;
    const isOpen = t?.id === f.conversationId;
    if (isOpen && this.threadItem?.conversationId === f.conversationId) this.threadItem = { ...this.threadItem, assigneeId: f.assigneeId, unread: !alreadyRead };
    if (this.view.name === 'conversations') renderList(this);
    if (isOpen && t) {
      const m: Message = { messageId: f.messageId, seq: f.seq, from: { type: 'visitor', id: f.from.id, name: f.from.name }, body: f.preview, createdAt: f.createdAt };
      this.addMessages(t, [m]);
      if ([...f.preview].length >= PREVIEW_MAX) void this.refreshThread(t);
      else void this.markRead(t);
    } else if (!alreadyRead) {
      announce(`New message from ${visitorName(f.from)}: ${f.preview.slice(0, 140)}`);
    }
    if (!alreadyRead) this.notify(f, isOpen);
  }

  private noteRead(conversationId: string, readSeq: number): void {
    if (readSeq > (this.readSeqs.get(conversationId) ?? 0)) this.readSeqs.set(conversationId, readSeq);
  }

  /** A teammate's action (SPEC §7 `conversation.updated`): the list and the open conversation follow. */
  private onUpdated(f: ConversationUpdatedFrame): void {
    this.settleLater(f.conversationId);
    const next = applyUpdated(this.items, f, this.filter, this.me.agentId);
    if (next) this.items = next;
    else if (fitsFilter(this.filter, f.assigneeId, false, this.me.agentId) && this.filter !== 'unread') void this.fetchIntoList(f.conversationId);
    if (this.threadItem?.conversationId === f.conversationId) this.threadItem = updatedItem(this.threadItem, f, this.me.agentId);
    if (this.view.name !== 'conversations') return;
    renderList(this);
    if (this.thread?.id === f.conversationId) {
      renderThreadHead(this);
      // A teammate's reply appears in the open conversation too.
      const last = f.lastMessage;
      if (last && last.from.type === 'agent' && last.from.id !== this.me.agentId && this.thread && !this.thread.loading) void this.refreshThread(this.thread);
    }
  }

  private readonly settling = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * Frames about one conversation are sent by different requests (a teammate's read and reply land
   * together), so they can arrive in another order than their writes and a later one can carry an
   * older state. Shortly after the last frame about C, its item is read once from the API, and that
   * is what the list and the open conversation show.
   */
  private settleLater(conversationId: string): void {
    clearTimeout(this.settling.get(conversationId));
    this.settling.set(
      conversationId,
      setTimeout(() => {
        this.settling.delete(conversationId);
        void this.settle(conversationId);
      }, SETTLE_MS),
    );
  }

  private async settle(conversationId: string): Promise<void> {
    try {
      const item = await this.api.get<ConversationItem>(`/v1/conversations/${encodeURIComponent(conversationId)}`);
      if (this.itemFor(conversationId)) this.items = this.items.map((i) => (i.conversationId === conversationId ? item : i));
      if (this.threadItem?.conversationId === conversationId) this.threadItem = item;
      if (this.view.name !== 'conversations') return;
      renderList(this);
      if (this.thread?.id === conversationId) renderThreadHead(this);
    } catch {
      /* the frames' state stays until the next load */
    }
  }

  /** A conversation the loaded pages do not hold became one this filter shows: fetch it. */
  private async fetchIntoList(conversationId: string): Promise<void> {
    try {
      const item = await this.api.get<ConversationItem>(`/v1/conversations/${encodeURIComponent(conversationId)}`);
      if (this.itemFor(conversationId) || !fitsFilter(this.filter, item.assigneeId, item.unread, this.me.agentId)) return;
      // In activity order, and only within the loaded range: an older one waits for "Load more".
      const at = (i: ConversationItem) => i.lastMessage?.createdAt ?? '';
      const oldest = this.items.at(-1);
      if (this.nextCursor && oldest && at(item) < at(oldest)) return;
      const pos = this.items.findIndex((i) => at(i) < at(item));
      this.items = pos < 0 ? [...this.items, item] : [...this.items.slice(0, pos), item, ...this.items.slice(pos)];
      if (this.view.name === 'conversations') renderList(this);
    } catch {
      /* shown at the next load */
    }
  }

  /** I read it somewhere (another tab, the phone): its notification here closes, its badge clears (SPEC §11.3). */
  private onReadElsewhere(f: ConversationReadFrame): void {
    if (typeof f.readSeq === 'number') this.noteRead(f.conversationId, f.readSeq);
    closeNotification(f.conversationId);
    const item = this.itemFor(f.conversationId);
    if (item && (!item.lastMessage || item.lastMessage.from.type === 'agent' || item.lastMessage.seq <= f.readSeq)) {
      this.items = applyRead(this.items, f.conversationId, this.me.agentId);
    }
    if (this.threadItem?.conversationId === f.conversationId) this.threadItem = { ...this.threadItem, unread: false };
    if (this.view.name === 'conversations') renderList(this);
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

  private notify(f: ChatMessageFrame & ChatMessageExtras, isOpen: boolean): void {
    // SPEC §11.4: during do-not-disturb or quiet hours the page updates, with no notification and no sound.
    if (f.notify === false) return;
    // The agent is looking at this very conversation: the message is in front of them already.
    if (isOpen && document.visibilityState === 'visible' && document.hasFocus()) return;
    chime();
    if (!this.me.settings.desktop) return;
    showNotification(f, this.me.settings.pushPreview ?? 'full', (id) => this.openConversation(id));
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

  async loadDevices(): Promise<void> {
    try {
      this.devices = (await this.api.get<{ devices: Device[] }>('/v1/me/devices')).devices;
      this.devicesError = undefined;
    } catch (e) {
      this.devicesError = errorText(e);
    }
  }

  async registerDevice(platform: Platform, token: string): Promise<void> {
    await this.api.post<{ deviceId: string; endpointArn: string }>('/v1/me/devices', { platform, token });
    await this.loadDevices();
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.api.del(`/v1/me/devices/${encodeURIComponent(deviceId)}`);
    this.devices = this.devices?.filter((d) => d.deviceId !== deviceId);
  }

  // ---- drafts -------------------------------------------------------------------------------

  draftOf(conversationId: string): string {
    return loadDraft(conversationId);
  }

  keepDraft(conversationId: string, text: string): void {
    saveDraft(conversationId, text);
  }

  /** The unread count for the page title: the server's (SPEC §11.2) when a frame brought one. */
  unreadCount(): number {
    return this.serverUnread ?? this.items.filter((i) => i.unread).length;
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
