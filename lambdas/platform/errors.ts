/** The SPEC error shape and the few statuses it uses. */
export type ErrorCode =
  | 'bad_request'
  | 'validation_error'
  | 'unauthorized'
  | 'not_found'
  | 'payload_too_large'
  | 'method_not_allowed'
  | 'internal_error';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
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

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
