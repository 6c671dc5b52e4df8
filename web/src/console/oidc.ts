/**
 * Deployed sign-in: the authorization code flow with PKCE against the configured OIDC issuer
 * (Cognito's hosted UI by default). The id_token is the agent's bearer token: its audience is the
 * app client id, which is what the API checks. A public client in the browser has no secret, and
 * PKCE is what keeps an intercepted code useless.
 */
import type { AuthConfig } from '../shared/types.js';

type OidcConfig = Extract<AuthConfig, { mode: 'oidc' }>;

const PENDING = 'agentConsole.oidcPending';

interface Endpoints {
  authorizeUrl: string;
  tokenUrl: string;
}

async function endpoints(c: OidcConfig): Promise<Endpoints> {
  if (c.authorizeUrl && c.tokenUrl) return { authorizeUrl: c.authorizeUrl, tokenUrl: c.tokenUrl };
  const r = await fetch(`${c.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!r.ok) throw new Error(`the issuer's discovery document answered ${r.status}`);
  const d = (await r.json()) as { authorization_endpoint?: string; token_endpoint?: string };
  const authorizeUrl = c.authorizeUrl ?? d.authorization_endpoint;
  const tokenUrl = c.tokenUrl ?? d.token_endpoint;
  if (!authorizeUrl || !tokenUrl) throw new Error('the issuer publishes no authorization or token endpoint (is a hosted-UI domain configured?)');
  return { authorizeUrl, tokenUrl };
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(n)));
}

function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

/** Leave for the identity provider's sign-in page; `returnTo` is the console view to come back to. */
export async function beginSignIn(c: OidcConfig, returnTo: string): Promise<void> {
  const { authorizeUrl } = await endpoints(c);
  const verifier = randomString(48);
  const state = randomString(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const u = new URL(authorizeUrl);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', c.clientId);
  u.searchParams.set('redirect_uri', redirectUri());
  u.searchParams.set('scope', c.scope ?? 'openid email profile');
  u.searchParams.set('state', state);
  u.searchParams.set('code_challenge', challenge);
  u.searchParams.set('code_challenge_method', 'S256');
  location.assign(u.toString());
}

/**
 * Finish a sign-in when the provider has sent the browser back with `?code=&state=`. Returns the
 * id_token and the view to return to, or undefined when this page load is not such a return.
 */
export async function completeSignIn(c: OidcConfig): Promise<{ idToken: string; refreshToken?: string; returnTo: string } | undefined> {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  const error = q.get('error');
  if (!code && !error) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING);
  // The code must not survive in the address bar or in history, used or not.
  history.replaceState(null, '', redirectUri() + (pending?.returnTo ?? ''));
  if (error) throw new Error(`sign-in failed: ${q.get('error_description') ?? error}`);
  if (!pending || pending.state !== q.get('state')) throw new Error('sign-in failed: the answer does not match a sign-in started here');
  const { tokenUrl } = await endpoints(c);
  const r = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: c.clientId,
      code: code!,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const t = (await r.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; error?: string };
  if (!r.ok || !t.id_token) throw new Error(`sign-in failed: ${t.error ?? `the token endpoint answered ${r.status}`}`);
  return { idToken: t.id_token, ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}), returnTo: pending.returnTo };
}

/**
 * A fresh id_token from the refresh token (the OAuth 2.0 refresh grant; Cognito's ID tokens last
 * an hour, its refresh tokens 30 days by default). A public client sends no secret. Cognito answers
 * no new refresh token unless rotation is on; one that comes is returned to be kept.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
 */
export async function refreshSignIn(c: OidcConfig, refreshToken: string): Promise<{ idToken: string; refreshToken?: string }> {
  const { tokenUrl } = await endpoints(c);
  const r = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: c.clientId, refresh_token: refreshToken }),
  });
  const t = (await r.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; error?: string };
  if (!r.ok || !t.id_token) throw new Error(`refresh failed: ${t.error ?? `the token endpoint answered ${r.status}`}`);
  return { idToken: t.id_token, ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}) };
}

/** Where to send the browser after forgetting the token, so the provider's session ends too. */
export function signOutUrl(c: OidcConfig): string | undefined {
  if (!c.logoutUrl) return undefined;
  const u = new URL(c.logoutUrl);
  u.searchParams.set('client_id', c.clientId);
  u.searchParams.set('logout_uri', redirectUri());
  return u.toString();
}
