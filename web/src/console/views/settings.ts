/**
 * Notification settings, in the help centre's names with a line each saying what they do (SPEC
 * §13), and the agent's devices. The page is a list of sections (`SETTINGS_SECTIONS`, then
 * `PAGE_SECTIONS` below the form): a new one is a function added to a list, nothing else moves.
 */
import { h } from '../../shared/dom.js';
import { PLATFORMS, type Platform, type Settings } from '../../shared/types.js';
import type { ConsoleApp } from '../app.js';
import { errorText } from '../../shared/api.js';
import { testNotificationSection } from './notification-log.js';
import { setSoundOn, soundOn } from '../sound.js';

type QuietHours = NonNullable<Settings['quietHours']>;

function checkbox(id: string, label: string, checked: boolean, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'check' },
    h('input', { type: 'checkbox', id, name: id, checked, 'aria-describedby': hint ? `${id}-hint` : undefined }),
    h('label', { for: id }, label),
    hint ? h('p', { id: `${id}-hint`, class: 'hint muted' }, hint) : null,
  );
}

function radio(name: string, value: string, label: string, checked: boolean, hint?: string): HTMLElement {
  const id = `${name}-${value}`;
  return h(
    'div',
    { class: 'check' },
    h('input', { type: 'radio', id, name, value, checked, 'aria-describedby': hint ? `${id}-hint` : undefined }),
    h('label', { for: id }, label),
    hint ? h('p', { id: `${id}-hint`, class: 'hint muted' }, hint) : null,
  );
}

