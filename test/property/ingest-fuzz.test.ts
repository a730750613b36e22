/**
 * Property-based fuzzing of the ingest's text readers: generated malformed
 * pickups files (CSV and JSON Lines) against a small fixed dataset for the
 * other required tables. Each file is built from a list of records whose
 * defects are known, so that every run checks:
 *
 * - accounting: read = accepted + quarantined, in the report and in the
 *   `pickups` and `quarantine` tables, and read = the records written;
 * - placement: the quarantined (row, line) pairs are exactly the corrupted
 *   records' (row 1 = first record after the header, blank lines are not
 *   records; line = physical line, LF, CRLF and a lone CR each ending one);
 * - no loss: the accepted rows are exactly the clean records (by id, token
 *   and value), and every corrupted record's token is in its quarantine
 *   `record`, which holds the record's full text where the scanner
 *   rejected it.
 *
 * A run's dataset holds one pickups file or a folder of up to three (read as
 * their union; a duplicate may name a waybill of an earlier file). Files are
 * either tidy (one line end, no blank lines: DuckDB's direct read is tried
 * and must fall back exactly where a record calls for it) or messy (mixed
 * line ends, blank lines anywhere, BOM, headers over 64 KB, no final line
 * end). The defects found are pinned by small cases at the end of the file.
 *
 * DRAGNET_FUZZ_SEED and DRAGNET_FUZZ_RUNS override the fixed seed and the
 * number of runs, and DRAGNET_FUZZ_SKIP=kind,kind leaves record kinds out,
 * to fuzz longer locally.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ingestDataset, type IngestReport } from '../../src/ingest/ingest.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { withDatabase, writeDataset } from '../helpers/db.ts';

const SEED = process.env.DRAGNET_FUZZ_SEED ? Number(process.env.DRAGNET_FUZZ_SEED) : 20260311;
const RUNS = (n: number) => (process.env.DRAGNET_FUZZ_RUNS ? Number(process.env.DRAGNET_FUZZ_RUNS) : n);

// ---------------------------------------------------------------------------
// The fixed part of the dataset

const SELLERS = 'seller_id,shop_name\ns1,one\ns2,two\n';
const LISTINGS = 'listing_id,seller_id,price\nl1,s1,100\nl2,s2,50\n';

/** Shipments of the given waybills, so that pickups of them have a target. */
function shipments(ids: readonly string[]): string {
  return 'waybill_id,seller_id,listing_id\n' + ids.map((id, i) => `${id},s${1 + (i % 2)},l${1 + (i % 2)}\n`).join('');
}

// ---------------------------------------------------------------------------
// Records with known defects

type Eol = '\n' | '\r\n' | '\r';
const EOLS: readonly Eol[] = ['\n', '\r\n', '\r'];

/** What the reader must make of one generated record. */
interface Expected {
  /** The file's path in the dataset, filled in once the dataset is assembled. */
  file?: string;
  /** Record number (1 = first record after the header). */
  row: number;
  /** Physical line the record starts on, filled in once the file is assembled. */
  line: number;
  kind: string;
  id: string;
  /** Distinctive text (in courier_id) that must survive into the table or the quarantine. */
  token: string;
  bad: boolean;
  /** For accepted records: the city as it must arrive (after unquoting and trimming). */
  city?: string | null;
  /** For quarantined records: what the reason must say. */
  reason?: RegExp;
  /** For records the byte-level scanner rejects: their full text, as the quarantine must keep it. */
  text?: string;
}

interface Blank {
  pad: string;
  eol: Eol;
}

/** Generation parameters of one record; the builder turns them into bytes deterministically. */
interface RecordSpec {
  kind: string;
  eol: Eol;
  /** Blank lines before this record (content before the line end: '', spaces or a tab). */
  blanks: readonly Blank[];
  /** Chooses among a kind's variants. */
  pick: number;
}

interface FileSpec {
  bom: boolean;
  /** Blank lines before the header. */
  leadingBlanks: readonly Blank[];
  headerEol: Eol;
  /** none, or a header over 64 KB: one very long extra column name, or thousands of extra columns, before the contract's. */
  longHeader: 'none' | 'longName' | 'manyColumns';
  /** Whether the last record ends with a line end. */
  finalEol: boolean;
  /** Blank lines after the last record. */
  trailingBlanks: readonly Blank[];
  records: RecordSpec[];
}

const CSV_CLEAN = [
  'plain',
  'chinese',
  'commaInQuotes',
  'escapedQuotes',
  'multiline',
  'huge',
  'trailingComma',
  'twoTrailingCommas',
  'blankAfterQuote',
  'quotedId',
  'emptyCity',
  'timeVariants',
  'paddedNumbers',
] as const;
const CSV_BAD = [
  'unclosedQuote',
  'strayAfterQuote',
  'tooFew',
  'tooMany',
  'badLat',
  'outOfRange',
  'latOnly',
  'noCoords',
  'zeroZero',
  'badTime',
  'missingTime',
  'badUtf8',
  'nul',
  'duplicate',
  'dangling',
  'invisibleId',
  'missingId',
  'hugeUnclosed',
] as const;

