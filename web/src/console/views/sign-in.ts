/** Sign-in: a local form against the offline stack's issuer, or a button to the OIDC provider. */
import { h } from '../../shared/dom.js';
import type { AuthConfig } from '../../shared/types.js';

const ID_PATTERN = '[A-Za-z0-9_\\-]{1,128}';
const LAST = 'agentConsole.lastLocalSignIn';

export interface LocalSignIn {
  workspaceId: string;
  agentId: string;
  name: string;
  email: string;
}

export function renderSignIn(root: HTMLElement, auth: AuthConfig, opts: { notice?: string; onLocal: (v: LocalSignIn) => Promise<void>; onOidc: () => Promise<void> }): void {
  const error = h('p', { id: 'sign-in-error', class: 'error', role: 'alert' });
  const notice = opts.notice ? h('p', { class: 'notice', role: 'status' }, opts.notice) : null;
  const fail = (e: unknown) => (error.textContent = e instanceof Error ? e.message : String(e));
  let body: HTMLElement;
  if (auth.mode === 'local') {
    const last = JSON.parse(localStorage.getItem(LAST) ?? 'null') as Partial<LocalSignIn> | null;
    const field = (id: keyof LocalSignIn, label: string, attrs: Record<string, string | boolean>, hint?: string) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `signin-${id}` }, label),
        h('input', { id: `signin-${id}`, name: id, value: last?.[id] ?? (id === 'workspaceId' ? 'demo' : ''), 'aria-describedby': hint ? `signin-${id}-hint` : undefined, ...attrs }),
        hint ? h('p', { id: `signin-${id}-hint`, class: 'hint muted' }, hint) : null,
      );
    const submit = h('button', { type: 'submit' }, 'Sign in');
    const form = h(
      'form',
      { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
      field('workspaceId', 'Workspace', { required: true, pattern: ID_PATTERN, autocomplete: 'organization' }, 'Letters, digits, - and _. The demo page writes to “demo”.'),
      field('agentId', 'Agent id', { required: true, pattern: ID_PATTERN, autocomplete: 'username' }, 'Letters, digits, - and _.'),
      field('name', 'Name', { required: true, autocomplete: 'name' }),
      field('email', 'Email', { type: 'email', autocomplete: 'email' }),
      submit,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = Object.fromEntries(new FormData(form)) as unknown as LocalSignIn;
      localStorage.setItem(LAST, JSON.stringify(v));
      submit.disabled = true;
      error.textContent = '';
      opts
        .onLocal(v)
        .catch(fail)
        .finally(() => (submit.disabled = false));
    });
    body = h('div', {}, h('p', { class: 'muted' }, 'Local mode: the offline stack issues a token for any agent you name.'), form);
  } else {
    body = h('div', {}, h('p', {}, 'Sign in with your company account to see your conversations.'), h('button', { type: 'button', onclick: () => void opts.onOidc().catch(fail) }, 'Sign in'));
  }
  root.replaceChildren(h('main', { id: 'main', class: 'sign-in-page' }, h('div', { class: 'card' }, h('h1', { id: 'sign-in-title' }, 'Agent console'), notice, body, error)));
  root.removeAttribute('aria-busy');
  const inputs = Array.from(root.querySelectorAll<HTMLInputElement>('input'));
  (inputs.find((i) => !i.value) ?? inputs[0] ?? root.querySelector<HTMLButtonElement>('button'))?.focus();
}