/** One fieldset of the settings form: drawn from the saved settings, read back into the next ones. */
export interface SettingsSection {
  render: (app: ConsoleApp, s: Settings) => HTMLElement;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function timeZones(current: string): string[] {
  const all = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return [...new Set([current, mine, 'UTC', ...all].filter(Boolean))];
}

export const SETTINGS_SECTIONS: SettingsSection[] = [
  {
    render: (_app, s) =>
      h(
        'fieldset',
        {},
        h('legend', {}, 'Desktop'),
        checkbox('desktop', 'Desktop notifications', s.desktop, 'A browser notification for each new visitor message, while you are signed in with at least one console tab open.'),
        checkbox('sound', 'Play a sound', soundOn(), 'A short chime with each notifying message. Kept in this browser only.'),
      ),
  },
  {
    render: (_app, s) =>
      h(
        'fieldset',
        {},
        h('legend', {}, 'Mobile'),
        checkbox('mobile', 'Mobile notifications', s.mobile, 'A push notification on your registered phones, whether or not you are online. Long messages are cut to 500 characters.'),
        checkbox(
          'mobileOnlyWhenAway',
          'Mobile only when away',
          s.mobileOnlyWhenAway ?? false,
          'No phone push while you are using a console tab (in the last 2 minutes): the desktop already tells you.',
        ),
      ),
  },
  {
    render: (_app, s) =>
      h(
        'fieldset',
        {},
        h('legend', {}, 'Email'),
        checkbox('email', 'On conversations…: Email', s.email, 'Send me unread conversations by email. This is the help centre\'s "On conversations…: Email" option.'),
        checkbox(
          'emailUnreadReminder',
          'Remind me about unread chat messages by email',
          s.emailUnreadReminder,
          'Email needs both options on. Unread conversations are checked every 5 minutes; once emailed, they count as read for email.',
        ),
        h('p', { id: 'email-warning', class: 'status-line error', role: 'alert', hidden: true }),
      ),
  },
  {
    render: (_app, s) =>
      h(
        'fieldset',
        {},
        h('legend', {}, 'Notify me about'),
        radio('scope', 'all', 'All conversations', s.scope === 'all', 'Every conversation of the workspace, whoever has it.'),
        radio('scope', 'assigned', 'Only conversations assigned to me', s.scope === 'assigned', 'Only the conversations you are the assignee of…'),
        checkbox('unassigned', 'Unassigned conversations', s.unassigned, '…and also the conversations nobody is assigned to yet. Already included when "All conversations" is chosen.'),
      ),
  },
  {
    render: (_app, s) => {
      const q = s.quietHours;
      const zones = timeZones(q?.timeZone ?? '');
      const days = q?.days ?? [0, 1, 2, 3, 4, 5, 6];
      return h(
        'fieldset',
        {},
        h('legend', {}, 'Quiet hours'),
        checkbox(
          'quiet',
          'Quiet hours',
          q !== null,
          'Every day (or on the days chosen) in this time window: no phone push, no sound, no browser notification, reminder emails wait. A window whose end is before its start runs past midnight. The console still shows new messages.',
        ),
        h(
          'div',
          { class: 'quiet-fields' },
          h('div', { class: 'field' }, h('label', { for: 'quiet-start' }, 'From'), h('input', { type: 'time', id: 'quiet-start', value: q?.start ?? '22:00' })),
          h('div', { class: 'field' }, h('label', { for: 'quiet-end' }, 'Until'), h('input', { type: 'time', id: 'quiet-end', value: q?.end ?? '07:00' })),
          h(
            'div',
            { class: 'field grow' },
            h('label', { for: 'quiet-zone' }, 'Time zone'),
            h(
              'select',
              { id: 'quiet-zone' },
              zones.map((z) => h('option', { value: z, selected: z === (q?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone) }, z)),
            ),
          ),
        ),
        h(
          'div',
          { class: 'quiet-days', role: 'group', 'aria-label': 'Days the quiet hours start on' },
          DAY_NAMES.map((d, i) => h('label', { class: 'day' }, h('input', { type: 'checkbox', id: `quiet-day-${i}`, checked: days.includes(i) }), ` ${d}`)),
        ),
      );
    },
  },
  {
    render: (_app, s) => {
      const p = s.pushPreview ?? 'full';
      return h(
        'fieldset',
        {},
        h('legend', {}, 'Preview on lock screens and notifications'),
        radio('pushPreview', 'full', 'Name and message', p === 'full', "The visitor's name and the start of the message."),
        radio('pushPreview', 'name', 'Name only', p === 'name', 'The visitor\'s name and "New message".'),
        radio('pushPreview', 'none', 'Nothing', p === 'none', '"New message" only: neither the name nor the text leaves the server.'),
      );
    },
  },
];

/** Sections below the form (the devices; the delivery log's test button can join them). */
export const PAGE_SECTIONS: Array<(app: ConsoleApp) => HTMLElement> = [testNotificationSection, devicesSection];

/** What the form says now, over the saved settings (fields it does not edit keep their values). */
function readForm(form: HTMLFormElement, s: Settings): Settings {
  const checked = (id: string) => form.querySelector<HTMLInputElement>(`#${id}`)?.checked ?? false;
  const value = (id: string) => form.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)?.value ?? '';
  const scope = checked('scope-all') ? 'all' : 'assigned';
  const quiet: QuietHours | null = checked('quiet')
    ? {
        start: value('quiet-start'),
        end: value('quiet-end'),
        timeZone: value('quiet-zone'),
        ...(() => {
          const days = [0, 1, 2, 3, 4, 5, 6].filter((i) => checked(`quiet-day-${i}`));
          return days.length === 7 ? {} : { days };
        })(),
      }
    : null;
  return {
    ...s,
    desktop: checked('desktop'),
    mobile: checked('mobile'),
    email: checked('email'),
    emailUnreadReminder: checked('emailUnreadReminder'),
    scope,
    // Under "All conversations" the unassigned ones are included: the saved value stays as it was.
    unassigned: scope === 'all' ? s.unassigned : checked('unassigned'),
    pushPreview: (form.querySelector<HTMLInputElement>('input[name="pushPreview"]:checked')?.value as Settings['pushPreview']) ?? 'full',
    quietHours: quiet,
    mobileOnlyWhenAway: checked('mobileOnlyWhenAway'),
  };
}

/** SPEC §13: email is on but it cannot reach the agent. */
function emailWarningText(app: ConsoleApp, s: Pick<Settings, 'email' | 'emailUnreadReminder'>): string | undefined {
  if (!s.email && !s.emailUnreadReminder) return undefined;
  if (!app.me.email) return 'Email is on, but your account has no email address: no reminder can be sent. Ask your administrator to add one to your sign-in account.';
  if (app.me.emailStatus === 'failing') return `Reminder emails to ${app.me.email} are failing: the address was refused or bounced. Check it, then save these settings to try again.`;
  return undefined;
}