const JSONL_CLEAN = ['plain', 'shuffled', 'stringNumbers', 'extraKey', 'escapes', 'huge', 'nullCity', 'padded', 'chinese', 'unicodeEscape'] as const;
const JSONL_BAD = [
  'notJson',
  'trailingGarbage',
  'array',
  'scalar',
  'missingTime',
  'nullTime',
  'badLat',
  'boolLat',
  'badTime',
  'badUtf8',
  'nul',
  'ctrl01',
  'duplicate',
  'dangling',
  'invisibleId',
  'latOnly',
] as const;

const noBlanks: fc.Arbitrary<readonly Blank[]> = fc.constant([]);
/** Blank lines: empty, or blanks only (which are blank lines too), ending as the file's lines do. */
const blanksArb = (eolArb: fc.Arbitrary<Eol>): fc.Arbitrary<readonly Blank[]> =>
  fc.oneof(
    { weight: 4, arbitrary: noBlanks },
    { weight: 1, arbitrary: fc.array(fc.record({ pad: fc.constantFrom('', ' ', '  ', '\t'), eol: eolArb }), { minLength: 1, maxLength: 3 }) },
  );

/** Kinds left out of the generators (DRAGNET_FUZZ_SKIP=kind,kind), to fuzz past a known failure locally. */
const SKIP = new Set((process.env.DRAGNET_FUZZ_SKIP ?? '').split(',').filter(Boolean));

function kindArb(clean: readonly string[], bad: readonly string[], badWeight: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...clean.filter((k) => !SKIP.has(k))) },
    { weight: badWeight, arbitrary: fc.constantFrom(...bad.filter((k) => !SKIP.has(k))) },
  );
}

/** A file's line ends: one style throughout (so some files take DuckDB's direct path) or mixed per line. */
const eolStyleArb = fc.oneof(
  fc.constantFrom(...EOLS).map((e) => fc.constant(e)),
  fc.constant(fc.constantFrom(...EOLS)),
);

/** Anything goes: mixed line ends, blank lines anywhere, long headers, BOMs, no final line end. */
function messyFileArb(clean: readonly string[], bad: readonly string[], csv: boolean): fc.Arbitrary<FileSpec> {
  return eolStyleArb.chain((eolArb) =>
    fc.record({
      bom: fc.boolean(),
      leadingBlanks: csv ? blanksArb(eolArb) : noBlanks,
      headerEol: eolArb,
      longHeader: csv
        ? fc.oneof({ weight: 8, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constantFrom('longName' as const, 'manyColumns' as const) })
        : fc.constant('none' as const),
      finalEol: fc.boolean(),
      trailingBlanks: blanksArb(eolArb),
      records: fc.array(fc.record({ kind: kindArb(clean, bad, 2), eol: eolArb, blanks: blanksArb(eolArb), pick: fc.nat(1000) }), { minLength: 1, maxLength: 14 }),
    }),
  );
}

/**
 * A file that is regular apart from its defects: one line end, no blank
 * lines, so that DuckDB's direct read is tried first and must fall back (or
 * not) exactly where the records call for it.
 */
function tidyFileArb(clean: readonly string[], bad: readonly string[], csv: boolean): fc.Arbitrary<FileSpec> {
  const small = (k: string) => !k.startsWith('huge');
  return fc.constantFrom(...EOLS).chain((eol) =>
    fc.record({
      bom: fc.boolean(),
      leadingBlanks: noBlanks,
      headerEol: fc.constant(eol),
      longHeader: csv
        ? fc.oneof({ weight: 6, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constant('longName' as const) })
        : fc.constant('none' as const),
      finalEol: fc.constant(true),
      trailingBlanks: noBlanks,
      records: fc.array(
        fc.record({ kind: kindArb(clean.filter(small), bad.filter(small), 1), eol: fc.constant(eol), blanks: noBlanks, pick: fc.nat(1000) }),
        { minLength: 1, maxLength: 14 },
      ),
    }),
  );
}

function fileArb(clean: readonly string[], bad: readonly string[], csv: boolean): fc.Arbitrary<FileSpec> {
  const any = fc.oneof({ weight: 2, arbitrary: messyFileArb(clean, bad, csv) }, { weight: 1, arbitrary: tidyFileArb(clean, bad, csv) });
  if (csv) return any;
  // A JSON Lines file with no object holding the required keys is refused as a whole (a missing column), by design:
  // each generated one holds a clean record.
  return any.map((spec) =>
    spec.records.some((r) => clean.includes(r.kind))
      ? spec
      : { ...spec, records: [...spec.records, { kind: 'plain', eol: spec.headerEol, blanks: [], pick: 0 }] },
  );
}

/** Line on which byte `offset` lies: 1 + the line ends before it (LF, CRLF and a lone CR each count once). */
function lineAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 0x0d) line++;
    else if (buf[i] === 0x0a && (i === 0 || buf[i - 1] !== 0x0d)) line++;
  }
  return line;
}

