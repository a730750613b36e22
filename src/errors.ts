/**
 * Errors a user can act on (a missing file, a bad flag, an unparsable table).
 * The CLI prints their message alone, without a stack trace; anything else is
 * a bug and is rethrown.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = 'user_error',
  ) {
    super(message);
    this.name = 'UserError';
  }
}
