/**
 * SPEC §11.7 over the offline stack: every reminder email carries List-Unsubscribe (a signed https
 * link) and List-Unsubscribe-Post (RFC 8058), read back from the local SES's `headers`, and a link
 * to the console's settings; the one-click POST turns the agent's reminders off without a sign-in;
 * a forged or malformed token is refused in the SPEC error shape and writes nothing.
 */
import type { OfflineStack } from '../../local/stack.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { agentToken, call, startTestStack, uid } from '../support/offline.js';

let stack: OfflineStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function newAgent(workspaceId: string, name: string, settings: Partial<Settings>) {
  const agentId = uid(name);
  const email = `${agentId}@example.com`;
  const token = await agentToken(stack, { workspaceId, agentId, email, name });
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
  expect(r.status).toBe(200);
  return { agentId, email, token };
}

async function visitorWrites(workspaceId: string, body: string) {
  const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: 'Ida' }, message: { body } } });
  expect(r.status).toBe(201);
  return r.json.conversationId as string;
}

const emailsTo = async (address: string) => (await call(stack.httpUrl, 'GET', '/_local/emails')).json.emails.filter((e: any) => e.to.some((t: string) => t.includes(address)));

async function remindersRun() {
  const r = await call(stack.httpUrl, 'POST', '/_local/reminders/run');
  expect(r.status).toBe(200);
  return r.json;
}

/** The https link of a List-Unsubscribe value `<…>`, as path and query on this stack. */
function linkOf(header: string): { url: URL; path: string } {
  const m = /^<([^>]+)>$/.exec(header);
  expect(m).not.toBeNull();
  const url = new URL(m![1]!);
  return { url, path: `${url.pathname}${url.search}` };
}

const oneClick = (path: string, body = 'List-Unsubscribe=One-Click') => call(stack.httpUrl, 'POST', path, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

test('the reminder email carries List-Unsubscribe and List-Unsubscribe-Post, and links the settings; the one-click POST turns reminders off', async () => {
  const ws = uid('ws');
  const a = await newAgent(ws, 'mailme', { scope: 'all', email: true, emailUnreadReminder: true });
  await visitorWrites(ws, 'first question');
  expect((await remindersRun()).agentsEmailed).toBeGreaterThanOrEqual(1);
  const [mail] = await emailsTo(a.email);
  expect(mail).toBeDefined();
  expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  const { url, path } = linkOf(mail.headers['List-Unsubscribe']);
  expect(url.origin).toBe(new URL(stack.httpUrl).origin);
  expect(url.pathname).toBe('/v1/unsubscribe');
  expect(mail.text).toContain(`${stack.httpUrl}/#/settings`);
  expect(mail.html).toContain(`href="${stack.httpUrl}/#/settings"`);
  expect(mail.text).toContain('first question');

  // GET shows a confirm page and changes nothing (a link preview must not unsubscribe).
  const page = await call(stack.httpUrl, 'GET', path);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.text).toContain('method="post"');
  expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.settings).toMatchObject({ email: true, emailUnreadReminder: true });

  // RFC 8058 one-click: no sign-in, both email toggles off.
  const done = await oneClick(path);
  expect(done.status).toBe(200);
  expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: a.token })).json.settings).toMatchObject({ email: false, emailUnreadReminder: false, scope: 'all' });

  // No more reminders for that agent.
  await visitorWrites(ws, 'second question');
  await remindersRun();
  expect(await emailsTo(a.email)).toHaveLength(1);
});

test('a forged, altered or missing token is refused in the SPEC error shape and writes nothing', async () => {
  const ws = uid('ws');
  const victim = await newAgent(ws, 'victim', { scope: 'all', email: true, emailUnreadReminder: true });
  const forged = `${Buffer.from(JSON.stringify([ws, victim.agentId])).toString('base64url')}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
  const r1 = await oneClick(`/v1/unsubscribe?t=${encodeURIComponent(forged)}`);
  expect(r1.status).toBe(403);
  expect(r1.json).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  const r2 = await oneClick('/v1/unsubscribe?t=not-a-token');
  expect(r2.status).toBe(403);
  expect(r2.json.error.code).toBe('forbidden');
  const r3 = await oneClick('/v1/unsubscribe');
  expect(r3.status).toBe(400);
  expect(r3.json).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });

  // A real token of another agent, made by the stack, does not name the victim: take one from an email.
  const other = await newAgent(ws, 'other', { scope: 'all', email: true, emailUnreadReminder: true });
  await visitorWrites(ws, 'hello');
  await remindersRun();
  const [mail] = await emailsTo(other.email);
  const { path } = linkOf(mail.headers['List-Unsubscribe']);
  // The body RFC 8058 requires is required.
  const noBody = await oneClick(path, '');
  expect(noBody.status).toBe(400);
  // Altering the ids of a real token breaks its signature.
  const t = new URL(`http://x${path}`).searchParams.get('t')!;
  const altered = `${Buffer.from(JSON.stringify([ws, victim.agentId])).toString('base64url')}.${t.split('.')[1]}`;
  const r4 = await oneClick(`/v1/unsubscribe?t=${encodeURIComponent(altered)}`);
  expect(r4.status).toBe(403);
  expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: victim.token })).json.settings).toMatchObject({ email: true, emailUnreadReminder: true });
  expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: other.token })).json.settings).toMatchObject({ email: true, emailUnreadReminder: true });
});
