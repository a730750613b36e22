/** Whether `built` is missing or older than any file under `sources` (bin/stale.js). */
export function isStale(built: string, sources: string): boolean;