const CONTRACT_COLUMNS = ['waybill_id', 'courier_id', 'city', 'lng', 'lat', 'pickup_time'];
const TIMES = ['2026-01-10T23:00:00+08:00', '2026-01-10 23:30:00', '2026-01-11T01:00:00Z', '2026-01-10T22:00+08:00', '2026-01-10', '2026-01-10T23:00:00.125-05:30'];
const BAD_LATS = ['abc', '1_000', 'inf', 'NaN', '0x10', '25.4.1', '--1', '25,4'];
const BAD_TIMES = ['not-a-time', '2026-02-30T10:00:00', '2026-01-10T25:00:00', '10/01/2026', '2026-01-10T10:00:00+15:00', '2026-1-10', 'yesterday'];
const BAD_UTF8: readonly number[][] = [[0xff], [0xc3, 0x28], [0xe4, 0xb8], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xfe, 0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80]];
const INVISIBLE = ['\u200b', '\u00ad', '\ufeff', '\u2060', '\t'];

/** Quotes a CSV field (RFC 4180). */
const q = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** A field over 100 KB with commas, doubled quotes and line ends inside. */
function hugeText(n: number, pick: number): string {
  const unit = `blk${n}, "quoted" text ; 福州 `;
  const parts: string[] = [];
  let size = 0;
  let i = 0;
  while (size < 100 * 1024 + (pick % 7) * 4096) {
    parts.push(i % 97 === 96 ? `${unit}${EOLS[(pick + i) % 3]}` : unit);
    size += Buffer.byteLength(unit);
    i++;
  }
  return `huge${n} ${parts.join('')}end${n}`;
}

interface Built {
  bytes: Buffer;
  expected: Expected[];
  /** Waybill ids the shipments must hold for this file's records. */
  shipments: string[];
}

