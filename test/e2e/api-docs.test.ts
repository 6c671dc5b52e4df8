/**
 * `/docs` on the offline stack: the HTTP reference rendered by the bundled Swagger UI (no CDN), under
 * its own CSP, from the committed docs/openapi.json; in Chromium the page shows every operation.
 */
import { readFileSync } from 'node:fs';
import type { OfflineStack } from '../../local/stack.js';
import { HTTP_ROUTES } from '../../lib/routes.js';
import { startTestStack } from '../support/offline.js';
import { CHROMIUM_PATH, haveChromium, launchChromium } from '../support/browser.js';

let stack: OfflineStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

test('/docs is a page of this origin only: its scripts and styles are served here, under a CSP that allows nothing else', async () => {
  const r = await fetch(`${stack.httpUrl}/docs`);
  expect(r.status).toBe(200);
  const csp = r.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("default-src 'self'");
  const html = await r.text();
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  // Nothing from another host: the renderer comes from the swagger-ui-dist package.
  expect(refs.filter((u) => /^(https?:)?\/\//.test(u))).toEqual([]);
  for (const ref of refs.filter((u) => u.startsWith('/docs/ui/') || u === '/docs/start.js')) {
    const f = await fetch(`${stack.httpUrl}${ref}`);
    expect({ ref, status: f.status }).toEqual({ ref, status: 200 });
    expect((await f.arrayBuffer()).byteLength).toBeGreaterThan(100);
  }
  const doc = await fetch(`${stack.httpUrl}/docs/openapi.json`);
  expect(await doc.text()).toBe(readFileSync('docs/openapi.json', 'utf8'));
  expect((await fetch(`${stack.httpUrl}/docs/asyncapi.json`)).status).toBe(200);
  expect((await fetch(`${stack.httpUrl}/docs/ui/../../package.json`)).status).toBe(404);
});

const chromiumHere = haveChromium();
if (!chromiumHere) console.warn(`SKIPPED the /docs rendering test: no Chromium at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
(chromiumHere ? test : test.skip)(
  'in Chromium the reference renders every route of lib/routes.ts, with no CSP violation or page error',
  async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      await page.goto(`${stack.httpUrl}/docs`);
      await page.waitForSelector('.opblock', { timeout: 30_000 });
      const shown = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path') ?? e.textContent ?? ''));
      for (const r of HTTP_ROUTES) expect(shown.map((s) => s.replace(/\u200b/g, ''))).toContain(r.path.replace('{proxy+}', '{proxy}'));
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  },
  90_000,
);
