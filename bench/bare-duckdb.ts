/**
 * The yardstick for `analyze`: a bare DuckDB pass over the same files, with
 * no validation and no analysis. Every table file is read with DuckDB's own
 * type detection and every column converted (count(COLUMNS(*))), and the
 * pickups are grouped by 100 m cell and hour of day. Prints the seconds and
 * the peak RSS as JSON on stdout.
 *
 *   tsx bench/bare-duckdb.ts DATASET
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx bench/bare-duckdb.ts DATASET');
const started = performance.now();
const instance = await DuckDBInstance.create(':memory:', { memory_limit: '4GB' });
const db = await instance.connect();
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
for (const file of readdirSync(dir).filter((f) => /\.(csv|jsonl|parquet)$/.test(f))) {
  const path = join(dir, file);
  const source = file.endsWith('.parquet') ? `read_parquet(${q(path)})` : file.endsWith('.jsonl') ? `read_json(${q(path)})` : `read_csv(${q(path)}, ignore_errors = true)`;
  if (file.startsWith('pickups.')) {
    await db.run(`SELECT count(*) FROM (
      SELECT round(try_cast(lat AS DOUBLE), 3), round(try_cast(lng AS DOUBLE), 3), hour(try_cast(pickup_time AS TIMESTAMPTZ)), count(*)
      FROM ${source} GROUP BY ALL)`);
  } else {
    await db.run(`SELECT count(*), count(COLUMNS(*)) FROM ${source}`);
  }
}
db.closeSync();
instance.closeSync();
process.stdout.write(
  JSON.stringify({ seconds: (performance.now() - started) / 1000, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n',
);
