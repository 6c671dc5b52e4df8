import { InvalidInputError, NotFoundError } from '../app/errors.js';
/** The SPEC error shape and the few statuses it uses. */
export type ErrorCode =
  'bad_request' | 'validation_error' | 'unauthorized' | 'not_found' | 'payload_too_large' | 'method_not_allowed' | 'forbidden' | 'origin_not_allowed' | 'rate_limited' | 'internal_error';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers (e.g. `Retry-After` on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (m: string) => new AppError(400, 'bad_request', m);
export const invalid = (m: string) => new AppError(400, 'validation_error', m);
export const unauthorized = (m = 'missing or invalid token') => new AppError(401, 'unauthorized', m);
export const notFound = (m = 'not found') => new AppError(404, 'not_found', m);
export const tooLarge = (m: string) => new AppError(413, 'payload_too_large', m);
export const forbidden = (m = 'this needs the admin role') => new AppError(403, 'forbidden', m);
export const originNotAllowed = (m = 'this origin may not use the chat widget of this workspace') => new AppError(403, 'origin_not_allowed', m);
/** SPEC §10.2: a 429 with `Retry-After` in whole seconds (at least 1). */
export const rateLimited = (retryAfterSeconds: number, m = 'too many requests; try again later') =>
  new AppError(429, 'rate_limited', m, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/** A use case's own error (lambdas/app/errors.ts) as its SPEC answer; undefined for anything else. */
export function asAppError(e: unknown): AppError | undefined {
  if (e instanceof AppError) return e;
  if (e instanceof NotFoundError) return notFound(e.message);
  if (e instanceof InvalidInputError) return invalid(e.message);
  return undefined;
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
