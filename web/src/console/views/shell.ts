/** The frame around every view: top bar, live-line status, the notification permission banner. */
import { byId, h } from '../../shared/dom.js';
import type { ConsoleApp } from '../app.js';
import { bannerText, permission } from '../desktop-notifications.js';

export function renderShell(app: ConsoleApp, root: HTMLElement): void {
  const { me } = app;
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h('p', { class: 'brand' }, 'Agent console'),
      h(
        'nav',
        { id: 'main-nav', 'aria-label': 'Main' },
        h('a', { href: '#/', 'data-view': 'conversations' }, 'Conversations'),
        h('a', { href: '#/settings', 'data-view': 'settings' }, 'Notifications'),
        h('a', { href: '#/log', 'data-view': 'log' }, 'Notification log'),
      ),
      h('p', { id: 'live-status', class: 'live-status', role: 'status' }),
      h('p', { class: 'who' }, h('span', { class: 'who-name' }, me.name || me.agentId), ' ', h('span', { class: 'who-ws' }, `(${me.workspaceId})`)),
      h('button', { type: 'button', class: 'secondary sign-out', onclick: () => app.signOut() }, 'Sign out'),
    ),
    h('div', { id: 'banner', class: 'banner', hidden: true }),
    h('main', { id: 'main', tabindex: '-1' }),
  );
  root.removeAttribute('aria-busy');
  renderLiveStatus(app);
  renderBanner(app);
}

export function renderLiveStatus(app: ConsoleApp): void {
  const el = document.getElementById('live-status');
  if (!el) return;
  const s = app.live;
  el.dataset.state = s.state;
  el.textContent =
    s.state === 'online'
      ? 'Live'
      : s.state === 'connecting'
        ? 'Connecting…'
        : s.retryInMs > 0
          ? `Offline — reconnecting in ${Math.ceil(s.retryInMs / 1000)} s`
          : s.reason === 'too_many_connections'
            ? 'Offline — too many consoles are open for you; reload this page to use this one'
            : 'Offline — sign in again to reconnect';
}

/** Shown while desktop notifications are on in the settings but the browser may not show them. */
export function renderBanner(app: ConsoleApp): void {
  const el = document.getElementById('banner');
  if (!el) return;
  const b = app.me.settings.desktop ? bannerText(permission()) : undefined;
  if (!b) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  el.replaceChildren(h('p', { id: 'banner-text' }, b.text));
  if (b.canAsk) el.append(h('button', { type: 'button', 'aria-describedby': 'banner-text', onclick: () => void app.allowNotifications() }, 'Allow notifications'));
}

export function focusMain(): void {
  byId('main').focus();
}
