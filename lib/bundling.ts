/**
 * How handlers are bundled for Lambda: ESM, minified, tree-shaken (mainFields prefer the `module`
 * builds, so the AWS SDK's ES modules shake down to the commands used), SDK bundled in so the
 * version is pinned and init loads one file. The stack's NodejsFunctions and the bundle benchmark
 * both read this, so the benchmark measures what is deployed.
 */
import { fileURLToPath } from 'node:url';

export const NODE_TARGET = 'node22';

/** lambdas/handlers/<handler>.ts: the route table names handlers without the extension. */
export function handlerEntry(handler: string): string {
  return fileURLToPath(new URL(`../lambdas/handlers/${handler}.ts`, import.meta.url));
}

/** Lambda bundles swap the SDK's default credential chain for the environment provider. */
export const ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': fileURLToPath(new URL('../lambdas/platform/lambda-credentials.ts', import.meta.url)),
};

/** createRequire shim: some CommonJS dependencies call require() inside an ESM bundle. */
export const ESM_BANNER = "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);";

export const BUNDLING = {
  format: 'esm',
  minify: true,
  sourceMap: true,
  target: NODE_TARGET,
  mainFields: ['module', 'main'],
  banner: ESM_BANNER,
  externalModules: [] as string[],
  esbuildArgs: Object.fromEntries(Object.entries(ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
} as const;

/** The same settings in esbuild's own vocabulary (for the benchmark's direct build). */
export const DEPLOYED_ESBUILD = {
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  minify: true,
  sourcemap: 'external' as const,
  target: NODE_TARGET,
  mainFields: ['module', 'main'],
  banner: { js: ESM_BANNER },
  external: [] as string[],
  alias: ALIASES,
};