export function renderSettings(app: ConsoleApp, main: HTMLElement): void {
  const s = app.me.settings;
  const status = h('p', { id: 'settings-status', class: 'status-line', role: 'status' });
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h(
    'form',
    { id: 'settings-form', class: 'settings', 'aria-labelledby': 'settings-title' },
    SETTINGS_SECTIONS.map((x) => x.render(app, s)),
    h('div', { class: 'form-row' }, save, status),
  );
  const sync = () => {
    const next = readForm(form, app.me.settings);
    const all = form.querySelector<HTMLInputElement>('#scope-all')!.checked;
    const unassigned = form.querySelector<HTMLInputElement>('#unassigned')!;
    unassigned.disabled = all;
    if (all) unassigned.checked = true;
    const quietOn = form.querySelector<HTMLInputElement>('#quiet')!.checked;
    form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('.quiet-fields input, .quiet-fields select, .quiet-days input').forEach((e) => (e.disabled = !quietOn));
    const warning = form.querySelector<HTMLElement>('#email-warning')!;
    const w = emailWarningText(app, next);
    warning.hidden = !w;
    warning.textContent = w ?? '';
    const soundNow = form.querySelector<HTMLInputElement>('#sound')!.checked;
    app.settingsDirty = JSON.stringify(next) !== JSON.stringify(app.me.settings) || soundNow !== soundOn();
  };
  form.addEventListener('change', sync);
  form.addEventListener('input', sync);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = readForm(form, app.me.settings);
    setSoundOn(form.querySelector<HTMLInputElement>('#sound')!.checked);
    save.disabled = true;
    status.className = 'status-line';
    status.textContent = 'Saving…';
    app
      .saveSettings(next)
      .then(() => {
        // A save clears a failing email on the server (SPEC §10.3): the next reminder tries again.
        app.me.emailStatus = 'ok';
        sync();
        const w = emailWarningText(app, app.me.settings);
        status.textContent = w ? 'Settings saved, but email cannot reach you (see above).' : 'Settings saved.';
      })
      .catch((err: unknown) => {
        status.className = 'status-line error';
        status.textContent = `Not saved: ${errorText(err)}`;
      })
      .finally(() => (save.disabled = false));
  });

  main.replaceChildren(
    h(
      'div',
      { class: 'page' },
      h('h1', { id: 'settings-title', tabindex: '-1' }, 'Notifications'),
      h('p', { class: 'muted' }, `Signed in as ${app.me.name || app.me.agentId}${app.me.email ? ` <${app.me.email}>` : ' (no email address)'}.`),
      form,
      ...PAGE_SECTIONS.map((f) => f(app)),
    ),
  );
  sync();
  app.settingsDirty = false;
}

function devicesSection(app: ConsoleApp): HTMLElement {
  const section = h('section', { class: 'devices', 'aria-labelledby': 'devices-title' });
  const draw = (message?: string) => {
    const status = h('p', { id: 'device-status', class: 'status-line', role: 'status' }, message ?? '');
    const platform = h(
      'select',
      { id: 'device-platform', name: 'platform' },
      PLATFORMS.map((p) => h('option', { value: p }, p)),
    );
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
        .then(() => draw('Device registered.'))
        .catch((err: unknown) => (status.textContent = `Not registered: ${errorText(err)}`));
    });
    const devices = app.devices;
    section.replaceChildren(
      h('h2', { id: 'devices-title' }, 'Mobile devices'),
      h('p', { class: 'muted' }, 'The phones that get your push notifications. The mobile apps register themselves; a device token can also be registered here by hand.'),
      devices === undefined
        ? h('p', { class: 'muted' }, app.devicesError ? `The devices could not be loaded: ${app.devicesError}` : 'Loading your devices…')
        : devices.length === 0
          ? h('p', { class: 'muted' }, 'No devices registered.')
          : h(
              'ul',
              { class: 'device-list', 'aria-label': 'Registered devices' },
              devices.map((d) =>
                h(
                  'li',
                  { 'data-device-id': d.deviceId },
                  h(
                    'span',
                    {},
                    `${d.platform} · registered ${new Date(d.registeredAt).toLocaleString()}${d.enabled ? '' : ' · disabled (the platform refused it; it works again when the app registers)'}`,
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'aria-label': `Remove ${d.platform} device registered ${new Date(d.registeredAt).toLocaleString()}`,
                      onclick: () =>
                        void app
                          .removeDevice(d.deviceId)
                          .then(() => draw('Device removed.'))
                          .catch((err: unknown) => (status.textContent = `Not removed: ${errorText(err)}`)),
                    },
                    'Remove',
                  ),
                ),
              ),
            ),
      form,
      status,
    );
  };
  draw();
  void app.loadDevices().then(() => draw());
  return section;
}