/** Builds a pickups CSV from a spec: bytes, and what must become of each record. */
function buildCsv(spec: FileSpec, f: number, cleanIds: string[]): Built {
  const extra =
    spec.longHeader === 'longName'
      ? [`x${'long_name_'.repeat(7000)}`]
      : spec.longHeader === 'manyColumns'
        ? Array.from({ length: 5200 }, (_, i) => `extra_${String(i).padStart(5, '0')}`)
        : [];
  const header = [...extra, ...CONTRACT_COLUMNS];
  const prefix = extra.map((_, i) => (i % 1000 === 0 ? 'x' : ''));
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    parts.push(buf);
    size += buf.length;
  };
  if (spec.bom) push(Buffer.from([0xef, 0xbb, 0xbf]));
  for (const b of spec.leadingBlanks) push(b.pad + b.eol);
  push(header.join(',') + spec.headerEol);
  const expected: Expected[] = [];
  const starts: number[] = [];
  spec.records.forEach((r, i) => {
    for (const b of r.blanks) push(b.pad + b.eol);
    const n = i + 1;
    const token = `tk${f}_${n}q`;
    let id = `w${f}_${n}`;
    const lat = `25.4${n % 10}`;
    const lng = `119.0${n % 10}`;
    let fields: (string | Buffer)[] = [id, token, `c${n}`, lng, lat, TIMES[r.pick % TIMES.length]];
    const e: Expected = { row: n, line: 0, kind: r.kind, id, token, bad: true };
    let city: string | null = `c${n}`;
    let trailer = '';
    let scanText = false;
    switch (r.kind) {
      case 'plain':
        break;
      case 'chinese':
        city = `福州市鼓楼区${n}号`;
        fields[2] = city;
        break;
      case 'commaInQuotes':
        city = `c, ${n}, 鼓楼`;
        fields[2] = q(city);
        break;
      case 'escapedQuotes':
        city = `say "hi" ${n} ""`;
        fields[2] = q(city);
        break;
      case 'multiline': {
        const breaks = 1 + (r.pick % 3);
        city = Array.from({ length: breaks + 1 }, (_, k) => `part${k}_${n}`).join(EOLS[r.pick % 3]);
        if (r.pick % 2 === 0) city = Array.from({ length: breaks + 1 }, (_, k) => `p${k}`).reduce((a, p, k) => a + (k ? EOLS[(r.pick + k) % 3] : '') + p, '') + `_${n}`;
        fields[2] = q(city);
        break;
      }
      case 'huge':
        city = hugeText(n, r.pick);
        fields[2] = q(city);
        break;
      case 'trailingComma':
        trailer = ',';
        break;
      case 'blankAfterQuote':
        fields[2] = `${q(city)}${' '.repeat(1 + (r.pick % 3))}`;
        break;
      case 'quotedId':
        fields[0] = q(id);
        fields[1] = q(token);
        break;
      case 'emptyCity':
        city = null;
        fields[2] = r.pick % 2 ? '' : '""';
        break;
      case 'timeVariants':
        fields[5] = r.pick % 2 ? q(TIMES[r.pick % TIMES.length]) : TIMES[(r.pick >> 1) % TIMES.length];
        break;
      case 'paddedNumbers':
        // Numbers with blanks around them: the casts take them.
        fields[3] = ` ${lng} `;
        fields[4] = ` ${lat}`;
        break;
      // --- defects the scanner must catch, keeping the record's text
      case 'unclosedQuote':
        fields[2] = `"open ${n}, never closed`;
        e.reason = /quote/;
        scanText = true;
        break;
      case 'hugeUnclosed':
        fields[2] = `"${hugeText(n, r.pick).replace(/[\r\n"]/g, ' ')}`;
        e.reason = /quote/;
        scanText = true;
        break;
      case 'strayAfterQuote':
        fields[2] = `${q(city)}${r.pick % 2 ? 'junk' : ' x'}`;
        e.reason = /quote/;
        scanText = true;
        break;
      case 'tooFew':
        fields = fields.slice(0, 2 + (r.pick % 4));
        e.reason = /columns/;
        scanText = true;
        break;
      case 'tooMany':
        fields.push(r.pick % 2 ? 'extra' : q('extra, more'));
        e.reason = /columns/;
        scanText = true;
        break;
      case 'twoTrailingCommas':
        // Empty fields past the header's hold nothing: read as one trailing comma is.
        trailer = ',,';
        break;
      case 'badUtf8': {
        const bytes = Buffer.from(BAD_UTF8[r.pick % BAD_UTF8.length]);
        const cityBytes = Buffer.concat([Buffer.from(`c${n}`), bytes, Buffer.from('z')]);
        fields[2] = r.pick % 2 ? cityBytes : Buffer.concat([Buffer.from('"'), cityBytes, Buffer.from('"')]);
        e.reason = /UTF-8/;
        scanText = true;
        break;
      }
      case 'nul':
        fields[2] = `c${n}\0z`;
        e.reason = /NUL/;
        scanText = true;
        break;
      // --- defects the checks must catch
      case 'badLat':
        fields[4] = BAD_LATS[r.pick % BAD_LATS.length];
        if (fields[4].includes(',')) fields[4] = q(fields[4] as string);
        e.reason = /not a number/;
        break;
      case 'outOfRange':
        if (r.pick % 2) fields[4] = r.pick % 4 === 1 ? '95.5' : '-90.01';
        else fields[3] = r.pick % 4 === 0 ? '181' : '-180.5';
        e.reason = /outside/;
        break;
      case 'latOnly':
        fields[r.pick % 2 ? 3 : 4] = '';
        e.reason = /together/;
        break;
      case 'noCoords':
        fields[3] = '';
        fields[4] = r.pick % 2 ? '' : '  ';
        e.reason = /no coordinates/;
        break;
      case 'zeroZero':
        fields[3] = '0';
        fields[4] = r.pick % 2 ? '0.0' : '-0';
        e.reason = /\(0, 0\)/;
        break;
      case 'badTime':
        fields[5] = BAD_TIMES[r.pick % BAD_TIMES.length];
        e.reason = /timestamp/;
        break;
      case 'missingTime':
        fields[5] = r.pick % 2 ? '' : '""';
        e.reason = /missing required/;
        break;
      case 'duplicate':
        if (cleanIds.length > 0) {
          id = cleanIds[r.pick % cleanIds.length];
          fields[0] = id;
          e.reason = /duplicate/;
        } else {
          id = `zz${f}_${n}`;
          fields[0] = id;
          e.reason = /dangling/;
        }
        break;
      case 'dangling':
        id = `zz${f}_${n}`;
        fields[0] = id;
        e.reason = /dangling/;
        break;
      case 'invisibleId':
        id = `w${f}_${n}${INVISIBLE[r.pick % INVISIBLE.length]}`;
        fields[0] = id.includes('\t') ? q(id) : id;
        e.reason = /invisible/;
        break;
      case 'missingId':
        id = '';
        fields[0] = r.pick % 2 ? '' : ' ';
        e.reason = /missing required/;
        break;
      default:
        throw new Error(`unknown kind ${r.kind}`);
    }
    e.id = id;
    e.bad = (CSV_BAD as readonly string[]).includes(r.kind);
    if (!e.bad) {
      e.city = city;
      cleanIds.push(id);
    }
    const body = Buffer.concat([...prefix, ...fields].flatMap((f, k) => [Buffer.from(k ? ',' : ''), typeof f === 'string' ? Buffer.from(f, 'utf8') : f]).concat(Buffer.from(trailer)));
    if (scanText) e.text = body.toString('latin1');
    starts.push(size);
    push(body);
    const last = i === spec.records.length - 1;
    if (!last || spec.finalEol || spec.trailingBlanks.length > 0) push(r.eol);
    expected.push(e);
  });
  for (const b of spec.trailingBlanks) push(b.pad + b.eol);
  const bytes = Buffer.concat(parts);
  starts.forEach((s, i) => (expected[i].line = lineAt(bytes, s)));
  return { bytes, expected, shipments: spec.records.map((_, i) => `w${f}_${i + 1}`) };
}

