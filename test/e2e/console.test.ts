/**
 * The agent console and the visitor demo in real Chromium, against the whole offline stack: the
 * real handlers, DynamoDB Local and its stream feeding the fan-out, the local WebSocket gateway.
 * What is checked is what an agent sees: the message arriving live, the browser notification, the
 * unread badge, the settings, a second tab.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OfflineStack } from '../../local/stack.js';
import { startTestStack, uid, eventually, call, AgentSocket } from '../support/offline.js';
import { CHROMIUM_PATH, clickNotification, haveChromium, launchChromium, newConsoleContext, notificationsIn } from '../support/browser.js';
import { dynamo } from '../../lambdas/platform/clients.js';
import { connectionsOf } from '../../lambdas/store/connections.js';

const chromiumHere = haveChromium();
if (!chromiumHere) {
  console.warn(`SKIPPED test/e2e/console.test.ts: no Chromium at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
}
const suite = chromiumHere ? describe : describe.skip;

interface Agent {
  workspaceId: string;
  agentId: string;
  name: string;
  email: string;
}

function newAgent(workspaceId = uid('ws')): Agent {
  const agentId = uid('agent');
  return { workspaceId, agentId, name: `Agent ${agentId.slice(-4)}`, email: `${agentId}@example.com` };
}

suite('agent console and visitor demo in Chromium', () => {
  let stack: OfflineStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The expiry sweep every second instead of every minute, for the token-expiry case below.
    stack = await startTestStack({ web: true, connectionExpiryIntervalS: 1 });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });

  async function agentContext(grantNotifications = true): Promise<BrowserContext> {
    const c = await newConsoleContext(browser, stack.httpUrl, { grantNotifications });
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
    // Frames only reach a connected tab: wait until the page says it is live.
    await page.locator('#live-status[data-state="online"]').waitFor();
  }

  /** A visitor opens /demo in a browser of their own and starts a chat. */
  async function visitorStarts(workspaceId: string, name: string, text: string): Promise<{ demo: Page; conversationId: string }> {
    const c = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC' });
    c.setDefaultTimeout(20_000);
    contexts.push(c);
    const demo = await c.newPage();
    await demo.goto(`${stack.httpUrl}/demo?workspace=${workspaceId}`);
    await demo.getByLabel('Your name').fill(name);
    await demo.getByLabel('Message (optional)').fill(text);
    await demo.getByRole('button', { name: 'Start chat' }).click();
    await demo.locator('.msg-body', { hasText: text }).waitFor();
    const chat = await demo.evaluate(() => JSON.parse(sessionStorage.getItem('visitorDemo.chat') ?? '{}') as { conversationId?: string });
    if (!chat.conversationId) throw new Error('the demo kept no conversation id');
    return { demo, conversationId: chat.conversationId };
  }

  async function visitorSays(demo: Page, text: string): Promise<void> {
    await demo.getByLabel('Message', { exact: true }).fill(text);
    await demo.getByRole('button', { name: 'Send' }).click();
    await demo.locator('.msg-body', { hasText: text }).waitFor();
  }

  const row = (page: Page, conversationId: string) => page.locator(`li[data-conversation-id="${conversationId}"]`);
  const tokenOf = (page: Page) => page.evaluate(() => localStorage.getItem('agentConsole.token') ?? '');

  test('a visitor message from /demo appears live in the console with a browser notification; clicking it opens the conversation', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    await page.getByText(agent.name).waitFor();
    // Set in this very page: still there at the end proves the list changed without a reload.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const text = 'Hello, my order #1042 has not arrived yet.';
    const { conversationId } = await visitorStarts(agent.workspaceId, 'Vera Visitor', text);

    const item = row(page, conversationId);
    await item.locator('.unread-badge').waitFor();
    expect(await item.locator('.conv-name').textContent()).toBe('Vera Visitor');
    expect(await item.locator('.conv-preview').textContent()).toBe(text);
    const notes = await eventually(async () => {
      const n = await notificationsIn(page);
      return n.length > 0 && n;
    }, 'a browser notification');
    expect(notes).toEqual([{ title: 'Vera Visitor', body: text, tag: conversationId }]);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    await clickNotification(page, 0);
    await page.waitForURL(`**/#/c/${conversationId}`);
    await page.locator('#thread-title', { hasText: 'Vera Visitor' }).waitFor();
    await page.locator('#messages .msg-body', { hasText: text }).waitFor();
  });

  test('opening a conversation marks it read: the unread badge clears, and stays cleared after a reload', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    const { conversationId } = await visitorStarts(agent.workspaceId, 'Uma Unread', 'Is anyone there?');
    const item = row(page, conversationId);
    await item.locator('.unread-badge').waitFor();
    expect(await item.locator('.status').textContent()).toBe('Nobody has read it');

    await item.getByRole('link').click();
    await page.locator('#messages .msg-body', { hasText: 'Is anyone there?' }).waitFor();
    await item.locator('.unread-badge').waitFor({ state: 'detached' });
    // Nobody is assigned, so the reader's read decides the shared status too (SPEC §3).
    expect(await item.locator('.status').textContent()).toBe('Read');

    const token = await tokenOf(page);
    const unread = await call(stack.httpUrl, 'GET', '/v1/conversations?filter=unread', { token });
    expect(unread.json.conversations).toEqual([]);

    await page.reload();
    await row(page, conversationId).waitFor();
    expect(await row(page, conversationId).locator('.unread-badge').count()).toBe(0);
  });

  test('an agent assigns the conversation and replies; the visitor sees the reply and answers live', async () => {
    const agent = { ...newAgent(), name: 'Ann Agent' };
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    const { demo, conversationId } = await visitorStarts(agent.workspaceId, 'Ada Answer', 'Can I change my delivery address?');
    await row(page, conversationId).getByRole('link').click();
    await page.locator('#messages .msg-body', { hasText: 'Can I change my delivery address?' }).waitFor();

    await page.getByRole('button', { name: 'Assign to me', exact: true }).click();
    await page.locator('#assignment-text', { hasText: 'Assigned to you' }).waitFor();
    await page.getByRole('button', { name: 'Unassign', exact: true }).waitFor();

    await page.getByLabel('Reply to Ada Answer').fill('Yes: tell me the new address, please.');
    await page.keyboard.press('Enter');
    await page.locator('#messages .msg.mine .msg-body', { hasText: 'Yes: tell me the new address, please.' }).waitFor();
    await demo.locator('.msg.from-agent .msg-body', { hasText: 'Yes: tell me the new address, please.' }).waitFor();

    await visitorSays(demo, '12 Harbour Street, please.');
    await page.locator('#messages .msg.from-visitor .msg-body', { hasText: '12 Harbour Street, please.' }).waitFor();

    const token = await tokenOf(page);
    const assigned = await call(stack.httpUrl, 'GET', '/v1/conversations?filter=assigned', { token });
    expect(assigned.json.conversations.map((c: { conversationId: string }) => c.conversationId)).toEqual([conversationId]);

    // A second visitor, so the picture shows a list with an unread conversation beside the open one,
    // and a teammate who has a third one: a team's console, names and all.
    const mate = { workspaceId: agent.workspaceId, agentId: uid('agent'), name: 'Zoe Teammate', email: 'zoe@example.com' };
    const mateToken = (await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: mate })).json.token;
    expect((await call(stack.httpUrl, 'GET', '/v1/me', { token: mateToken })).status).toBe(200);
    const theirs = await visitorStarts(agent.workspaceId, 'Cleo Customer', 'Where is my refund?');
    expect((await call(stack.httpUrl, 'PUT', `/v1/conversations/${theirs.conversationId}/assignee`, { token: mateToken, body: { agentId: mate.agentId } })).status).toBe(200);
    expect((await call(stack.httpUrl, 'POST', `/v1/conversations/${theirs.conversationId}/messages`, { token: mateToken, body: { body: 'Refund sent this morning.' } })).status).toBe(201);
    await visitorStarts(agent.workspaceId, 'Ben Browser', 'Do you ship to Norway?');
    await page.locator('.unread-badge').first().waitFor();
    await page.reload();
    await page.locator('#live-status[data-state="online"]').waitFor();
    await row(page, theirs.conversationId).locator('.conv-meta', { hasText: 'Assigned to Zoe Teammate' }).waitFor();
    await page.locator('#assignment-text', { hasText: 'Assigned to you' }).waitFor();
    await page.mouse.move(0, 0);
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    const shot = process.env.UPDATE_SCREENSHOT ? 'docs/console.png' : 'test-results/console.png';
    await mkdir(shot.slice(0, shot.lastIndexOf('/')), { recursive: true });
    await page.screenshot({ path: shot });
  });

  test('notification settings use the help-centre wording, save, and survive a reload; Desktop off means no browser notification', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();

    const desktop = page.getByLabel('Desktop notifications', { exact: true });
    const mobile = page.getByLabel('Mobile notifications', { exact: true });
    const email = page.getByLabel('On conversations…: Email');
    const reminder = page.getByLabel('Remind me about unread chat messages by email');
    const all = page.getByLabel('All conversations');
    const onlyMine = page.getByLabel('Only conversations assigned to me');
    const unassigned = page.getByLabel('Unassigned conversations');
    // A new agent starts from SPEC §2's defaults.
    expect([await desktop.isChecked(), await mobile.isChecked(), await email.isChecked(), await reminder.isChecked()]).toEqual([true, true, false, false]);
    expect([await all.isChecked(), await onlyMine.isChecked(), await unassigned.isChecked()]).toEqual([false, true, true]);

    // A device, so the fan-out's mobile push shows when it has decided about a message.
    const deviceToken = uid('gcm-token');
    await page.getByLabel('Platform').selectOption('GCM');
    await page.getByLabel('Device token').fill(deviceToken);
    await page.getByRole('button', { name: 'Register device' }).click();
    await page.locator('.device-list li', { hasText: 'GCM' }).waitFor();

    await desktop.uncheck();
    await email.check();
    await reminder.check();
    await unassigned.uncheck();
    await all.check();
    // Under "All conversations" the unassigned ones are included: the box is disabled (and shown ticked).
    expect(await unassigned.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#settings-status', { hasText: 'Settings saved.' }).waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    expect([await desktop.isChecked(), await mobile.isChecked(), await email.isChecked(), await reminder.isChecked()]).toEqual([false, true, true, true]);
    expect([await all.isChecked(), await onlyMine.isChecked(), await unassigned.isChecked(), await unassigned.isDisabled()]).toEqual([true, false, true, true]);
    const me = await call(stack.httpUrl, 'GET', '/v1/me', { token: await tokenOf(page) });
    expect(me.json.settings).toEqual({
      desktop: false,
      mobile: true,
      email: true,
      emailUnreadReminder: true,
      scope: 'all',
      unassigned: true,
      pushPreview: 'full',
      quietHours: null,
      mobileOnlyWhenAway: false,
    });

    // Desktop off: the visitor's message is pushed to the phone, and no browser notification shows.
    const { demo, conversationId } = await visitorStarts(agent.workspaceId, 'Dora Desktop', 'First, while desktop is off');
    const pushedFor = async (n: number) => {
      const r = await call(stack.httpUrl, 'GET', '/_local/push');
      const mine = (r.json.pushes as Array<{ token: string }>).filter((p) => p.token === deviceToken);
      return mine.length >= n && mine;
    };
    await eventually(() => pushedFor(1), 'the mobile push of the first message');

    await desktop.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#settings-status', { hasText: 'Settings saved.' }).waitFor();
    await visitorSays(demo, 'Second, with desktop on');
    const notes = await eventually(async () => {
      const n = await notificationsIn(page);
      return n.length > 0 && n;
    }, 'a browser notification for the second message');
    expect(notes).toEqual([{ title: 'Dora Desktop', body: 'Second, with desktop on', tag: conversationId }]);

    await page.getByRole('button', { name: /^Remove GCM device/ }).click();
    await page.getByText('No devices registered.').waitFor();
  });

  test('a second tab of the same agent receives the same message and the same notification', async () => {
    const agent = newAgent();
    const context = await agentContext();
    const first = await context.newPage();
    const second = await context.newPage();
    await signIn(first, agent);
    // The session is shared by the tabs (SPEC §13): the second tab opens signed in.
    await second.goto(`${stack.httpUrl}/`);
    await second.getByRole('heading', { name: 'Conversations' }).waitFor();
    await second.locator('#live-status[data-state="online"]').waitFor();
    expect(await second.getByLabel('Workspace').count()).toBe(0);

    const text = 'Two tabs, one message.';
    const { conversationId } = await visitorStarts(agent.workspaceId, 'Tess Tabs', text);
    for (const page of [first, second]) {
      await row(page, conversationId).locator('.unread-badge').waitFor();
      expect(await row(page, conversationId).locator('.conv-preview').textContent()).toBe(text);
    }
    const seen = await Promise.all(
      [first, second].map((page) =>
        eventually(async () => {
          const n = await notificationsIn(page);
          return n.length > 0 && n;
        }, 'a notification in each tab'),
      ),
    );
    // The same tag in both tabs: the browser shows them as one notification, not a stack.
    expect(seen[0]).toEqual([{ title: 'Tess Tabs', body: text, tag: conversationId }]);
    expect(seen[1]).toEqual(seen[0]);
  });

  test('without notification permission the page explains how to allow it, and the button asks the browser', async () => {
    const agent = newAgent();
    const context = await agentContext(false);
    const page = await context.newPage();
    await signIn(page, agent);
    const banner = page.locator('#banner');
    await banner.getByText('has not been allowed to show them yet').waitFor();

    await context.grantPermissions(['notifications'], { origin: stack.httpUrl });
    await banner.getByRole('button', { name: 'Allow notifications' }).click();
    await banner.waitFor({ state: 'hidden' });
  });

  test('when the server drops the WebSocket the page says it is offline, reconnects, and is live again', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    const [conn] = await connectionsOf(dynamo(), stack.tableName, agent.workspaceId, agent.agentId);
    expect(conn).toBeDefined();

    // What API Gateway does at the 2-hour limit, or a deploy: the server closes the connection.
    const closed = await fetch(`${stack.wsUrl.replace(/^ws/, 'http')}/@connections/${encodeURIComponent(conn!.connectionId)}`, { method: 'DELETE' });
    expect(closed.status).toBeLessThan(300);
    await page.locator('#live-status[data-state="offline"]', { hasText: 'Offline — reconnecting' }).waitFor();
    await page.locator('#live-status[data-state="online"]').waitFor();

    const { conversationId } = await visitorStarts(agent.workspaceId, 'Rita Reconnect', 'Still there?');
    await row(page, conversationId).locator('.unread-badge').waitFor();
  });

  test('a console closed as the oldest of 21 connections says so and does not redial (which would close another)', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    const token = (await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', { body: agent })).json.token;
    const others: AgentSocket[] = [];
    try {
      for (let i = 0; i < 20; i++) others.push(await AgentSocket.open(stack.wsUrl, token));
      await page.locator('#live-status[data-state="offline"]', { hasText: 'too many consoles' }).waitFor();
      // Longer than the first reconnect's backoff (at most 1 s): a redial would have closed the oldest raw socket.
      await new Promise((r) => setTimeout(r, 3000));
      expect(others.filter((o) => o.closed)).toEqual([]);
      expect(await connectionsOf(dynamo(), stack.tableName, agent.workspaceId, agent.agentId)).toHaveLength(20);
      await page.locator('#live-status[data-state="offline"]').waitFor();
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  test('when the token expires the server closes the connection; the console gets a fresh token, reconnects and stays live', async () => {
    const agent = newAgent();
    const page = await (await agentContext()).newPage();
    await signIn(page, agent);
    // A token about to expire, as after hours of work: the tab carries on with it after a reload.
    const r = await call<{ token: string }>(stack.httpUrl, 'POST', '/_local/token', {
      body: { workspaceId: agent.workspaceId, agentId: agent.agentId, name: agent.name, email: agent.email, expiresInSeconds: 4 },
    });
    const short = r.json.token;
    const shortExp = (JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp;
    await page.evaluate((t) => localStorage.setItem('agentConsole.token', t), short);
    await page.reload();
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();

    // Past the short token's expiry, the sweep has closed whatever used it; what is live carries a fresh token.
    await eventually(() => Date.now() > (shortExp + 2) * 1000, 'the short token to expire', 15_000);
    const live = await eventually(
      async () => {
        const conns = await connectionsOf(dynamo(), stack.tableName, agent.workspaceId, agent.agentId);
        return conns.length > 0 && conns.every((c) => (c.expiresAt ?? 0) > shortExp) && conns;
      },
      'a connection with a fresh token',
      30_000,
    );
    expect(live.length).toBeGreaterThan(0);
    expect(await tokenOf(page)).not.toBe(short);
    await page.locator('#live-status[data-state="online"]').waitFor();

    const { conversationId } = await visitorStarts(agent.workspaceId, 'Tess Token', 'Are you still there?');
    await row(page, conversationId).locator('.unread-badge').waitFor();
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
  });
});
