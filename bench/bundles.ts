/**
 * Handler bundles: size of each deployed bundle (ESM, minified, tree-shaken, as lib/ bundles them)
 * and cold init (a fresh `node` process importing it) against a naive unminified CommonJS bundle.
 *
 * Beside them, the alternative the size target points at: the same build with the AWS SDK left
 * external (the Lambda Node.js runtime ships SDK v3), where init then loads the SDK's CommonJS
 * files from node_modules as the runtime would load its own copy. And where each deployed
 * bundle's bytes come from (esbuild's metafile), to see what any one import costs.
 */
import { build, type Metafile } from 'esbuild';
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ALL_HANDLERS } from '../lib/routes.js';
import { DEPLOYED_ESBUILD, handlerEntry } from '../lib/bundling.js';

export interface BundleFigures {
  handler: string;
  kb: number;
  naiveKb: number;
  initMs: number;
  naiveInitMs: number;
  /** The deployed build with `@aws-sdk/*` external (the runtime's SDK). */
  sdkExternalKb: number;
  sdkExternalInitMs: number;
  /** KB of the deployed bundle by origin: sdk (@aws-sdk, @smithy and their deps), logger, jose, zod, middy, own code, other. */
  composition: Record<string, number>;
}

/** Median wall time of `node` loading the bundle, measured inside the process around the import. */
function initMs(file: string, runs: number): number {
  const probe = join(file, '..', 'probe.mjs');
  writeFileSync(probe, `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--no-warnings', probe], { env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'bench' } }).toString();
    times.push(Number(out.trim().split('\n').at(-1)));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const ORIGINS: Array<[string, RegExp]> = [
  ['sdk', /node_modules\/(@aws-sdk|@smithy|mnemonist|obliterator|fast-xml-parser|strnum|tslib|uuid)\//],
  ['logger', /node_modules\/(@aws-lambda-powertools|@aws\/lambda-invoke-store)\//],
  ['jose', /node_modules\/jose\//],
  ['zod', /node_modules\/zod\//],
  ['middy', /node_modules\/@middy\//],
  ['own', /^lambdas\//],
];

function composition(meta: Metafile): Record<string, number> {
  const out = Object.values(meta.outputs).find((o) => o.entryPoint);
  const kb: Record<string, number> = {};
  for (const [file, v] of Object.entries(out?.inputs ?? {})) {
    const origin = ORIGINS.find(([, re]) => re.test(file))?.[0] ?? 'other';
    kb[origin] = (kb[origin] ?? 0) + v.bytesInOutput / 1024;
  }
  return Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

export async function measureBundles(runs = 5, log: (line: string) => void = () => undefined): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  // The SDK-external bundles import the SDK by name: let them find this project's node_modules.
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  const out: BundleFigures[] = [];
  try {
    for (const h of ALL_HANDLERS) {
      const entry = handlerEntry(h);
      const slug = h.replace(/\//g, '-');
      const deployed = join(dir, slug, 'index.mjs');
      const naive = join(dir, `${slug}-naive`, 'index.cjs');
      const external = join(dir, `${slug}-sdk-external`, 'index.mjs');
      const r = await build({ ...DEPLOYED_ESBUILD, entryPoints: [entry], outfile: deployed, metafile: true, logLevel: 'error' });
      await build({ entryPoints: [entry], outfile: naive, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
      await build({ ...DEPLOYED_ESBUILD, entryPoints: [entry], outfile: external, external: ['@aws-sdk/*'], logLevel: 'error' });
      out.push({
        handler: h,
        kb: statSync(deployed).size / 1024,
        naiveKb: statSync(naive).size / 1024,
        initMs: initMs(deployed, runs),
        naiveInitMs: initMs(naive, runs),
        sdkExternalKb: statSync(external).size / 1024,
        sdkExternalInitMs: initMs(external, runs),
        composition: composition(r.metafile),
      });
      log(`bundles: ${h}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