/** Builds a pickups JSON Lines file from a spec. */
function buildJsonl(spec: FileSpec, f: number, cleanIds: string[]): Built {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    parts.push(buf);
    size += buf.length;
  };
  if (spec.bom) push(Buffer.from([0xef, 0xbb, 0xbf]));
  const expected: Expected[] = [];
  const starts: number[] = [];
  spec.records.forEach((r, i) => {
    for (const b of r.blanks) push(b.pad + b.eol);
    const n = i + 1;
    const token = `tk${f}_${n}q`;
    let id = `w${f}_${n}`;
    const obj: Record<string, unknown> = {
      waybill_id: id,
      courier_id: token,
      city: `c${n}`,
      lng: 119 + (n % 10) / 100,
      lat: 25.4 + (n % 10) / 100,
      pickup_time: TIMES[r.pick % TIMES.length],
    };
    const e: Expected = { row: n, line: 0, kind: r.kind, id, token, bad: (JSONL_BAD as readonly string[]).includes(r.kind) };
    let body: Buffer | undefined;
    let scanText = false;
    let textExact = false;
    switch (r.kind) {
      case 'plain':
        break;
      case 'shuffled': {
        const keys = Object.keys(obj).sort((a, b) => ((a.charCodeAt(1) * (r.pick + 7)) % 13) - ((b.charCodeAt(1) * (r.pick + 7)) % 13));
        body = Buffer.from(JSON.stringify(Object.fromEntries(keys.map((k) => [k, obj[k]]))));
        break;
      }
      case 'stringNumbers':
        obj.lat = String(obj.lat);
        obj.lng = ` ${String(obj.lng)} `;
        break;
      case 'extraKey':
        obj.note = { nested: [1, 2, 3], s: 'x' };
        obj.aoi_type = null;
        break;
      case 'escapes':
        obj.city = `a\nb "q" \\ \t${n}`;
        break;
      case 'huge':
        obj.city = hugeText(n, r.pick);
        break;
      case 'nullCity':
        if (r.pick % 2) obj.city = null;
        else delete obj.city;
        break;
      case 'padded':
        body = Buffer.from(`${r.pick % 2 ? '  ' : '\t'}${JSON.stringify(obj)} `);
        break;
      case 'chinese':
        obj.city = `福州市鼓楼区${n}号`;
        break;
      case 'unicodeEscape':
        obj.city = `福州${n}`;
        body = Buffer.from(JSON.stringify(obj).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
        break;
      // --- lines that are not JSON objects
      case 'notJson':
        body = Buffer.from(JSON.stringify(obj).slice(0, -1 - (r.pick % 5)));
        e.reason = /not a JSON object/;
        textExact = true;
        break;
      case 'trailingGarbage':
        body = Buffer.from(`${JSON.stringify(obj)} x`);
        e.reason = /not a JSON object/;
        textExact = true;
        break;
      case 'array':
        body = Buffer.from(JSON.stringify(Object.values(obj)));
        e.reason = /not a JSON object/;
        textExact = true;
        break;
      case 'scalar':
        // A JSON value that is not an object: a string holding the token, or null or a number (their own text is the token).
        body = Buffer.from([JSON.stringify(`${id} ${token}`), 'null', `${n}.5`, 'true'][r.pick % 4]);
        if (r.pick % 4 !== 0) e.token = body.toString();
        e.reason = /not a JSON object/;
        textExact = true;
        break;
      // --- defects the checks must catch
      case 'missingTime':
        delete obj.pickup_time;
        e.reason = /missing required/;
        break;
      case 'nullTime':
        obj.pickup_time = r.pick % 2 ? null : '';
        e.reason = /missing required/;
        break;
      case 'badLat':
        obj.lat = BAD_LATS[r.pick % BAD_LATS.length];
        e.reason = /not a number/;
        break;
      case 'boolLat':
        obj.lat = r.pick % 2 ? true : { v: 1 };
        e.reason = /not a number/;
        break;
      case 'badTime':
        obj.pickup_time = BAD_TIMES[r.pick % BAD_TIMES.length];
        e.reason = /timestamp/;
        break;
      case 'latOnly':
        obj.lng = null;
        e.reason = /together/;
        break;
      case 'duplicate':
        if (cleanIds.length > 0) {
          id = cleanIds[r.pick % cleanIds.length];
          e.reason = /duplicate/;
        } else {
          id = `zz${f}_${n}`;
          e.reason = /dangling/;
        }
        obj.waybill_id = id;
        break;
      case 'dangling':
        id = `zz${f}_${n}`;
        obj.waybill_id = id;
        e.reason = /dangling/;
        break;
      case 'invisibleId':
        id = `w${f}_${n}${INVISIBLE[r.pick % INVISIBLE.length]}`;
        obj.waybill_id = id;
        e.reason = /invisible/;
        break;
      // --- bytes the scanner must catch
      case 'badUtf8': {
        const [a, b] = JSON.stringify(obj).split(`"c${n}"`);
        body = Buffer.concat([Buffer.from(`${a}"c${n}`), Buffer.from(BAD_UTF8[r.pick % BAD_UTF8.length]), Buffer.from(`"${b}`)]);
        e.reason = /UTF-8/;
        scanText = true;
        break;
      }
      case 'nul':
        body = Buffer.from(JSON.stringify(obj).replace(`"c${n}"`, `"c${n}\0"`));
        e.reason = /NUL/;
        scanText = true;
        break;
      case 'ctrl01':
        body = Buffer.from(JSON.stringify(obj).replace(`"c${n}"`, `"c${n}\x01"`));
        e.reason = /control character|not a JSON object/;
        scanText = true;
        break;
      default:
        throw new Error(`unknown kind ${r.kind}`);
    }
    e.id = id;
    if (!e.bad) {
      e.city = obj.city == null ? null : String(obj.city).trim() || null;
      cleanIds.push(id);
    }
    body ??= Buffer.from(JSON.stringify(obj));
    if (scanText || textExact) e.text = body.toString('latin1');
    starts.push(size);
    push(body);
    const last = i === spec.records.length - 1;
    if (!last || spec.finalEol || spec.trailingBlanks.length > 0) push(r.eol);
    expected.push(e);
  });
  for (const b of spec.trailingBlanks) push(b.pad + b.eol);
  const bytes = Buffer.concat(parts);
  starts.forEach((s, i) => (expected[i].line = lineAt(bytes, s)));
  return { bytes, expected, shipments: spec.records.map((_, i) => `w${f}_${i + 1}`) };
}

