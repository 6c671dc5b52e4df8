/**
 * Real Chromium for the console tests: Debian's /usr/bin/chromium driven by playwright-core, and
 * a recorder of the page's browser notifications.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function haveChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface SeenNotification {
  title: string;
  body?: string;
  tag?: string;
}

/**
 * Wraps window.Notification before any page script runs: every notification the page creates is
 * still created for real, and also recorded (its options in `__notifications`, the object itself
 * in `__notificationObjects` so a test can click it). Plain JavaScript text: the transpiler's
 * helpers must not leak into the page.
 */
const RECORDER = `(() => {
  const Real = window.Notification;
  if (!Real) return;
  const seen = (window.__notifications = []);
  const objects = (window.__notificationObjects = []);
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      seen.push({ title, body: options && options.body, tag: options && options.tag });
      objects.push(this);
    }
  }
  window.Notification = Recorded;
})();`;

export async function newConsoleContext(browser: Browser, origin: string, opts: { grantNotifications?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  if (opts.grantNotifications ?? true) await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript({ content: RECORDER });
  return context;
}

export function notificationsIn(page: Page): Promise<SeenNotification[]> {
  return page.evaluate(() => (window as unknown as { __notifications?: SeenNotification[] }).__notifications ?? []);
}

/** What a click on the page's n-th notification does (the browser calls the same handler). */
export function clickNotification(page: Page, index: number): Promise<void> {
  return page.evaluate((i) => {
    const n = (window as unknown as { __notificationObjects: Notification[] }).__notificationObjects[i];
    if (!n) throw new Error(`no notification #${i}`);
    n.onclick?.call(n, new Event('click'));
  }, index);
}
