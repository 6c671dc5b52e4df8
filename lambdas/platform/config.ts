/**
 * Configuration, read once from the environment. Lazily, so tests and the offline stack can set
 * the environment before the first handler call rather than before the first import. On Lambda
 * the environment is complete before the first import, so it is read at once: a missing required
 * variable (env-names.ts REQUIRED_ON_LAMBDA) fails the cold start with its name rather than
 * running on a guessed default.
 */
import { missingRequired, onLambda } from './env-names.js';

/** A required environment variable is missing: the function cannot start. */
export class ConfigError extends Error {
  constructor(readonly missing: string[]) {
    super(`missing required environment variable(s): ${missing.join(', ')} (lib/stack.ts sets them on every function; see README "Configuration")`);
    this.name = 'ConfigError';
  }
}
export interface Config {
  tableName: string;
  region: string;
  /** Overrides for the offline stack and tests; unset on AWS. */
  endpoints: { dynamodb?: string; sns?: string; ses?: string; sqs?: string };
  /** The WebSocket stage's callback URL: https://{api}.execute-api.{region}.amazonaws.com/{stage}. */
  wsCallbackUrl?: string;
  oidc: { issuer: string; audience: string; jwksUrl: string; workspaceClaim: string; roleClaim: string };
  platformApps: { APNS?: string; APNS_SANDBOX?: string; GCM?: string };
  emailFrom: string;
  consoleUrl: string;
  /** SPEC §10.2 rate limits; `RATE_LIMITS=off` turns them off (the offline stack's LOCAL_RATE_LIMITS=0, tests). */
  rateLimits: boolean;
  /** SPEC §10.2: how long a post keeps trying for its seq before answering 429 (`SEQ_DEADLINE_MS`, default 3000). */
  seqDeadlineMs: number;
  /** SPEC §10.4: an agent unseen for this many days gets no pushes and no emails; 0 = never. */
  agentInactiveDays: number;
  /** The SES configuration set reminders are sent with (bounces and complaints); unset offline. */
  sesConfigurationSet?: string;
  /** SPEC §4 ReminderMinAgeSeconds: visitor messages younger than this wait for the next check. */
  reminderMinAgeS: number;
  /** SES's maximum send rate (emails per second) the reminder paces itself to (stack parameter SesMaxSendRate). */
  sesMaxSendRate: number;
  /** The reminder's work queue (QUEUES `reminder-work`); unset: the reminder runs every shard itself. */
  reminderWorkQueueUrl?: string;
  /** The HTTP API's base URL (the reminder email's one-click unsubscribe link, SPEC §11.7). */
  apiUrl: string;
  /** The key unsubscribe links are signed with (UNSUBSCRIBE_SECRET); empty: no link can be made or accepted. */
  unsubscribeSecret: string;
}

let cached: Config | undefined;

function opt(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function nonNegative(v: string | undefined, fallback: number): number {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function config(): Config {
  if (cached) return cached;
  const missing = missingRequired();
  if (missing.length) throw new ConfigError(missing);
  const issuer = opt('OIDC_ISSUER') ?? '';
  cached = {
    tableName: opt('TABLE_NAME') ?? '',
    region: opt('AWS_REGION') ?? opt('AWS_DEFAULT_REGION') ?? 'us-east-1',
    endpoints: {
      dynamodb: opt('DYNAMODB_ENDPOINT'),
      sns: opt('SNS_ENDPOINT'),
      ses: opt('SES_ENDPOINT'),
      sqs: opt('SQS_ENDPOINT'),
    },
    wsCallbackUrl: opt('WS_CALLBACK_URL'),
    oidc: {
      issuer,
      audience: opt('OIDC_AUDIENCE') ?? '',
      jwksUrl: opt('OIDC_JWKS_URL') ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
      workspaceClaim: opt('WORKSPACE_CLAIM') ?? 'workspace_id',
      // SPEC §10.1: the admin role is this claim equal to "admin" (Cognito custom attribute by default).
      roleClaim: opt('ROLE_CLAIM') ?? 'custom:role',
    },
    platformApps: {
      APNS: opt('PLATFORM_APP_ARN_APNS'),
      APNS_SANDBOX: opt('PLATFORM_APP_ARN_APNS_SANDBOX'),
      GCM: opt('PLATFORM_APP_ARN_GCM'),
    },
    emailFrom: opt('EMAIL_FROM') ?? 'notifications@example.com',
    consoleUrl: (opt('CONSOLE_URL') ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
    rateLimits: opt('RATE_LIMITS') !== 'off',
    seqDeadlineMs: Number(opt('SEQ_DEADLINE_MS') ?? 3000) || 3000,
    agentInactiveDays: nonNegative(opt('AGENT_INACTIVE_DAYS'), 30),
    sesConfigurationSet: opt('SES_CONFIGURATION_SET'),
    reminderMinAgeS: nonNegative(opt('REMINDER_MIN_AGE_S'), 60),
    sesMaxSendRate: nonNegative(opt('SES_MAX_SEND_RATE'), 14) || 14,
    reminderWorkQueueUrl: opt('REMINDER_WORK_QUEUE_URL'),
    apiUrl: (opt('API_URL') ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
    unsubscribeSecret: opt('UNSUBSCRIBE_SECRET') ?? '',
  };
  // Off Lambda (a unit test of CORS, a tool) a module may need config without a table; there is
  // still no default table name: reading it without TABLE_NAME fails, naming the variable.
  if (!opt('TABLE_NAME')) {
    Object.defineProperty(cached, 'tableName', {
      enumerable: true,
      get() {
        throw new ConfigError(['TABLE_NAME']);
      },
    });
  }
  return cached;
}

// On Lambda: at import, so the init phase (the cold start) fails, not each request later.
if (onLambda()) config();

/** For tests that change the environment between cases in one module registry. */
export function resetConfigForTests(): void {
  cached = undefined;
}
