/**
 * Fault injection for the crash tests: DRAGNET_FAULT=<point> makes the process
 * SIGKILL itself when a run reaches that point, as a power cut or the OOM
 * killer would, with no `finally` and no exit handler running. Points:
 *
 *   after-ingest   the dataset is in the run's database, nothing computed yet
 *   after-stages   every stage done, no result file written
 *   mid-write      leads.geojson written, the other result files not yet
 *   before-swap    every output complete in the staging folder, OUT untouched
 *   mid-swap       the previous OUT renamed to its backup, the new one not yet in place
 *   after-swap     the new OUT in place, the previous one's backup not yet removed
 *
 * and, in `dragnet update` (which runs the stages, the write and the swap
 * above inside its database transaction):
 *
 *   update-ingested  the day read and checked into its scratch catalog, the database untouched
 *   update-appended  the day's rows appended inside the transaction, no stage rerun yet
 *   before-commit    OUT swapped in, the transaction not yet committed
 *   after-commit     committed (in the .wal), not yet checkpointed into the file
 *
 * Unset (always, outside tests) it does nothing.
 */
export const FAULT_POINTS = [
  'after-ingest', 'after-stages', 'mid-write', 'before-swap', 'mid-swap', 'after-swap',
  'update-ingested', 'update-appended', 'before-commit', 'after-commit',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** Kills this process on the spot if DRAGNET_FAULT names `point`. */
export function faultPoint(point: FaultPoint): void {
  if (process.env.DRAGNET_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
