/**
 * `npm run bench:fuzz` (and the first half of `npm run bench`): the ingest
 * against a large hostile pickups file. Writes a dataset whose pickups.csv
 * holds FUZZ_ROWS records (default 1,000,000), of which about FUZZ_BAD_SHARE
 * (default 0.4) are malformed in every way the contract names (broken quotes,
 * text after a closing quote, wrong field counts, non-numbers and bad
 * timestamps, bytes that are not UTF-8, NUL bytes, duplicate and dangling
 * keys, invisible characters in ids, places at (0, 0) or off the globe), among
 * legitimate irregularities (mixed LF, CRLF and lone-CR line ends, blank
 * lines, a BOM, a header over 64 KB, quoted fields with commas, quotes and
 * line ends inside, fields over 100 KB, trailing commas). The RNG is seeded
 * (FUZZ_SEED, default 1) and the files are streamed to disk, so memory stays
 * flat while writing.
 *
 * Two scenarios (FUZZ_SCENARIOS=irregular,regular by default):
 *
 * - irregular: everything above, so the byte-level scanner parses the file;
 * - regular: one line end (LF), no blank lines, valid UTF-8 without NUL, and
 *   only defects that leave each record on its own line and of a shape DuckDB
 *   reads (wrong values, keys, and extra empty trailing fields), so DuckDB's
 *   direct read must take the file as it is and the checks in SQL catch them.
 *
 * Each ingest runs into a DuckDB file in a temporary folder (removed after).
 * The bench prints a markdown table: rows written, malformed rows injected,
 * read, accepted, quarantined, misplaced (malformed records without a
 * quarantine entry at their row and line holding their text, plus entries
 * that are no malformed record's), crashes, whether every row is accounted for, and
 * seconds; then the same per kind of defect. It exits non-zero when anything
 * is unaccounted for.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Database, literal } from '../src/engine/database.ts';
import { ingestDataset } from '../src/ingest/ingest.ts';
import { silentProgress } from '../src/cli/progress.ts';

const ROWS = Number(process.env.FUZZ_ROWS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const BAD_SHARE = Number(process.env.FUZZ_BAD_SHARE ?? 0.4);
const SCENARIOS = (process.env.FUZZ_SCENARIOS ?? 'irregular,regular').split(',') as Scenario[];
/** FUZZ_KEEP=1 keeps the temporary folder (datasets, databases, expected rows) for a look after a failure. */
const KEEP = process.env.FUZZ_KEEP === '1';
type Scenario = 'irregular' | 'regular';

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Buffered writes to a file descriptor, in 1 MB blocks. */
class Sink {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  bytes = 0;
  /** Last byte written, to know whether a following LF would merge with a CR into one line end. */
  last = -1;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(data: string | Buffer): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (b.length === 0) return;
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) writeSync(this.fd, b);
    else {
      b.copy(this.buf, this.used);
      this.used += b.length;
    }
    this.bytes += b.length;
    this.last = b[b.length - 1];
  }
  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Line ends in a text (LF, CRLF and a lone CR each count once). */
function lineEnds(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) n++;
    else if (c === 10 && (i === 0 || s.charCodeAt(i - 1) !== 13)) n++;
  }
  return n;
}

const KINDS = [
  'unclosed quote',
  'text after closing quote',
  'too few fields',
  'too many fields',
  'data past the header',
  'not a number',
  'outside the globe',
  'at (0, 0)',
  'lat without lng',
  'bad timestamp',
  'missing pickup_time',
  'not UTF-8',
  'NUL byte',
  'duplicate waybill',
  'dangling waybill',
  'invisible character in id',
] as const;
type Kind = (typeof KINDS)[number];
/** Defects that keep a file regular: one record per line, valid text, a shape DuckDB reads. */
const REGULAR_KINDS: readonly Kind[] = [
  'not a number',
  'outside the globe',
  'at (0, 0)',
  'lat without lng',
  'bad timestamp',
  'missing pickup_time',
  'duplicate waybill',
  'dangling waybill',
  'invisible character in id',
];

