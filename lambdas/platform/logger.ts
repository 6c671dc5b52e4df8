/**
 * Structured JSON logs (Powertools). Callers pass ids and counts only: never tokens, message
 * bodies or email addresses. `redact` is a last line of defence for keys that slip through.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({
  serviceName: 'agent-chat-notifications',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
});

const SECRET_KEYS = /^(token|authorization|body|email|visitorToken|password|text|html|preview)$/i;

export function redact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redact) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(v);
    return out as T;
  }
  return value;
}
