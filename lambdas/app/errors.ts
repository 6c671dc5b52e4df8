/**
 * What a use case says went wrong, in its own words: the edge (lambdas/edge/errors.ts `asAppError`)
 * turns these into the SPEC's 4xx answers, so use cases and stores stay free of HTTP.
 */
export class NotFoundError extends Error {
  constructor(message = 'not found') {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}
