/**
 * The one list of environment variables the handlers read (lambdas/platform/config.ts), and who
 * sets each. lib/stack.ts and local/stack.ts write their environments against these types
 * (`satisfies`), so a variable one stack sets and the other forgets, or one config.ts reads and
 * neither sets, fails `npm run typecheck`.
 *
 * - `both`: both stacks set it; the ones in REQUIRED_ON_LAMBDA stop a Lambda cold start when
 *   missing (config.ts), instead of running on a guessed default;
 * - `aws`: only the CDK stack sets it (stack parameters and resources the offline stack lacks);
 * - `local`: only the offline stack (and tests) set it; never on AWS;
 * - `tunable`: neither sets it; a default applies unless an operator sets it.
 * Work queue URLs are not listed: their names are the `urlEnv` of each QUEUES entry (lib/routes.ts),
 * and both stacks set every one of them from that list.
 */
export const ENV_NAMES = {
  TABLE_NAME: 'both',
  WS_CALLBACK_URL: 'both',
  OIDC_ISSUER: 'both',
  OIDC_AUDIENCE: 'both',
  OIDC_JWKS_URL: 'both',
  PLATFORM_APP_ARN_APNS: 'both',
  PLATFORM_APP_ARN_APNS_SANDBOX: 'both',
  PLATFORM_APP_ARN_GCM: 'both',
  EMAIL_FROM: 'both',
  CONSOLE_URL: 'both',
  REMINDER_MIN_AGE_S: 'both',
  SES_MAX_SEND_RATE: 'both',
  // SPEC §11.7: the unsubscribe link's base and its signing key.
  API_URL: 'both',
  UNSUBSCRIBE_SECRET: 'both',
  WORKSPACE_CLAIM: 'aws',
  ROLE_CLAIM: 'aws',
  AGENT_INACTIVE_DAYS: 'aws',
  SES_CONFIGURATION_SET: 'aws',
  AWS_REGION: 'local',
  // Read by the AWS SDK, not config.ts: the offline stack's placeholder credentials.
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  DYNAMODB_ENDPOINT: 'local',
  SNS_ENDPOINT: 'local',
  SES_ENDPOINT: 'local',
  SQS_ENDPOINT: 'local',
  RATE_LIMITS: 'local',
  // Powertools (SPEC §12): no EMF lines and no X-Ray daemon offline.
  POWERTOOLS_METRICS_DISABLED: 'local',
  POWERTOOLS_TRACE_ENABLED: 'local',
  SEQ_DEADLINE_MS: 'tunable',
  AWS_DEFAULT_REGION: 'tunable',
} as const;

export type EnvName = keyof typeof ENV_NAMES;
type Where = (typeof ENV_NAMES)[EnvName];
type NamesWhere<W extends Where> = { [K in EnvName]: (typeof ENV_NAMES)[K] extends W ? K : never }[EnvName];

/** What the CDK stack gives every function (AWS_REGION is the Lambda runtime's own). */
export type DeployedEnv = NamesWhere<'both' | 'aws'>;
/** What the offline stack sets before it loads a handler. */
export type LocalEnv = NamesWhere<'both' | 'local'>;

/**
 * Without these a deployed function cannot do its work (no table, no @connections endpoint, no
 * token issuer, no sender address, no console links), so config() refuses to start without them
 * on Lambda. Off Lambda there is no default table name either: config().tableName throws without
 * TABLE_NAME (a default would read and write some other table).
 */
export const REQUIRED_ON_LAMBDA = ['TABLE_NAME', 'WS_CALLBACK_URL', 'OIDC_ISSUER', 'OIDC_AUDIENCE', 'EMAIL_FROM', 'CONSOLE_URL'] as const satisfies readonly DeployedEnv[];

/**
 * The Lambda runtime sets AWS_LAMBDA_FUNCTION_NAME in every function's environment (a reserved
 * variable: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime);
 * the offline stack runs handlers in its own process, where it is unset.
 */
export const onLambda = (env: NodeJS.ProcessEnv = process.env) => Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

/** The required names that are missing or empty (none off Lambda: see config.ts for the table name). */
export function missingRequired(env: NodeJS.ProcessEnv = process.env): string[] {
  if (!onLambda(env)) return [];
  return REQUIRED_ON_LAMBDA.filter((n) => env[n] === undefined || env[n] === '');
}
