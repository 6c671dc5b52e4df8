/**
 * Config fails fast (issue 16 item 4): a function missing a required variable stops with its name,
 * and the one list of names (lambdas/platform/env-names.ts) is the list config.ts reads.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConfigError, config, resetConfigForTests } from '../../lambdas/platform/config.js';
import { ENV_NAMES, REQUIRED_ON_LAMBDA, missingRequired } from '../../lambdas/platform/env-names.js';
import { QUEUES } from '../../lib/routes.js';

const saved = { ...process.env };
const complete = { TABLE_NAME: 't', WS_CALLBACK_URL: 'https://x', OIDC_ISSUER: 'https://i', OIDC_AUDIENCE: 'a', EMAIL_FROM: 'e@example.com', CONSOLE_URL: 'https://c' };

afterEach(() => {
  process.env = { ...saved };
  resetConfigForTests();
});

function withEnv(env: Record<string, string | undefined>) {
  process.env = { ...saved };
  for (const n of Object.keys(ENV_NAMES)) delete process.env[n];
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  resetConfigForTests();
}

test('without TABLE_NAME there is no table name to fall back on: reading it fails, naming the variable', () => {
  withEnv({});
  // Off Lambda the rest of the configuration is still readable (a CORS unit test needs no table).
  expect(config().consoleUrl).toBe('http://127.0.0.1:3000');
  expect(() => config().tableName).toThrow(ConfigError);
  expect(() => config().tableName).toThrow(/TABLE_NAME/);
  withEnv({ TABLE_NAME: '' });
  expect(() => config().tableName).toThrow(/TABLE_NAME/);
  // On Lambda it stops config() itself.
  withEnv({ ...complete, TABLE_NAME: undefined, AWS_LAMBDA_FUNCTION_NAME: 'fn' });
  expect(() => config()).toThrow(/TABLE_NAME/);
});

test('off Lambda (tests, the offline stack) TABLE_NAME is enough; the rest have defaults', () => {
  withEnv({ TABLE_NAME: 'tbl' });
  expect(config().tableName).toBe('tbl');
});

test('on Lambda every required variable must be set, and all the missing ones are named at once', () => {
  withEnv({ AWS_LAMBDA_FUNCTION_NAME: 'fn', TABLE_NAME: 'tbl', OIDC_ISSUER: 'https://issuer' });
  let err: unknown;
  try {
    config();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).missing).toEqual(['WS_CALLBACK_URL', 'OIDC_AUDIENCE', 'EMAIL_FROM', 'CONSOLE_URL']);
  withEnv({ AWS_LAMBDA_FUNCTION_NAME: 'fn', ...complete });
  expect(config().emailFrom).toBe('e@example.com');
  expect(missingRequired({ AWS_LAMBDA_FUNCTION_NAME: 'fn', ...complete })).toEqual([]);
});

test('on Lambda the module itself fails to load without them: the cold start stops, with the names', () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: 'fn', TABLE_NAME: 'tbl' };
  let out = '';
  try {
    execFileSync(process.execPath, ['--import', 'tsx', '-e', "await import('./lambdas/platform/config.ts')"], { env, stdio: 'pipe' });
  } catch (e) {
    out = String((e as { stderr?: Buffer }).stderr);
  }
  expect(out).toMatch(/missing required environment variable\(s\): WS_CALLBACK_URL, OIDC_ISSUER, OIDC_AUDIENCE, EMAIL_FROM, CONSOLE_URL/);
  // With everything set it loads.
  execFileSync(process.execPath, ['--import', 'tsx', '-e', "await import('./lambdas/platform/config.ts')"], { env: { ...env, ...complete }, stdio: 'pipe' });
});

test('the list of names is exactly what config.ts reads (plus the queue URLs of lib/routes.ts)', () => {
  const source = readFileSync('lambdas/platform/config.ts', 'utf8');
  const read = new Set([...source.matchAll(/opt\('([A-Z_]+)'\)/g)].map((m) => m[1]!));
  const queueUrls = new Set(QUEUES.map((q) => q.urlEnv));
  // Read by libraries, not config.ts: the AWS SDK's credentials and Powertools' switches.
  const sdkOnly = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_TRACE_ENABLED']);
  expect([...read].filter((n) => !queueUrls.has(n) && !(n in ENV_NAMES))).toEqual([]);
  expect(Object.keys(ENV_NAMES).filter((n) => !read.has(n) && !sdkOnly.has(n))).toEqual([]);
  for (const n of REQUIRED_ON_LAMBDA) expect(ENV_NAMES[n]).toBe('both');
});
