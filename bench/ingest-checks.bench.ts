/**
 * What ingest's checks cost: the pickups of a bench world appended to their
 * persistent staging table by one INSERT, with every check (as ingest does),
 * without the reasons' CASE, without the timestamp patterns, and as a bare
 * typed read with no checks at all; and, to show what writing the file costs
 * (DuckDB compresses every column as it writes), every check into a TEMP
 * table, which stays in memory. Prints a table of wall and CPU seconds.
 *
 *   tsx bench/ingest-checks.bench.ts [WORLD]   (default .bench/world-1-1000000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Database, literal } from '../src/engine/database.ts';
import { columnNames } from '../src/contract/dataset.ts';
import { checkedSelect, createStaging } from '../src/ingest/validate.ts';

const world = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '.bench', 'world-1-1000000'));
const columns = columnNames('pickups');
const types = new Map(columns.map((c) => [c, 'VARCHAR']));
const read = `read_csv(${literal(join(world, 'pickups.csv'))}, header = true, auto_detect = false, strict_mode = true,
  columns = {${columns.map((c) => `${literal(c)}: 'VARCHAR'`).join(', ')}}, delim = ',', quote = '"', escape = '"')`;
const source = `(SELECT *, NULL::VARCHAR AS _pre, NULL::VARCHAR AS _text, NULL::BIGINT AS _row, NULL::BIGINT AS _line FROM ${read})`;
const full = checkedSelect('pickups', source, types);
const castOnly = (c: string) => {
  if (['lng', 'lat', 'pickup_gps_lng', 'pickup_gps_lat'].includes(c)) return `try_cast(${c} AS DOUBLE)`;
  if (c.endsWith('_time')) return `try_cast(${c} AS TIMESTAMPTZ)`;
  return c;
};
/** The variant that appends to a TEMP copy of the staging table: no compression, nothing written to the file. */
const IN_MEMORY = 'every check, into a TEMP table';
const variants: Record<string, string> = {
  'every check (ingest)': full,
  'no reasons CASE': full.replace(/SELECT \*, CASE WHEN _pre IS NOT NULL THEN _pre[\s\S]*? END AS _fail/, 'SELECT *, _pre AS _fail'),
  'no timestamp patterns': full.replaceAll(/regexp_matches\("t\$[a-z_]*time", '[^']*'\)/g, 'true'),
  'typed read, no checks': `SELECT ${columns.map(castOnly).join(', ')}, NULL, NULL, NULL, NULL FROM ${read}`,
  [IN_MEMORY]: full,
};

const dir = mkdtempSync(join(tmpdir(), 'dragnet-bench-'));
const rows: string[] = [];
try {
  for (const [name, select] of Object.entries(variants)) {
    const db = await Database.open(join(dir, `${rows.length}.duckdb`));
    try {
      await db.run(`SET TimeZone = 'Asia/Shanghai'`);
      await createStaging(db, 'pickups');
      const target = name === IN_MEMORY ? 'temp_pickups' : 'pickups';
      if (target !== 'pickups') await db.run(`CREATE TEMP TABLE ${target} AS FROM pickups LIMIT 0`);
      const t = performance.now();
      const cpu = process.cpuUsage();
      await db.run(`INSERT INTO ${target} ${select}`);
      const used = process.cpuUsage(cpu);
      const n = await db.scalar(`SELECT count(*) FROM ${target}`);
      rows.push(`| ${name} | ${n.toLocaleString('en-US')} | ${((performance.now() - t) / 1000).toFixed(2)} s | ${((used.user + used.system) / 1e6).toFixed(2)} s |`);
    } finally {
      db.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nPickups of ${world}, appended to a persistent table (the last: a TEMP table) by one INSERT:\n`);
console.log('| variant | rows | wall | CPU |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