const BAD_UTF8 = [[0xff], [0xc3, 0x28], [0xe4, 0xb8], [0xc0, 0xaf], [0xed, 0xa0, 0x80]];
const BAD_NUMBERS = ['abc', '1_000', 'inf', 'NaN', '0x10', '25.4.1'];
const BAD_TIMES = ['not-a-time', '2026-02-30T10:00:00', '2026-01-10T25:00:00', '10/01/2026', '2026-01-10T10:00:00+15:00'];
const TIMES = ['2026-01-10T23:00:00+08:00', '2026-01-10 23:30:00', '2026-01-11T01:00:00Z', '2026-01-10T22:00+08:00'];

interface Written {
  rows: number;
  injected: number;
  byKind: Map<Kind, number>;
  bytes: number;
}

/**
 * Writes the dataset. Waybills w1..wN exist in shipments; pickup i names wi
 * unless it is a dangling or duplicate one. `expected.csv` (outside the
 * dataset) lists the malformed records' row, line and kind (index in KINDS).
 */
function writeDataset(dir: string, expectedPath: string, scenario: Scenario): Written {
  const regular = scenario === 'regular';
  const kinds = regular ? REGULAR_KINDS : KINDS;
  const random = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  writeFileSync(join(dir, 'sellers.csv'), 'seller_id,shop_name\ns1,one\ns2,two\n');
  writeFileSync(join(dir, 'listings.csv'), 'listing_id,seller_id,price\nl1,s1,100\nl2,s2,50\n');
  const ships = new Sink(join(dir, 'shipments.csv'));
  ships.write('waybill_id,seller_id,listing_id\n');
  for (let i = 1; i <= ROWS; i++) ships.write(i % 2 ? `w${i},s1,l1\n` : `w${i},s2,l2\n`);
  ships.close();

  const out = new Sink(join(dir, 'pickups.csv'));
  const expected = new Sink(expectedPath);
  expected.write('row,line,kind\n');
  // A BOM, then a header over 64 KB: one very long extra column before the contract's.
  out.write(Buffer.from([0xef, 0xbb, 0xbf]));
  out.write(`x${'long_header_'.repeat(6000)},waybill_id,courier_id,city,lng,lat,pickup_time\n`);
  let line = 2;
  const byKind = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
  let injected = 0;
  let lastClean = '';
  const eol = () => {
    if (regular) return '\n';
    const r = random();
    return r < 0.8 ? '\n' : r < 0.95 ? '\r\n' : '\r';
  };
  for (let i = 1; i <= ROWS; i++) {
    // Blank lines (some with blanks in them) now and then; an LF right after a CR would join its line end.
    while (!regular && random() < 0.01) {
      const e = eol();
      out.write((random() < 0.5 ? '' : '  ') + (e === '\n' && out.last === 13 ? '\r\n' : e));
      line++;
    }
    const id = `w${i}`;
    const lat = (25.4 + random() * 0.2).toFixed(5);
    const lng = (119.0 + random() * 0.2).toFixed(5);
    const fields: (string | Buffer)[] = ['', id, `c${i}`, `city${i % 97}`, lng, lat, pick(TIMES)];
    let trailer = '';
    let extraLines = 0;
    const bad = random() < BAD_SHARE;
    let kind: Kind | undefined;
    if (!bad) {
      const r = random();
      if (r < 0.05) fields[3] = `"福州, 鼓楼 ""${i}"""`;
      else if (r < 0.07 && !regular) {
        const e = pick(['\n', '\r\n', '\r']);
        fields[3] = `"first line${e}second line ${i}"`;
        extraLines = 1;
      } else if (r < 0.09) trailer = ',';
      else if (i % 50_000 === 0) {
        // A quoted field over 100 KB, with commas, quotes (and line ends, unless the file must stay one record a line) inside.
        const text = `big ${i}, "quoted" ;`.repeat(6000) + (regular ? ' end' : '\nend');
        fields[3] = `"${text.replaceAll('"', '""')}"`;
        extraLines = lineEnds(text);
      }
      lastClean = id;
    } else {
      kind = pick(kinds);
      if (kind === 'duplicate waybill' && !lastClean) kind = 'dangling waybill';
      switch (kind) {
        case 'unclosed quote':
          fields[3] = `"never closed ${i}`;
          break;
        case 'text after closing quote':
          fields[3] = `"city ${i}"junk`;
          break;
        case 'too few fields':
          fields.length = 3 + Math.floor(random() * 3);
          break;
        case 'too many fields':
          fields.push('extra');
          break;
        case 'data past the header':
          trailer = ',,extra';
          break;
        case 'not a number':
          fields[random() < 0.5 ? 4 : 5] = pick(BAD_NUMBERS);
          break;
        case 'outside the globe':
          fields[5] = random() < 0.5 ? '95.5' : '-91';
          break;
        case 'at (0, 0)':
          fields[4] = '0';
          fields[5] = '0';
          break;
        case 'lat without lng':
          fields[4] = '';
          break;
        case 'bad timestamp':
          fields[6] = pick(BAD_TIMES);
          break;
        case 'missing pickup_time':
          fields[6] = '';
          break;
        case 'not UTF-8':
          fields[3] = Buffer.concat([Buffer.from(`city${i}`), Buffer.from(pick(BAD_UTF8)), Buffer.from('x')]);
          break;
        case 'NUL byte':
          fields[3] = `city${i}\0x`;
          break;
        case 'duplicate waybill':
          fields[1] = lastClean;
          break;
        case 'dangling waybill':
          fields[1] = `zz${i}`;
          break;
        case 'invisible character in id':
          fields[1] = `${id}\u200b`;
          break;
      }
      byKind.set(kind, byKind.get(kind)! + 1);
      injected++;
      expected.write(`${i},${line},${KINDS.indexOf(kind)}\n`);
    }
    for (let k = 0; k < fields.length; k++) {
      if (k > 0) out.write(',');
      out.write(fields[k]);
    }
    out.write(trailer);
    line += extraLines;
    if (i < ROWS || random() < 0.5) {
      out.write(eol());
      line++;
    }
  }
  out.close();
  expected.close();
  return { rows: ROWS, injected, byKind, bytes: out.bytes };
}