// ---------------------------------------------------------------------------
// Running the ingest and checking the outcome

interface QRow {
  table_name: string;
  file: string;
  row: number;
  line: number;
  column: string | null;
  reason: string;
  record: string;
}

interface Outcome {
  report: IngestReport;
  quarantine: QRow[];
  accepted: { waybill_id: string; courier_id: string; city: string | null }[];
  pickupsCount: number;
}

/** The pickups files of one dataset: one file, or a folder of up to three read as their union. */
interface BuiltDataset {
  files: Record<string, Buffer>;
  expected: Expected[];
  shipments: string[];
}

function buildDataset(specs: readonly FileSpec[], format: 'csv' | 'jsonl'): BuiltDataset {
  const cleanIds: string[] = [];
  const files: Record<string, Buffer> = {};
  const expected: Expected[] = [];
  const shipments: string[] = [];
  specs.forEach((spec, f) => {
    const built = format === 'csv' ? buildCsv(spec, f, cleanIds) : buildJsonl(spec, f, cleanIds);
    const name = specs.length === 1 ? `pickups.${format}` : `pickups/part-${f}.${format}`;
    files[name] = built.bytes;
    for (const e of built.expected) expected.push({ ...e, file: name });
    shipments.push(...built.shipments);
  });
  return { files, expected, shipments };
}

async function ingestPickups(built: BuiltDataset): Promise<Outcome> {
  const dir = writeDataset({ 'sellers.csv': SELLERS, 'listings.csv': LISTINGS, 'shipments.csv': shipments(built.shipments), ...built.files });
  return withDatabase(async (db) => {
    const report = await ingestDataset(db, dir, silentProgress);
    const quarantine = await db.all<QRow>(`SELECT table_name, file, "row", line, "column", reason, record FROM quarantine ORDER BY table_name, file, "row"`);
    const accepted = await db.all<Outcome['accepted'][number]>(`SELECT waybill_id, courier_id, city FROM pickups`);
    const pickupsCount = await db.scalar(`SELECT count(*) FROM pickups`);
    return { report, quarantine, accepted, pickupsCount };
  });
}

/** The bytes a quarantine record stands for: its UTF-8, with \\xNN escapes (bytes that were not UTF-8) turned back into bytes. */
const bytesOf = (record: string) =>
  Buffer.concat(record.split(/(\\x[0-9a-f]{2})/).map((part) => (/^\\x[0-9a-f]{2}$/.test(part) ? Buffer.from([parseInt(part.slice(2), 16)]) : Buffer.from(part, 'utf8'))));

