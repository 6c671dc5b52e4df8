/**
 * The console for a team (SPEC §13, issue 14; the console part of issue 13), in real Chromium over
 * the whole offline stack. `conversation.updated` comes from the real server in the two-browser
 * case; where a frame of issue 13 (`conversation.read`, `notify`, `unreadConversations`) is not
 * produced by this branch's server, or a case needs a frame at a chosen moment, the test posts it
 * to the console's own connection through the local gateway's `@connections` API, the path API
 * Gateway's management API takes on AWS: the console is tested on the frame shapes of SPEC §7.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OfflineStack } from '../../local/stack.js';
import { agentToken, apnsToken, call, eventually, startTestStack, uid } from '../support/offline.js';
import { CHROMIUM_PATH, haveChromium, launchChromium, newConsoleContext, notificationsIn } from '../support/browser.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { connectionsOf } from '../../lambdas/store/connections.js';

const chromiumHere = haveChromium();
if (!chromiumHere) console.warn(`SKIPPED test/e2e/console-team.test.ts: no Chromium at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
const suite = chromiumHere ? describe : describe.skip;

interface Agent {
  workspaceId: string;
  agentId: string;
  name: string;
  email: string;
}

const newAgent = (workspaceId = uid('ws'), name?: string, email?: string): Agent => {
  const agentId = uid('agent');
  return { workspaceId, agentId, name: name ?? `Agent ${agentId.slice(-4)}`, email: email ?? `${agentId}@example.com` };
};

/**
 * Records what the page does that a person would notice but a DOM cannot show: notifications
 * closed (by tag) and frames the page sent on its WebSocket.
 */
const PROBES = `(() => {
  const closed = (window.__closedTags = []);
  const Real = window.Notification;
  if (Real) {
    const close = Real.prototype.close;
    Real.prototype.close = function () { closed.push(this.tag); return close.call(this); };
  }
  const sent = (window.__sentFrames = []);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { try { sent.push(JSON.parse(String(data))); } catch {} return send.call(this, data); };
})();`;

