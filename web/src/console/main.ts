/** The agent console's entry: read the runtime config, sign in, then start the console. */
import { apiClient, errorText } from '../shared/api.js';
import { byId, h } from '../shared/dom.js';
import { loadConfig } from '../shared/runtime-config.js';
import type { Me, RuntimeConfig } from '../shared/types.js';
import { ConsoleApp } from './app.js';
import { beginSignIn, completeSignIn, signOutUrl } from './oidc.js';
import { adoptQueryLink } from './routes.js';
import { forgetToken, isExpired, savedToken, saveToken } from './session.js';
import { renderSignIn } from './views/sign-in.js';

let app: ConsoleApp | undefined;

async function start(cfg: RuntimeConfig, notice?: string): Promise<void> {
  const root = byId('app');
  const token = savedToken();
  if (!token) {
    renderSignIn(root, cfg.auth, {
      notice,
      onLocal: async (v) => {
        const r = await apiClient(cfg.apiUrl, () => undefined).post<{ token: string }>('/_local/token', {
          workspaceId: v.workspaceId.trim(),
          agentId: v.agentId.trim(),
          name: v.name.trim(),
          email: v.email.trim() || undefined,
        });
        saveToken(r.token);
        await start(cfg);
      },
      onOidc: () => (cfg.auth.mode === 'oidc' ? beginSignIn(cfg.auth, location.hash) : Promise.resolve()),
    });
    return;
  }
  const current = () => {
    const t = savedToken();
    return t && !isExpired(t) ? t : undefined;
  };
  const me = await apiClient(cfg.apiUrl, current).get<Me>('/v1/me').catch((e: unknown) => {
    forgetToken();
    throw e;
  });
  app = new ConsoleApp(cfg, current, me, (reason) => signOut(cfg, reason));
  app.start(root);
}

function signOut(cfg: RuntimeConfig, reason?: string): void {
  app?.stop();
  app = undefined;
  forgetToken();
  const away = !reason && cfg.auth.mode === 'oidc' ? signOutUrl(cfg.auth) : undefined;
  if (away) location.assign(away);
  else void start(cfg, reason ?? 'You are signed out.');
}

async function main(): Promise<void> {
  adoptQueryLink();
  let cfg: RuntimeConfig;
  try {
    cfg = await loadConfig();
  } catch (e) {
    byId('app').replaceChildren(h('main', { id: 'main', class: 'sign-in-page' }, h('p', { class: 'error', role: 'alert' }, `The console cannot start: ${errorText(e)}`)));
    return;
  }
  let notice: string | undefined;
  if (cfg.auth.mode === 'oidc') {
    try {
      const done = await completeSignIn(cfg.auth);
      if (done) saveToken(done.idToken);
    } catch (e) {
      notice = errorText(e);
    }
  }
  try {
    await start(cfg, notice);
  } catch (e) {
    await start(cfg, `Sign-in failed: ${errorText(e)}`);
  }
}

void main();
