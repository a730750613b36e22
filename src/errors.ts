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

/**
 * The message for DuckDB running out of memory under its limit, which the
 * user can raise, or undefined for any other error. The run's outputs were
 * discarded (results/output.ts), so the previous results stand.
 * `defaultLimit` is the limit a run gets without --memory-limit.
 */
export function outOfMemory(err: unknown, defaultLimit: string): string | undefined {
  const message = err instanceof Error ? err.message : '';
  if (!message.startsWith('Out of Memory Error')) return undefined;
  return (
    `the database engine ran out of memory under its limit (${message.split('\n')[0]}). ` +
    `Give it more with --memory-limit (the default is ${defaultLimit}; for example --memory-limit 8GB), leaving room for about 1 GB more beside it; ` +
    'the previous results in --out are unchanged'
  );
}

/**
 * The message for a full disk (DuckDB's "No space left on device", Node's
 * ENOSPC), which the user can fix by freeing space or writing elsewhere, or
 * undefined for any other error. As for memory, the run's outputs were
 * discarded and the previous results stand.
 */
export function diskFull(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : '';
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  if (code !== 'ENOSPC' && !/No space left on device/.test(message)) return undefined;
  return (
    `the disk is full (${message.split('\n')[0]}). ` +
    'A run writes its database (about 120 MB per million pickups) and the database engine spills beside it: ' +
    'free space there, or give --out (and --db) a folder on a bigger disk; the previous results in --out are unchanged'
  );
}
