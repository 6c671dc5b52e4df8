/**
 * The console's "Notification log" page and the settings page's "Send a test notification" button
 * (SPEC §12) in real Chromium against the offline stack: what an agent reads is plain words, newest
 * first, and the test's answer is listed and shown as a browser notification.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OfflineStack } from '../../local/stack.js';
import { DEFAULT_SETTINGS } from '../../lambdas/domain/settings.js';
import { call, eventually, startTestStack, uid } from '../support/offline.js';
import { CHROMIUM_PATH, haveChromium, launchChromium, newConsoleContext, notificationsIn } from '../support/browser.js';

const chromiumHere = haveChromium();
if (!chromiumHere) {
  console.warn(`SKIPPED test/e2e/notification-log-console.test.ts: no Chromium at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
}
const suite = chromiumHere ? describe : describe.skip;

suite('notification log and test button in Chromium', () => {
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

  async function signedIn(): Promise<{ page: Page; workspaceId: string; token: string }> {
    const c = await newConsoleContext(browser, stack.httpUrl, { grantNotifications: true });
    c.setDefaultTimeout(20_000);
    contexts.push(c);
    const page = await c.newPage();
    const workspaceId = uid('ws');
    const agentId = uid('agent');
    await page.goto(`${stack.httpUrl}/`);
    await page.getByLabel('Workspace').fill(workspaceId);
    await page.getByLabel('Agent id').fill(agentId);
    await page.getByLabel('Name', { exact: true }).fill('Agent Log');
    await page.getByLabel('Email').fill(`${agentId}@example.com`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    await page.locator('#live-status[data-state="online"]').waitFor();
    const token = await page.evaluate(() => localStorage.getItem('agentConsole.token') ?? '');
    return { page, workspaceId, token };
  }

  const settings = (token: string, s: Partial<typeof DEFAULT_SETTINGS>) => call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, scope: 'all', ...s } });

  async function visitorMessage(workspaceId: string, body: string): Promise<string> {
    const r = await call(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name: 'Vic' }, message: { body } } });
    expect(r.status).toBe(201);
    return r.json.conversationId;
  }

  test('the log page says in plain words what each message did, newest first', async () => {
    const { page, workspaceId, token } = await signedIn();
    expect((await settings(token, { mobile: false })).status).toBe(200);
    const first = await visitorMessage(workspaceId, 'first question');
    await page.locator(`li[data-conversation-id="${first}"]`).waitFor();
    expect((await settings(token, { desktop: false, mobile: false })).status).toBe(200);
    await visitorMessage(workspaceId, 'second question');
    await eventually(async () => (await call(stack.httpUrl, 'GET', '/v1/me/notifications', { token })).json.notifications.length === 2, 'two log entries');

    await page.locator('#main-nav').getByRole('link', { name: 'Notification log' }).click();
    await page.getByRole('heading', { name: 'Notification log' }).waitFor();
    const entries = page.locator('#log-list > li.log-entry');
    await entries.nth(1).waitFor();
    expect(await entries.count()).toBe(2);
    const newest = (await entries.nth(0).innerText()).replace(/\s+/g, ' ');
    const oldest = (await entries.nth(1).innerText()).replace(/\s+/g, ' ');
    expect(newest).toContain('New visitor message (you follow all conversations)');
    expect(newest).toContain('Desktop: Not sent: desktop notifications were off');
    expect(newest).toContain('Phone: Not sent: mobile notifications were off');
    expect(newest).toContain('Email: Not sent: email notifications were off');
    expect(oldest).toContain('Desktop: Sent to your browser');
    expect(oldest).toContain('Phone: Not sent: mobile notifications were off');
    await entries.nth(1).getByRole('link', { name: 'Open the conversation' }).click();
    await page.waitForURL(`**/#/c/${first}`);
  });

  test('"Send a test notification" on the settings page lists each outcome and shows a browser notification', async () => {
    const { page } = await signedIn();
    await page.getByRole('link', { name: 'Notifications', exact: true }).click();
    await page.getByRole('heading', { name: 'Notifications', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Send a test notification' }).click();
    await page.locator('#test-status', { hasText: 'Test sent' }).waitFor();
    const lines = await page.locator('#test-results li').allInnerTexts();
    expect(lines.map((l) => l.replace(/\s+/g, ' '))).toEqual(['Desktop: Sent to your browser', 'Phone: Not sent: no phone is registered', 'Email: Not sent: email notifications were off']);
    const notes = await eventually(async () => {
      const n = (await notificationsIn(page)).filter((x) => x.title === 'Test notification');
      return n.length > 0 && n;
    }, 'the test browser notification');
    expect(notes).toHaveLength(1);
    // The log page has it too.
    await page.locator('#main-nav').getByRole('link', { name: 'Notification log' }).click();
    await page.locator('#log-list > li.log-entry[data-kind="test"]').waitFor();
  });
});
