/**
 * `/docs` on the offline stack: the HTTP API reference (docs/openapi.json) rendered by Swagger UI,
 * from the `swagger-ui-dist` package's files (no CDN: it works offline), with "Try it out" against
 * this very stack. `/docs/openapi.json` and `/docs/asyncapi.json` are the generated documents.
 *
 * Its own Content-Security-Policy: scripts and styles from this origin only (the page's start-up is
 * a file, not an inline script); Swagger UI sets inline styles and uses data: images.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalRequest, LocalResponse } from './http-gateway.js';

const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');

/** The swagger-ui-dist files the page loads, and their types. */
const UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agent chat notifications: HTTP API</title>
<link rel="stylesheet" href="/docs/ui/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/ui/favicon-32x32.png">
</head>
<body>
<p style="margin:1em 2em;font-family:sans-serif">The HTTP API of this offline stack. An agent token for "Authorize" comes from
<code>POST /_local/token</code>; the WebSocket API is described in <a href="/docs/asyncapi.json">asyncapi.json</a>.</p>
<div id="swagger-ui"></div>
<script src="/docs/ui/swagger-ui-bundle.js"></script>
<script src="/docs/ui/swagger-ui-standalone-preset.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
`;

// The stack's own address first, so "Try it out" calls this stack.
const START = `window.ui = SwaggerUIBundle({
  url: '/docs/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
});
`;

function uiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const ok = (type: string, body: string | Buffer): LocalResponse => ({
  status: 200,
  headers: { 'content-type': type, 'cache-control': 'no-store', 'content-security-policy': DOCS_CSP, 'x-content-type-options': 'nosniff' },
  body,
});

/** Answers `/docs`, its files and the two documents; undefined for anything else. */
export function apiDocs() {
  return async (req: LocalRequest): Promise<LocalResponse | undefined> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const p = req.path;
    if (p === '/docs' || p === '/docs/') return ok('text/html; charset=utf-8', PAGE);
    if (p === '/docs/start.js') return ok('text/javascript; charset=utf-8', START);
    if (p === '/docs/openapi.json' || p === '/docs/asyncapi.json') {
      try {
        return ok('application/json', await readFile(join(DOCS_DIR, p.slice('/docs/'.length))));
      } catch {
        return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not generated: run npm run docs\n' };
      }
    }
    const name = p.startsWith('/docs/ui/') ? p.slice('/docs/ui/'.length) : undefined;
    const type = name !== undefined ? UI_FILES[name] : undefined;
    if (name && type) return ok(type, await readFile(join(uiDir(), name)));
    return undefined;
  };
}
