/**
 * Handler bundles: size of each deployed bundle (ESM, minified, tree-shaken, as lib/ bundles them)
 * and cold init (a fresh `node` process importing it) against a naive unminified CommonJS bundle.
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { HTTP_ROUTES, WS_ROUTES, WS_AUTHORIZER, BACKGROUND } from '../lib/routes.js';
import { DEPLOYED_ESBUILD } from '../lib/bundling.js';

export interface BundleFigures {
  handler: string;
  kb: number;
  naiveKb: number;
  initMs: number;
  naiveInitMs: number;
}

function handlers(): string[] {
  const all = [...HTTP_ROUTES.map((r) => r.handler), ...WS_ROUTES.map((r) => r.handler), WS_AUTHORIZER.handler, BACKGROUND.fanout.handler, BACKGROUND.reminder.handler];
  return [...new Set(all)];
}

/** Median wall time of `node` loading the bundle, measured inside the process around the import. */
function initMs(file: string, runs: number): number {
  const probe = join(file, '..', 'probe.mjs');
  writeFileSync(
    probe,
    `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
  );
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [probe], { env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'bench' } }).toString();
    times.push(Number(out.trim().split('\n').at(-1)));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function measureBundles(runs = 5): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  const out: BundleFigures[] = [];
  for (const h of handlers()) {
    if (!existsSync(join("lambdas/handlers", `${h}.ts`))) continue;
    const entry = join('lambdas/handlers', `${h}.ts`);
    const slug = h.replace(/\//g, '-');
    const deployed = join(dir, slug, 'index.mjs');
    const naive = join(dir, `${slug}-naive`, 'index.cjs');
    await build({ ...DEPLOYED_ESBUILD, entryPoints: [entry], outfile: deployed, logLevel: 'error' });
    await build({ entryPoints: [entry], outfile: naive, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
    out.push({
      handler: h,
      kb: statSync(deployed).size / 1024,
      naiveKb: statSync(naive).size / 1024,
      initMs: initMs(deployed, runs),
      naiveInitMs: initMs(naive, runs),
    });
  }
  return out;
}
