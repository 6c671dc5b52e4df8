/**
 * Builds the agent console (index.html, served at `/`) and the visitor demo (demo.html, at
 * `/demo`) into one directory. The same files serve the offline stack and the S3 + CloudFront
 * deployment: the API URLs and the sign-in mode come at run time from `/config.json`, so one
 * build fits every stage.
 *
 *   npx tsx web/build.ts [outDir]     (default dist/web)
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function buildWeb(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: {
      console: path.join(here, 'src/console/main.ts'),
      demo: path.join(here, 'src/demo/main.ts'),
    },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'silent',
  });
  await Promise.all(['index.html', 'demo.html', 'app.css'].map((f) => copyFile(path.join(here, 'static', f), path.join(outDir, f))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? 'dist/web');
  buildWeb(out).then(
    () => console.log(`web built into ${out}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