interface Result {
  read: number;
  accepted: number;
  quarantined: number;
  /** Malformed records with no quarantine entry of their own (at their row and line, with their text), plus entries that are no malformed record's. */
  misplaced: number;
  byKind: Map<string, number>;
  crash?: string;
}

/** Writes one scenario's dataset under `tmp`, ingests it, and checks every record. */
async function runScenario(tmp: string, scenario: Scenario): Promise<{ written: Written; result: Result; seconds: number; accounted: boolean }> {
  const dir = join(tmp, scenario);
  mkdirSync(dir);
  const expectedPath = join(tmp, `${scenario}-expected.csv`);
  process.stderr.write(`${scenario}: writing ${ROWS.toLocaleString('en-US')} pickups, about ${Math.round(BAD_SHARE * 100)}% malformed (seed ${SEED})...\n`);
  let t = performance.now();
  const written = writeDataset(dir, expectedPath, scenario);
  process.stderr.write(`  ${(written.bytes / 2 ** 20).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s; ingesting...\n`);

  const result: Result = { read: 0, accepted: 0, quarantined: 0, misplaced: 0, byKind: new Map() };
  t = performance.now();
  let seconds = 0;
  const dbPath = join(tmp, `${scenario}.duckdb`);
  const db = await Database.open(dbPath);
  try {
    const report = await ingestDataset(db, dir, silentProgress);
    seconds = (performance.now() - t) / 1000;
    const p = report.tables.pickups!;
    result.read = p.read;
    result.accepted = p.accepted;
    result.quarantined = p.quarantined;
    const tableRows = await db.scalar(`SELECT count(*) FROM pickups`);
    const quarantineRows = await db.scalar(`SELECT count(*) FROM quarantine WHERE table_name = 'pickups'`);
    if (tableRows !== p.accepted || quarantineRows !== p.quarantined) {
      result.crash = `report says ${p.accepted} accepted, ${p.quarantined} quarantined; tables hold ${tableRows} and ${quarantineRows}`;
    }
    await db.run(
      `CREATE TEMP TABLE expected AS SELECT * FROM read_csv(${literal(expectedPath)}, header = true, auto_detect = false, delim = ',',
         columns = {'row': 'BIGINT', 'line': 'BIGINT', 'kind': 'INTEGER'})`,
    );
    // An entry is in its place when it names a malformed record's row and line and holds that record
    // (record i carries courier c<i>: "c<i>" in the JSON of checked records, ,c<i>, in raw text).
    await db.run(
      `CREATE TEMP TABLE placed AS SELECT e.kind FROM expected e
       JOIN (SELECT "row", line, record FROM quarantine WHERE table_name = 'pickups') q
         ON q."row" = e."row" AND q.line = e.line
        AND (contains(q.record, '"c' || e."row" || '"') OR regexp_matches(q.record, ',c' || e."row" || '(,|$)'))`,
    );
    const placed = await db.scalar(`SELECT count(*) FROM placed`);
    result.misplaced = written.injected - placed + (quarantineRows - placed);
    const found = await db.all<{ kind: number; n: number }>(`SELECT kind, count(*) AS n FROM placed GROUP BY kind`);
    for (const f of found) result.byKind.set(KINDS[f.kind], f.n);
    const others = await db.scalar(`SELECT count(*) FROM quarantine WHERE table_name <> 'pickups'`);
    if (others > 0) result.crash = `${others} records of the fixed tables quarantined`;
  } catch (err) {
    seconds = (performance.now() - t) / 1000;
    result.crash = (err as Error).message.split('\n')[0];
  } finally {
    db.close();
    if (!KEEP) {
      // Free the disk before the next scenario.
      rmSync(dir, { recursive: true, force: true });
      rmSync(dbPath, { force: true });
      rmSync(`${dbPath}.wal`, { force: true });
    }
  }
  const accounted =
    !result.crash &&
    result.read === written.rows &&
    result.read === result.accepted + result.quarantined &&
    result.quarantined === written.injected &&
    result.misplaced === 0;
  return { written, result, seconds, accounted };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'dragnet-fuzz-bench-'));
  const cleanup = () => {
    if (KEEP) process.stderr.write(`kept ${tmp}\n`);
    else rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  let failed = true;
  try {
    const runs: { scenario: Scenario; r: Awaited<ReturnType<typeof runScenario>> }[] = [];
    for (const scenario of SCENARIOS) runs.push({ scenario, r: await runScenario(tmp, scenario) });
    const cpu = cpus();
    const n = (x: number) => x.toLocaleString('en-US');
    console.log(`\nMachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; seed ${SEED}\n`);
    console.log('| file | rows written | malformed injected | read | accepted | quarantined | misplaced | crashes | every row accounted for | seconds |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|---|---:|');
    for (const { scenario, r } of runs) {
      console.log(
        `| ${scenario} | ${n(r.written.rows)} | ${n(r.written.injected)} | ${n(r.result.read)} | ${n(r.result.accepted)} | ${n(r.result.quarantined)} | ` +
          `${n(r.result.misplaced)} | ${r.result.crash ? r.result.crash.replaceAll('|', '\\|') : '0'} | ${r.accounted ? 'yes' : 'NO'} | ${r.seconds.toFixed(1)} |`,
      );
    }
    console.log(`\n| defect | ${runs.map((x) => `${x.scenario}: injected | quarantined in its place`).join(' | ')} |`);
    console.log(`|---|${runs.map(() => '---:|---:').join('|')}|`);
    for (const k of KINDS) {
      const cells = runs.map(({ r }) => {
        const injected = r.written.byKind.get(k) ?? 0;
        const found = r.result.byKind.get(k) ?? 0;
        return `${n(injected)} | ${n(found)}${found === injected ? '' : ' (!)'}`;
      });
      console.log(`| ${k} | ${cells.join(' | ')} |`);
    }
    failed = runs.some(({ r }) => !r.accounted);
  } finally {
    cleanup();
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
