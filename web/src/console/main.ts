/** The agent console's entry: read the runtime config, sign in, then start the console. */
import { apiClient, errorText } from '../shared/api.js';
import { byId, h } from '../shared/dom.js';
import { loadConfig } from '../shared/runtime-config.js';
import type { Me, RuntimeConfig } from '../shared/types.js';
import { ConsoleApp } from './app.js';
import { beginSignIn, completeSignIn, refreshSignIn, signOutUrl } from './oidc.js';
import { adoptQueryLink } from './routes.js';
import { forgetToken, isExpired, localSignIn, refreshToken, saveLocalSignIn, savedToken, saveRefreshToken, saveToken, TOKEN_KEY } from './session.js';
import { renderSignIn } from './views/sign-in.js';

let app: ConsoleApp | undefined;
let loadedCfg: RuntimeConfig | undefined;

async function start(cfg: RuntimeConfig, notice?: string): Promise<void> {
  const root = byId('app');
  const token = savedToken();
  if (!token) {
    renderSignIn(root, cfg.auth, {
      notice,
      onLocal: async (v) => {
        const request = {
          workspaceId: v.workspaceId.trim(),
          agentId: v.agentId.trim(),
          name: v.name.trim(),
          email: v.email.trim() || undefined,
        };
        const r = await apiClient(cfg.apiUrl, () => undefined).post<{ token: string }>('/_local/token', request);
        saveToken(r.token);
        saveLocalSignIn(request);
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
  const me = await apiClient(cfg.apiUrl, current)
    .get<Me>('/v1/me')
    .catch((e: unknown) => {
      forgetToken();
      throw e;
    });
  // Offline, a fresh token is had the way sign-in had it (SPEC §10.4: the console reconnects with
  // one when its connection closes at expiry). Deployed, the refresh grant gives one while the
  // refresh token lasts; after that the identity provider's sign-in is needed.
  const auth = cfg.auth;
  const renew =
    auth.mode === 'local'
      ? async () => {
          const request = localSignIn() ?? { workspaceId: me.workspaceId, agentId: me.agentId, name: me.name, email: me.email || undefined };
          const r = await apiClient(cfg.apiUrl, () => undefined).post<{ token: string }>('/_local/token', request);
          saveToken(r.token);
          return r.token;
        }
      : async () => {
          const rt = refreshToken();
          if (!rt) throw new Error('no refresh token');
          const r = await refreshSignIn(auth, rt);
          saveToken(r.idToken);
          saveRefreshToken(r.refreshToken);
          return r.idToken;
        };
  app = new ConsoleApp(cfg, current, me, (reason) => signOut(cfg, reason), renew);
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
  // The session is shared by the console's tabs (session.ts): signing out in one signs out all,
  // and a tab on the sign-in page starts when another one signs in.
  addEventListener('storage', (e) => {
    if (e.key !== TOKEN_KEY && e.key !== null) return;
    if (!e.newValue && app) {
      app.stop();
      app = undefined;
      void start(loadedCfg!, 'You signed out in another tab.');
    } else if (e.newValue && !app && loadedCfg) {
      void start(loadedCfg);
    }
  });
  let cfg: RuntimeConfig;
  try {
    cfg = await loadConfig();
    loadedCfg = cfg;
  } catch (e) {
    byId('app').replaceChildren(h('main', { id: 'main', class: 'sign-in-page' }, h('p', { class: 'error', role: 'alert' }, `The console cannot start: ${errorText(e)}`)));
    return;
  }
  let notice: string | undefined;
  if (cfg.auth.mode === 'oidc') {
    try {
      const done = await completeSignIn(cfg.auth);
      if (done) {
        saveToken(done.idToken);
        saveRefreshToken(done.refreshToken);
      }
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