const show = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 120)}...(${s.length} chars)...${s.slice(-60)}` : s);

/** Every check of the module comment, for one generated dataset. */
function checkOutcome(expected: readonly Expected[], out: Outcome): void {
  const t = out.report.tables.pickups!;
  const bad = expected.filter((e) => e.bad);
  const clean = expected.filter((e) => !e.bad);
  const q = out.quarantine.filter((r) => r.table_name === 'pickups');
  const at = (r: { file?: string; row: number; line: number }) => `${r.file}:${Number(r.row)}/${Number(r.line)}`;
  const describeRun = () =>
    `expected bad: ${bad.map((e) => `${e.kind}@${at(e)}`).join(' ')}\n` +
    `quarantined:\n  ${q.map((r) => `${at(r)} ${r.column}: ${show(r.reason)} ${show(r.record)}`).join('\n  ')}`;

  // Nothing else was quarantined: the fixed tables are clean.
  expect(out.quarantine.filter((r) => r.table_name !== 'pickups'), 'quarantine outside pickups').toEqual([]);
  // Accounting, from the report and from the tables: every record written was read, and went one way.
  expect({ read: t.read, accepted: t.accepted, quarantined: t.quarantined }, describeRun()).toEqual({
    read: expected.length,
    accepted: clean.length,
    quarantined: bad.length,
  });
  expect(out.pickupsCount, 'rows in pickups').toBe(t.accepted);
  expect(q.length, 'rows in quarantine').toBe(t.quarantined);
  // The quarantine names exactly the corrupted records (file, row, line), each once.
  expect(q.map(at).sort(), describeRun()).toEqual(bad.map(at).sort());
  // Accepted rows are exactly the clean records, with their values intact.
  const key = (id: string, token: string) => `${id}|${token}`;
  expect(out.accepted.map((a) => key(a.waybill_id, a.courier_id)).sort(), describeRun()).toEqual(clean.map((e) => key(e.id, e.token)).sort());
  for (const e of clean) {
    const got = out.accepted.find((a) => a.waybill_id === e.id && a.courier_id === e.token)!;
    expect(got.city === null ? null : show(got.city), `city of ${e.kind} record ${at(e)}`).toBe(e.city == null ? null : show(e.city));
    expect(got.city, `city of ${e.kind} record ${at(e)}`).toBe(e.city ?? null);
  }
  // No corrupted record's text is lost, and its reason says what is wrong.
  for (const e of bad) {
    const row = q.find((r) => r.file === e.file && Number(r.row) === e.row)!;
    expect(row.record, `record of ${e.kind} record ${at(e)}`).toContain(e.token);
    if (e.text !== undefined) expect(show(bytesOf(row.record).toString('latin1')), `full text of ${e.kind} record ${at(e)}`).toBe(show(e.text));
    if (e.reason) expect(row.reason, `reason of ${e.kind} record ${at(e)}`).toMatch(e.reason);
  }
}

/** One to three files (a folder of parts when more than one; duplicates may cross files). */
const datasetArb = (clean: readonly string[], bad: readonly string[], csv: boolean) =>
  fc.array(fileArb(clean, bad, csv), { minLength: 1, maxLength: 3 });

describe('ingest fuzzing: every record read is accepted or quarantined, at its row and line, text intact', () => {
  it('CSV pickups: broken quotes, mixed line ends, blank lines, wrong counts, types and bytes, huge fields and headers, BOMs', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb(CSV_CLEAN, CSV_BAD, true), async (specs) => {
        const built = buildDataset(specs, 'csv');
        checkOutcome(built.expected, await ingestPickups(built));
      }),
      { numRuns: RUNS(25), seed: SEED, interruptAfterTimeLimit: 300_000 },
    );
  });

  it('JSON Lines pickups: lines that are not JSON objects, missing keys, bad bytes, mixed line ends, blank lines', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb(JSONL_CLEAN, JSONL_BAD, false), async (specs) => {
        const built = buildDataset(specs, 'jsonl');
        checkOutcome(built.expected, await ingestPickups(built));
      }),
      { numRuns: RUNS(15), seed: SEED + 1, interruptAfterTimeLimit: 300_000 },
    );
  });
});

/**
 * Defects the fuzzing found, one small case each (the generators above hit
 * them too, with larger files).
 */
describe('ingest fuzzing: defects found', () => {
  const HEADER = 'waybill_id,courier_id,city,lng,lat,pickup_time';
  const rec = (n: number, tail = '') => `w${n},k${n},c${n},119.01,25.41,2026-01-10T23:00:00+08:00${tail}`;
  const run = (files: Record<string, string>, ids = ['w1', 'w2', 'w3']) =>
    ingestPickups({ files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])), expected: [], shipments: ids });

  it('empty fields past the header (trailing commas) hold nothing and are read alike in regular and irregular files', async () => {
    for (const tail of [',,', ',,,,', ',""']) {
      const regular = await run({ 'pickups.csv': [HEADER, rec(1, tail), rec(2)].join('\n') + '\n' });
      const irregular = await run({ 'pickups.csv': [HEADER, rec(1, tail), '', rec(2)].join('\n') + '\n' });
      const counts = (o: Outcome) => [o.report.tables.pickups!.accepted, o.report.tables.pickups!.quarantined];
      expect(counts(irregular), `tail ${tail}, irregular file`).toEqual([2, 0]);
      expect(counts(regular), `tail ${tail}, regular file`).toEqual([2, 0]);
    }
    // A field past the header that holds something is refused in both.
    for (const file of [[HEADER, rec(1, ',x'), rec(2)], [HEADER, rec(1, ',x'), '', rec(2)]]) {
      const out = await run({ 'pickups.csv': file.join('\n') + '\n' });
      expect(out.quarantine).toHaveLength(1);
      expect(out.quarantine[0]).toMatchObject({ row: 1, line: 2 });
      expect(out.quarantine[0].reason).toMatch(/7 columns where the header has 6/);
    }
  });

  it('a line of blanks in a regular JSON Lines file is a blank line, not a record, as in an irregular one', async () => {
    const line = (n: number) => JSON.stringify({ waybill_id: `w${n}`, courier_id: `k${n}`, lng: 119.01, lat: 25.41, pickup_time: '2026-01-10' });
    for (const blank of ['   ', '\t']) {
      for (const eol of ['\n', '\r\n']) {
        const out = await run({ 'pickups.jsonl': [line(1), blank, line(2), line(3)].join(eol) + eol });
        expect(out.report.tables.pickups, `blank ${JSON.stringify(blank)}, eol ${JSON.stringify(eol)}`).toMatchObject({ read: 3, accepted: 3, quarantined: 0 });
      }
    }
    // The same line in a file that is irregular anyway (an empty line too) is skipped, as it should be.
    const irregular = await run({ 'pickups.jsonl': [line(1), '   ', '', line(2), line(3)].join('\n') + '\n' });
    expect(irregular.report.tables.pickups).toMatchObject({ read: 3, accepted: 3, quarantined: 0 });
  });

  it('a column named _row or _line (an extra column, which the contract allows) costs no record when the file is irregular', async () => {
    for (const extra of ['_row', '_line']) {
      const out = await run({
        'pickups.csv': [`${extra},${HEADER}`, `0,${rec(1)}`, '', `1,${rec(2).replace('2026-01-10T23:00:00+08:00', 'bad-time')}`, `2,${rec(3)}`].join('\n') + '\n',
      });
      expect(out.report.tables.pickups, `extra column ${extra}`).toMatchObject({ read: 3, accepted: 2, quarantined: 1 });
      expect(out.quarantine.map((q) => [q.row, q.line, q.column])).toEqual([[2, 4, 'pickup_time']]);
    }
  });

  it('a cell of blanks in an optional number column is an empty cell (unknown), not "not a number"', async () => {
    const out = await withDatabase(async (db) => {
      const dir = writeDataset({
        'sellers.csv': SELLERS,
        'listings.csv': LISTINGS,
        'shipments.csv': 'waybill_id,seller_id,weight_kg,amount\nw1,s1,   ,1.5\nw2,s1,2.5, \n',
        'pickups.csv': `${HEADER}\n${rec(1)}\nw2,k2,c2,  ,  ,2026-01-10\n`,
      });
      const report = await ingestDataset(db, dir, silentProgress);
      const quarantine = await db.all<QRow>(`SELECT table_name, file, "row", line, "column", reason, record FROM quarantine ORDER BY table_name, "row"`);
      return { report, quarantine };
    });
    expect(out.report.tables.shipments).toMatchObject({ read: 2, accepted: 2, quarantined: 0 });
    // Both coordinates blank: no coordinates at all, not a malformed number.
    expect(out.quarantine.map((q) => [q.table_name, q.row, q.reason])).toEqual([['pickups', 2, expect.stringMatching(/no coordinates/)]]);
  });

  it('a large regular file (read by DuckDB directly) keeps file order: quarantined rows name their own row and line, the first of a duplicate pair stays', async () => {
    // Past a few MB DuckDB reads the file in parallel, and the reference check (a hash join on shipments) may reorder
    // the records, while row numbers and "the earlier of two duplicates" are taken from insertion order (rowid).
    const n = 300_000;
    const dup = 290_001;
    const lines = [HEADER];
    for (let i = 1; i <= n; i++) {
      const time = i % 1000 === 0 ? 'bad-time' : '2026-01-10T23:00:00+08:00';
      lines.push(`w${i === dup ? 10 : i},k${i},c,119.0${i % 10},25.4${i % 7},${time}`);
    }
    const ids = Array.from({ length: n }, (_, i) => `w${i + 1}`);
    const out = await run({ 'pickups.csv': lines.join('\n') + '\n' }, ids);
    expect(out.report.tables.pickups).toMatchObject({ read: n, accepted: n - n / 1000 - 1, quarantined: n / 1000 + 1 });
    const wrong = out.quarantine.filter((q) => Number(q.line) !== Number(q.row) + 1 || !q.record.includes(`k${q.row},`) && !q.record.includes(`"k${q.row}"`));
    expect(wrong.length, `quarantined at another record's row, e.g. ${JSON.stringify(wrong.slice(0, 2))}`).toBe(0);
    expect(out.quarantine.map((q) => Number(q.row)).sort((a, b) => a - b)).toEqual(
      [...Array.from({ length: n / 1000 }, (_, i) => (i + 1) * 1000), dup].sort((a, b) => a - b),
    );
    expect(out.accepted.find((a) => a.waybill_id === 'w10')?.courier_id, 'the first w10 (record 10) is kept').toBe('k10');
  });

  it('a tab after a closing quote is read as blanks after it are, or refused by the scanner with its own reason', async () => {
    const out = await run({ 'pickups.csv': [HEADER, rec(1).replace(',c1,', ',"c1"\t,'), rec(2)].join('\n') + '\n' });
    const t = out.report.tables.pickups!;
    expect(t.read).toBe(2);
    if (t.quarantined === 0) {
      expect(out.accepted.find((a) => a.waybill_id === 'w1')?.city).toBe('c1');
    } else {
      // Not DuckDB's 'Value with unterminated quote found': the quote is terminated.
      expect(out.quarantine[0]).toMatchObject({ row: 1, line: 2, column: 'city' });
      expect(out.quarantine[0].reason).toMatch(/after a closing quote/);
    }
  });
});
