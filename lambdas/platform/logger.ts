/**
 * Structured JSON logs (Powertools). Callers pass ids and counts only: never tokens, message
 * bodies or email addresses. Error messages from libraries go through `scrub` first.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({
  serviceName: 'agent-chat-notifications',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
});

/**
 * An error's own message can quote what it was given (an address SES rejected, a token a parser
 * choked on): addresses and JWT-shaped strings are blanked, and the text is kept short.
 */
export function scrub(message: string | undefined): string | undefined {
  return message
    ?.replace(/[^\s"'<>@,;:]+@[^\s"'<>@,;:]+/g, '[email]')
    .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[token]')
    .slice(0, 300);
}

/** An error as a log field: its name, and its message scrubbed. */
export function errorInfo(e: unknown): { name: string | undefined; message: string | undefined } {
  return { name: (e as Error | undefined)?.name, message: scrub((e as Error | undefined)?.message) };
}
