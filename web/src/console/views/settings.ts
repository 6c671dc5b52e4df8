/** Notification settings, in the wording agents know from the help centre, and the test devices. */
import { h } from '../../shared/dom.js';
import { PLATFORMS, type Platform, type Settings } from '../../shared/types.js';
import type { ConsoleApp } from '../app.js';
import { errorText } from '../../shared/api.js';
import { testNotificationSection } from './notification-log.js';

function checkbox(id: string, label: string, checked: boolean, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'check' },
    h('input', { type: 'checkbox', id, name: id, checked, 'aria-describedby': hint ? `${id}-hint` : undefined }),
    h('label', { for: id }, label),
    hint ? h('p', { id: `${id}-hint`, class: 'hint muted' }, hint) : null,
  );
}

function radio(name: string, value: string, label: string, checked: boolean): HTMLElement {
  const id = `${name}-${value}`;
  return h('div', { class: 'check' }, h('input', { type: 'radio', id, name, value, checked }), h('label', { for: id }, label));
}

export function renderSettings(app: ConsoleApp, main: HTMLElement): void {
  const s = app.me.settings;
  const status = h('p', { id: 'settings-status', class: 'status-line', role: 'status' });
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h(
    'form',
    { id: 'settings-form', class: 'settings', 'aria-labelledby': 'settings-title' },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Desktop'),
      checkbox('desktop', 'Desktop', s.desktop, 'A browser notification while you are signed in with at least one console tab open.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Mobile'),
      checkbox('mobile', 'Mobile', s.mobile, 'A push notification on your registered phones (APNS and GCM), whether or not you are online. Long messages are cut to 500 characters.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Email'),
      checkbox('email', 'On conversations…: Email', s.email),
      checkbox('emailUnreadReminder', 'Remind me about unread chat messages by email', s.emailUnreadReminder, 'Email needs both options on. Unread conversations are checked every 5 minutes; once emailed, they count as read for email.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Notify me about'),
      radio('scope', 'all', 'All conversations', s.scope === 'all'),
      radio('scope', 'assigned', 'Only conversations assigned to me', s.scope === 'assigned'),
      checkbox('unassigned', 'Unassigned conversations', s.unassigned, 'Also conversations nobody is assigned to yet.'),
    ),
    h('div', { class: 'form-row' }, save, status),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const checked = (id: string) => (form.querySelector<HTMLInputElement>(`#${id}`)?.checked ?? false);
    const next: Settings = {
      // Fields this page does not edit keep their saved values.
      ...s,
      desktop: checked('desktop'),
      mobile: checked('mobile'),
      email: checked('email'),
      emailUnreadReminder: checked('emailUnreadReminder'),
      scope: checked('scope-all') ? 'all' : 'assigned',
      unassigned: checked('unassigned'),
    };
    save.disabled = true;
    status.className = 'status-line';
    status.textContent = 'Saving…';
    app
      .saveSettings(next)
      .then(() => {
        status.textContent = 'Settings saved.';
        // A save clears a failing email on the server (SPEC §10.3): the next reminder tries again.
        app.me.emailStatus = 'ok';
        emailWarning.remove();
      })
      .catch((err: unknown) => {
        status.className = 'status-line error';
        status.textContent = `Not saved: ${errorText(err)}`;
      })
      .finally(() => (save.disabled = false));
  });

  const emailWarning = h(
    'p',
    { id: 'email-failing', class: 'status-line error', role: 'alert' },
    `Reminder emails to ${app.me.email || 'your address'} are failing: the address was refused or bounced. Check it, then save these settings to try again.`,
  );

  main.replaceChildren(
    h('div', { class: 'page' }, h('h1', { id: 'settings-title', tabindex: '-1' }, 'Notifications'), h('p', { class: 'muted' }, `Signed in as ${app.me.name || app.me.agentId}${app.me.email ? ` <${app.me.email}>` : ''}.`), ...(app.me.emailStatus === 'failing' ? [emailWarning] : []), form, testNotificationSection(app), devicesSection(app)),
  );
}

function devicesSection(app: ConsoleApp): HTMLElement {
  const section = h('section', { class: 'devices', 'aria-labelledby': 'devices-title' });
  const draw = () => {
    const status = h('p', { id: 'device-status', class: 'status-line', role: 'status' });
    const platform = h('select', { id: 'device-platform', name: 'platform' }, PLATFORMS.map((p) => h('option', { value: p }, p)));
    const token = h('input', { id: 'device-token', name: 'token', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false' });
    const form = h(
      'form',
      { class: 'device-form', 'aria-labelledby': 'devices-title' },
      h('div', { class: 'field' }, h('label', { for: 'device-platform' }, 'Platform'), platform),
      h('div', { class: 'field grow' }, h('label', { for: 'device-token' }, 'Device token'), token),
      h('button', { type: 'submit' }, 'Register device'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      status.textContent = 'Registering…';
      app
        .registerDevice(platform.value as Platform, token.value.trim())
        .then(() => {
          draw();
          const s = document.getElementById('device-status');
          if (s) s.textContent = 'Device registered.';
        })
        .catch((err: unknown) => (status.textContent = `Not registered: ${errorText(err)}`));
    });
    section.replaceChildren(
      h('h2', { id: 'devices-title' }, 'Mobile devices'),
      h('p', { class: 'muted' }, 'The mobile apps register themselves. To try mobile push by hand, register a device token here. The list shows the devices registered from this browser session.'),
      form,
      status,
      app.devices.length === 0
        ? h('p', { class: 'muted' }, 'No devices registered in this session.')
        : h(
            'ul',
            { class: 'device-list', 'aria-label': 'Registered devices' },
            app.devices.map((d) =>
              h(
                'li',
                { 'data-device-id': d.deviceId },
                h('span', {}, `${d.platform} · ${d.token.length > 24 ? `${d.token.slice(0, 24)}…` : d.token}`),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    'aria-label': `Remove ${d.platform} device ${d.token.slice(0, 24)}`,
                    onclick: () =>
                      void app
                        .removeDevice(d.deviceId)
                        .then(() => {
                          draw();
                          const s = document.getElementById('device-status');
                          if (s) s.textContent = 'Device removed.';
                        })
                        .catch((err: unknown) => (status.textContent = `Not removed: ${errorText(err)}`)),
                  },
                  'Remove',
                ),
              ),
            ),
          ),
    );
  };
  draw();
  return section;
}