/** A TCP relay in front of the WebSocket gateway whose `cut()` turns the line silent (a dead link, no close). */
async function startRelay(targetPort: number): Promise<{ port: number; cut: () => void; close: () => Promise<void> }> {
  const pairs: Array<[Socket, Socket]> = [];
  let dead = false;
  const server: Server = createServer((inbound) => {
    const outbound = tcpConnect(targetPort, '127.0.0.1');
    pairs.push([inbound, outbound]);
    let first = true;
    inbound.on('data', (d: Buffer) => {
      if (dead) return;
      // The gateway takes upgrades for its own Host only (local/local-lock.ts): the relay is invisible.
      if (first) {
        first = false;
        const port = (server.address() as AddressInfo).port;
        d = Buffer.from(d.toString('latin1').replace(new RegExp(`^(Host: [^\\r\\n]*):${port}`, 'mi'), `$1:${targetPort}`), 'latin1');
      }
      outbound.write(d);
    });
    outbound.on('data', (d) => {
      if (!dead) inbound.write(d);
    });
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      dead = true;
    },
    close: async () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

suite('the agent console for a team, in Chromium', () => {
  let stack: OfflineStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ web: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });

  async function agentContext(viewport?: { width: number; height: number }): Promise<BrowserContext> {
    const c = await newConsoleContext(browser, stack.httpUrl);
    if (viewport) {
      await c.close();
      const small = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC', isMobile: true, hasTouch: true });
      small.setDefaultTimeout(20_000);
      contexts.push(small);
      return small;
    }
    await c.addInitScript({ content: PROBES });
    c.setDefaultTimeout(20_000);
    contexts.push(c);
    return c;
  }

  async function signIn(page: Page, a: Agent): Promise<void> {
    await page.goto(`${stack.httpUrl}/`);
    await page.getByLabel('Workspace').fill(a.workspaceId);
    await page.getByLabel('Agent id').fill(a.agentId);
    await page.getByLabel('Name', { exact: true }).fill(a.name);
    await page.getByLabel('Email').fill(a.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    await page.locator('#live-status[data-state="online"]').waitFor();
  }

  async function tokenFor(a: Agent): Promise<string> {
    return agentToken(stack, a);
  }

  /** SPEC §10.1: a workspace exists once one of its agents has signed in. */
  async function ensureWorkspace(a: Agent): Promise<void> {
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: await tokenFor(a) })).status).toBe(200);
  }

  async function startConversation(workspaceId: string, name: string, body?: string): Promise<string> {
    const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name }, ...(body ? { message: { body } } : {}) } });
    expect(r.status).toBe(201);
    return r.json.conversationId as string;
  }

  /** Posts a frame to every live connection of the agent, the way the fan-out does. */
  async function frameTo(a: Agent, frame: Record<string, unknown>): Promise<void> {
    const conns = await connectionsOf(dynamo(), stack.tableName, a.workspaceId, a.agentId);
    expect(conns.length).toBeGreaterThan(0);
    for (const c of conns) {
      const r = await fetch(`${stack.wsUrl.replace(/^ws/, 'http')}/@connections/${encodeURIComponent(c.connectionId)}`, { method: 'POST', body: JSON.stringify(frame) });
      expect(r.status).toBe(200);
    }
  }

  const row = (page: Page, id: string) => page.locator(`li[data-conversation-id="${id}"]`);
  const rows = (page: Page) => page.locator('ul.conversations > li');
  /**
   * "Load more", as an agent clicks it. Scrolling the button into view (which the click does first)
   * may itself load the next page, as reaching the end of the list should: the button is then gone
   * before the click lands, and the rows are what tells.
   */
  const loadMore = async (page: Page) => {
    await page
      .getByRole('button', { name: 'Load more conversations' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
  };

  test('60 conversations are all reachable with "Load more", under "All" and under "Unassigned"', async () => {
    const agent = newAgent();
    await ensureWorkspace(agent);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await startConversation(agent.workspaceId, `Visitor ${i}`, `message ${i}`));
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    await eventually(async () => (await rows(page).count()) >= 50, 'the first page');
    expect(await rows(page).count()).toBe(50);
    // The oldest are past the first page: reached by loading more.
    expect(await row(page, ids[0]!).count()).toBe(0);
    await loadMore(page);
    await eventually(async () => (await rows(page).count()) === 60, 'all 60 rows');
    await row(page, ids[0]!).waitFor();
    expect(await page.getByRole('button', { name: 'Load more conversations' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Unassigned', exact: true }).click();
    await eventually(async () => (await rows(page).count()) === 50, 'the first unassigned page');
    await loadMore(page);
    await eventually(async () => (await rows(page).count()) === 60, 'all 60 unassigned rows');
  });

  test('teammates by name: assigning to a teammate, and a teammate’s assignment and reply arriving live', async () => {
    const ws = uid('ws');
    const xavier = newAgent(ws, 'Xavier Xu');
    const zoe = newAgent(ws, 'Zoe Zhang');
    const zoeToken = await tokenFor(zoe);
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: zoeToken })).status).toBe(200);
    const conv = await startConversation(ws, 'Tom Teammates', 'Who will answer me?');

    const page = await (await agentContext()).newPage();
    await signIn(page, xavier);
    await row(page, conv).getByRole('link').click();
    await page.locator('#thread-title', { hasText: 'Tom Teammates' }).waitFor();
    // The reply box has the focus as soon as the conversation opens.
    await eventually(async () => (await page.evaluate(() => document.activeElement?.id)) === 'reply-text', 'focus in the reply box');

    await page.getByLabel('Assign to a teammate').selectOption({ label: 'Zoe Zhang' });
    await page.locator('#assignment-text', { hasText: 'Assigned to Zoe Zhang' }).waitFor();
    await row(page, conv).locator('.conv-meta', { hasText: 'Assigned to Zoe Zhang' }).waitFor();
    const stored = await call(stack.httpUrl, 'GET', `/v1/conversations/${conv}`, { token: zoeToken });
    expect(stored.json.assigneeId).toBe(zoe.agentId);

    // Zoe reads, answers and takes it back to unassigned: X's console follows her, no reload.
    await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));
    await page.getByRole('link', { name: 'Conversations' }).click();
    const reply = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv}/messages`, { token: zoeToken, body: { body: 'Zoe here, I have it.' } });
    expect(reply.status).toBe(201);
    // Zoe reads it too (the server's own conversation.updated frames, from both requests).
    expect((await call(stack.httpUrl, 'POST', `/v1/conversations/${conv}/read`, { token: zoeToken, body: {} })).status).toBe(200);
    await row(page, conv).locator('.conv-preview', { hasText: 'Zoe Zhang: Zoe here, I have it.' }).waitFor();
    await row(page, conv).locator('.status', { hasText: 'Read by Zoe Zhang' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);

    // The open conversation follows too: X opens it, Zoe unassigns.
    await row(page, conv).getByRole('link').click();
    await page.locator('#messages .msg-body', { hasText: 'Zoe here, I have it.' }).waitFor();
    await page.locator('#messages .msg-who', { hasText: 'Zoe Zhang' }).waitFor();
    // A real unassign (its frame is the server's, and the item the console reads again agrees).
    expect((await call(stack.httpUrl, 'PUT', `/v1/conversations/${conv}/assignee`, { token: zoeToken, body: { agentId: null } })).status).toBe(200);
    await page.locator('#assignment-text', { hasText: 'Unassigned' }).waitFor();
  });

  test('two agents in two browsers see each other’s assignment, reply and read live, with no reload (real conversation.updated frames)', async () => {
    const ws = uid('ws');
    const xavier = newAgent(ws, 'Xena Live');
    const zoe = newAgent(ws, 'Zack Live');
    const x = await (await agentContext()).newPage();
    const z = await (await agentContext()).newPage();
    await signIn(x, xavier);
    await signIn(z, zoe);
    // Names come from GET /v1/agents at start: both are signed in now.
    await x.reload();
    await x.locator('#live-status[data-state="online"]').waitFor();
    const conv = await startConversation(ws, 'Una Both', 'Two of you?');
    await row(x, conv).waitFor();
    await row(z, conv).getByRole('link').click();
    await z.getByRole('button', { name: 'Assign to me', exact: true }).click();
    await row(x, conv).locator('.conv-meta', { hasText: 'Assigned to Zack Live' }).waitFor();
    await z.getByLabel('Reply to Una Both').fill('Zack has this one.');
    await z.keyboard.press('Enter');
    await row(x, conv).locator('.conv-preview', { hasText: 'Zack Live: Zack has this one.' }).waitFor();
    // Zack's console marks the conversation read when it is open and visible; on a busy machine the
    // second browser may not count as visible, so Zack's read is also made as a request here. Its
    // frame and the reply's may arrive in either order: the row settles on what the API says.
    expect((await call(stack.httpUrl, 'POST', `/v1/conversations/${conv}/read`, { token: await tokenFor(zoe), body: {} })).status).toBe(200);
    await row(x, conv).locator('.status', { hasText: 'Read by Zack Live' }).waitFor();
  });

  test('a conversation opened by link beyond the first page shows its visitor and its assignee', async () => {
    const ws = uid('ws');
    const agent = newAgent(ws, 'Link Reader');
    const mate = newAgent(ws, 'Mia Mate');
    const mateToken = await tokenFor(mate);
    await call(stack.httpUrl, 'GET', '/v1/me', { token: mateToken });
    const old = await startConversation(ws, 'Olga Old', 'an old question');
    expect((await call(stack.httpUrl, 'PUT', `/v1/conversations/${old}/assignee`, { token: mateToken, body: { agentId: mate.agentId } })).status).toBe(200);
    for (let i = 0; i < 52; i++) await startConversation(ws, `Newer ${i}`, `newer ${i}`);

    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    // The reminder email's link form.
    await page.goto(`${stack.httpUrl}/?conversation=${old}`);
    await page.locator('#thread-title', { hasText: 'Olga Old' }).waitFor();
    await page.locator('#assignment-text', { hasText: 'Assigned to Mia Mate' }).waitFor();
    // 52 newer conversations put it past the first page of 50: what the thread shows came from the
    // conversation itself, not from the list (which may since have loaded more as it came into view).
  });

  test('notify: false updates the list with no notification and no sound; pushPreview shapes the notification; a read elsewhere closes it', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    // No first message: the only frames are the ones this test sends.
    const conv = await startConversation(agent.workspaceId, 'Quinn Quiet');
    await page.reload();
    await page.locator('#live-status[data-state="online"]').waitFor();
    await row(page, conv).waitFor();
    const base = {
      type: 'chat.message',
      workspaceId: agent.workspaceId,
      conversationId: conv,
      from: { type: 'visitor', id: 'v', name: 'Quinn Quiet' },
      assigneeId: null,
      createdAt: new Date().toISOString(),
    };

    await frameTo(agent, { ...base, messageId: 'm-quiet', seq: 5, preview: 'during quiet hours', notify: false, unreadConversations: 1 });
    await row(page, conv).locator('.conv-preview', { hasText: 'during quiet hours' }).waitFor();
    await row(page, conv).locator('.unread-badge').waitFor();
    // Given time to show one, none came, and no chime played.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await notificationsIn(page)).toEqual([]);
    expect(await page.evaluate(() => document.body.dataset.chimes ?? '0')).toBe('0');
    expect(await page.title()).toBe('(1) Agent console');

    // Preview "none": the title says "New message", the body nothing (SPEC §11.5).
    const token = await tokenFor(agent);
    const me = (await call(stack.httpUrl, 'GET', '/v1/me', { token })).json;
    expect((await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...me.settings, pushPreview: 'none' } })).status).toBe(200);
    await page.reload();
    await page.locator('#live-status[data-state="online"]').waitFor();
    await frameTo(agent, { ...base, messageId: 'm-loud', seq: 6, preview: 'secret text', notify: true, unreadConversations: 1 });
    const notes = await eventually(async () => {
      const n = await notificationsIn(page);
      return n.length > 0 && n;
    }, 'a notification');
    expect(notes).toEqual([{ title: 'New message', body: '', tag: conv }]);
    expect(await page.evaluate(() => document.body.dataset.chimes)).toBe('1');

    // Read in another tab or on the phone: this tab's notification closes, the badge clears.
    await frameTo(agent, { type: 'conversation.read', conversationId: conv, readSeq: 6, unreadConversations: 0 });
    await eventually(async () => (await page.evaluate(() => (window as unknown as { __closedTags: string[] }).__closedTags)).includes(conv), 'the notification closed');
    await row(page, conv).locator('.unread-badge').waitFor({ state: 'detached' });
    expect(await page.title()).toBe('Agent console');

    // A chat.message frame that comes after its message was read (a fan-out catching up) leaves it read.
    await frameTo(agent, { ...base, messageId: 'm-late', seq: 6, preview: 'late copy', notify: true });
    await frameTo(agent, { ...base, messageId: 'm-late-older', seq: 4, preview: 'older copy', notify: true });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await row(page, conv).locator('.unread-badge').count()).toBe(0);
    expect((await notificationsIn(page)).length).toBe(1);
  });

  test('the console sends {"action":"active"} when used, at most once a minute', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    for (let i = 0; i < 5; i++) {
      await page.mouse.move(100 + i * 10, 200);
      await page.keyboard.press('Shift');
    }
    const actives = async () => (await page.evaluate(() => (window as unknown as { __sentFrames: Array<{ action?: string }> }).__sentFrames)).filter((f) => f.action === 'active').length;
    await eventually(async () => (await actives()) >= 1, 'an active frame');
    expect(await actives()).toBe(1);
  });

  test('a dead link shows "Offline" within 40 seconds (ping every 20 s, 10 s to answer)', async () => {
    const agent = newAgent();
    const relay = await startRelay(Number(new URL(stack.wsUrl).port));
    try {
      const context = await agentContext();
      // The console dials the gateway through the relay (its URL comes from /config.json).
      await context.route('**/config.json', async (route) => {
        const r = await route.fetch();
        const cfg = (await r.json()) as { wsUrl: string };
        await route.fulfill({ response: r, json: { ...cfg, wsUrl: `ws://127.0.0.1:${relay.port}` } });
      });
      const page = await context.newPage();
      await signIn(page, agent);
      relay.cut();
      const cutAt = Date.now();
      await page.locator('#live-status[data-state="offline"]').waitFor({ timeout: 45_000 });
      const took = Date.now() - cutAt;
      console.log(`dead link shown as offline after ${took} ms`);
      expect(took).toBeLessThanOrEqual(40_000);
    } finally {
      await relay.close();
    }
  }, 90_000);

  test('a refused token mid-session: the console gets a fresh one and carries on, the draft untouched', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    const conv = await startConversation(agent.workspaceId, 'Dana Draft', 'hello?');
    await row(page, conv).getByRole('link').click();
    await page.getByLabel('Reply to Dana Draft').fill('A long answer I am still writing');
    // The stack's keys changed (a restart): the stored token is still unexpired but now refused.
    const [head, body] = (await page.evaluate(() => localStorage.getItem('agentConsole.token') ?? '')).split('.');
    await page.evaluate((t) => localStorage.setItem('agentConsole.token', t), `${head}.${body}.${Buffer.from('forged signature').toString('base64url')}`);
    const [conn] = await connectionsOf(dynamo(), stack.tableName, agent.workspaceId, agent.agentId);
    await fetch(`${stack.wsUrl.replace(/^ws/, 'http')}/@connections/${encodeURIComponent(conn!.connectionId)}`, { method: 'DELETE' });
    await page.locator('#live-status[data-state="offline"]').waitFor();
    await page.locator('#live-status[data-state="online"]').waitFor({ timeout: 30_000 });
    expect(await page.getByLabel('Reply to Dana Draft').inputValue()).toBe('A long answer I am still writing');
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    // And it is live with the fresh token: a new visitor shows up.
    const next = await startConversation(agent.workspaceId, 'Eve After', 'after the refresh');
    await row(page, next).waitFor();
  });

  test('with no way to renew, the console goes back to sign-in and the draft is there after signing in', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    const conv = await startConversation(agent.workspaceId, 'Fay Fallback', 'still there?');
    await row(page, conv).getByRole('link').click();
    await page.getByLabel('Reply to Fay Fallback').fill('Draft kept through sign-in');
    // The local sign-in refuses the renewal (as an OIDC refresh token that expired would).
    await page.route('**/_local/token', (route) => route.fulfill({ status: 401, json: { error: { code: 'unauthorized', message: 'no' } } }));
    await page.evaluate(() => localStorage.setItem('agentConsole.token', 'not.a.token'));
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.unroute('**/_local/token');
    await page.getByLabel('Workspace').fill(agent.workspaceId);
    await page.getByLabel('Agent id').fill(agent.agentId);
    await page.getByLabel('Name', { exact: true }).fill(agent.name);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${stack.httpUrl}/#/c/${conv}`);
    await page.locator('#thread-title', { hasText: 'Fay Fallback' }).waitFor();
    expect(await page.getByLabel('Reply to Fay Fallback').inputValue()).toBe('Draft kept through sign-in');
  });

  test('deployed (OIDC): the console renews its ID token with the refresh grant before it expires, and stays live', async () => {
    const agent = newAgent();
    const context = await agentContext();
    const grants: string[] = [];
    // The identity provider (Cognito's hosted UI) as the browser sees it: discovery-free endpoints.
    await context.route('**/config.json', async (route) => {
      const r = await route.fetch();
      const cfg = (await r.json()) as Record<string, unknown>;
      await route.fulfill({
        response: r,
        json: {
          ...cfg,
          auth: { mode: 'oidc', issuer: 'https://idp.example', clientId: 'console', authorizeUrl: 'https://idp.example/oauth2/authorize', tokenUrl: 'https://idp.example/oauth2/token' },
        },
      });
    });
    await context.route('https://idp.example/oauth2/token', async (route) => {
      grants.push(route.request().postData() ?? '');
      await route.fulfill({ json: { id_token: await tokenFor(agent), token_type: 'Bearer', expires_in: 3600 } });
    });
    const page = await context.newPage();
    // Signed in earlier: an ID token with under a minute left, and the refresh token of that sign-in.
    const short = (await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: { ...agent, expiresInSeconds: 30 } })).json.token;
    await page.goto(`${stack.httpUrl}/demo`);
    await page.evaluate(
      ([t]) => {
        localStorage.setItem('agentConsole.token', t!);
        localStorage.setItem('agentConsole.refreshToken', 'refresh-1');
      },
      [short],
    );
    await page.goto(`${stack.httpUrl}/`);
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    await eventually(() => grants.length > 0, 'a refresh grant');
    const form = new URLSearchParams(grants[0]);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'refresh_token', client_id: 'console', refresh_token: 'refresh-1' });
    await eventually(async () => (await page.evaluate(() => localStorage.getItem('agentConsole.token'))) !== short, 'the fresh token kept');
    await page.locator('#live-status[data-state="online"]').waitFor();
    const conv = await startConversation(agent.workspaceId, 'Otto Oidc', 'after the refresh');
    await row(page, conv).waitFor();
  });

  test('devices from GET /v1/me/devices (a phone registered elsewhere) are listed and removed', async () => {
    const agent = newAgent();
    const phone = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token: await tokenFor(agent), body: { platform: 'APNS', token: apnsToken() } });
    expect(phone.status).toBe(201);
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    await page.getByRole('link', { name: 'Notifications' }).click();
    const item = page.locator(`.device-list li[data-device-id="${phone.json.deviceId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('APNS');
    await item.getByRole('button', { name: /^Remove APNS device/ }).click();
    await page.getByText('No devices registered.').waitFor();
    expect((await call(stack.httpUrl, 'GET', '/v1/me/devices', { token: await tokenFor(agent) })).json).toEqual({ devices: [] });
    // A junk token is refused with the server's reason.
    await page.getByLabel('Platform').selectOption('APNS');
    await page.getByLabel('Device token').fill('abc');
    await page.getByRole('button', { name: 'Register device' }).click();
    await page.locator('#device-status', { hasText: 'Not registered' }).waitFor();
  });

  test('settings: no-address warning, quiet hours with a time zone, preview privacy, mobile only when away, unsaved-changes guard', async () => {
    const agent = newAgent(uid('ws'), 'No Mail', '');
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    await page.getByRole('link', { name: 'Notifications' }).click();
    const warning = page.locator('#email-warning');
    expect(await warning.isHidden()).toBe(true);
    await page.getByLabel('On conversations…: Email').check();
    await warning.getByText('has no email address').waitFor();

    await page.getByLabel('Quiet hours', { exact: true }).check();
    await page.getByLabel('From').fill('22:30');
    await page.getByLabel('Until').fill('06:45');
    await page.getByLabel('Time zone').selectOption('Europe/Oslo');
    await page.getByLabel('Name only').check();
    await page.getByLabel('Mobile only when away').check();

    // Leaving with unsaved changes asks first; staying keeps them.
    let asked = 0;
    page.once('dialog', (d) => {
      asked++;
      void d.dismiss();
    });
    await page.getByRole('link', { name: 'Conversations' }).click();
    await eventually(() => asked === 1, 'the unsaved-changes question');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    expect(await page.getByLabel('Mobile only when away').isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#settings-status', { hasText: 'Settings saved, but email cannot reach you' }).waitFor();
    const me = (await call(stack.httpUrl, 'GET', '/v1/me', { token: await tokenFor(agent) })).json;
    expect(me.settings).toMatchObject({ email: true, pushPreview: 'name', mobileOnlyWhenAway: true, quietHours: { start: '22:30', end: '06:45', timeZone: 'Europe/Oslo' } });
    // Saved: leaving asks nothing.
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(asked).toBe(1);
  });

  test('at 390 px: the header is one row, no horizontal scroll, the list fills the screen', async () => {
    const agent = newAgent();
    await ensureWorkspace(agent);
    for (let i = 0; i < 8; i++) await startConversation(agent.workspaceId, `Small ${i}`, `screen ${i}`);
    const page = await (await agentContext({ width: 390, height: 844 })).newPage();
    await signIn(page, agent);
    await eventually(async () => (await rows(page).count()) === 8, 'the rows');
    const header = await page.locator('header.topbar').boundingBox();
    expect(header!.height).toBeLessThan(60);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const visible = await page.evaluate(() => [...document.querySelectorAll('ul.conversations > li')].filter((li) => li.getBoundingClientRect().bottom <= innerHeight).length);
    expect(visible).toBeGreaterThanOrEqual(6);
    await rows(page).first().getByRole('link').click();
    await page.locator('#thread-title').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole('link', { name: '← All conversations' }).click();
    await rows(page).first().waitFor();
  });
});
