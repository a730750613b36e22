/**
 * `dragnet import lade-p`: a LaDe-P pickup export (Cainiao's public layout,
 * times without a year, coordinates of an unnamed system) becomes the
 * contract's pickups table plus dataset.json; every record read is either
 * written or quarantined with its row, line, column and reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { columnNames } from '../../src/contract/dataset.ts';
import { Database } from '../../src/engine/database.ts';
import { UserError } from '../../src/errors.ts';
import { importLadeP, PICKUPS_FROM_LADE_P, type LadePImportOptions } from '../../src/import/lade-p.ts';
import { parseCrs, parseYear } from '../../src/cli/import.ts';
import { tempDir, writeDataset } from '../helpers/db.ts';

/** The shared fixture is LaDe-P as published; the copy kept with the tests lets them run without shared/. */
const SHARED = join(import.meta.dirname, '../../../shared/fixtures/lade-p-sample.csv');
const FIXTURE = join(import.meta.dirname, '../fixtures/lade-p-sample.csv');
const CLI = resolve(import.meta.dirname, '../../bin/dragnet.js');

const HEADER =
  'order_id,region_id,city,courier_id,accept_time,time_window_start,time_window_end,lng,lat,aoi_id,aoi_type,' +
  'pickup_time,pickup_gps_time,pickup_gps_lng,pickup_gps_lat,accept_gps_time,accept_gps_lng,accept_gps_lat,ds';

type Row = Record<string, string>;

function readCsv(path: string): Row[] {
  return parse(readFileSync(path), { columns: true }) as Row[];
}

function dragnet(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

async function importInto(files: string[], extra: Partial<LadePImportOptions> = {}) {
  const out = join(tempDir(), 'dataset');
  const summary = await importLadeP({ files, out, year: 2026, crs: 'GCJ-02', ...extra });
  return { out, summary };
}

/** A LaDe-P row with the given fields changed. */
function row(fields: Partial<Record<string, string>>): string {
  const base: Record<string, string> = {
    order_id: '100',
    region_id: '49',
    city: 'Chongqing',
    courier_id: '4440',
    accept_time: '08-14 07:57:00',
    time_window_start: '08-14 09:00:00',
    time_window_end: '08-14 11:00:00',
    lng: '106.46877',
    lat: '29.47204',
    aoi_id: '18906',
    aoi_type: '13',
    pickup_time: '08-14 09:38:00',
    pickup_gps_time: '',
    pickup_gps_lng: '',
    pickup_gps_lat: '',
    accept_gps_time: '',
    accept_gps_lng: '',
    accept_gps_lat: '',
    ds: '0814',
  };
  return HEADER.split(',').map((c) => fields[c] ?? base[c]).join(',');
}

describe.runIf(existsSync(SHARED))('the kept copy of the LaDe-P fixture', () => {
  it("is the same as shared/'s", () => {
    expect(readFileSync(FIXTURE, 'utf8')).toBe(readFileSync(SHARED, 'utf8'));
  });
});

describe('import lade-p', () => {
  it('maps onto exactly the columns of the contract', () => {
    expect(PICKUPS_FROM_LADE_P.map((c) => c.pickups)).toEqual(columnNames('pickups'));
  });

  it('converts the published sample: ISO local times with the year, empty GPS as empty, a manifest', async () => {
    const { out, summary } = await importInto([FIXTURE]);
    expect(summary).toMatchObject({ read: 6, written: 6, quarantined: 0 });

    const text = readFileSync(join(out, 'pickups.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe(columnNames('pickups').join(','));
    const rows = readCsv(join(out, 'pickups.csv'));
    expect(rows.map((r) => r.waybill_id)).toEqual(['2722331', '1636374', '5144514', '4302733', '3796695', '2553879']);
    expect(rows[0]).toEqual({
      waybill_id: '2722331',
      courier_id: '4440',
      region_id: '49',
      city: 'Chongqing',
      aoi_id: '18906',
      aoi_type: '13',
      lng: '106.46877',
      lat: '29.47204',
      accept_time: '2026-08-14T07:57:00',
      pickup_time: '2026-08-14T09:38:00',
      pickup_gps_time: '',
      pickup_gps_lng: '',
      pickup_gps_lat: '',
    });
    expect(rows[2]).toMatchObject({
      waybill_id: '5144514',
      pickup_time: '2026-10-09T15:53:00',
      pickup_gps_time: '2026-10-09T15:53:00',
      pickup_gps_lng: '106.46821',
      pickup_gps_lat: '29.46771',
    });
    expect(rows[4]).toMatchObject({ lat: '29.47228', pickup_gps_lat: '29.4727' });

    expect(JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'))).toEqual({
      name: 'dataset',
      crs: 'GCJ-02',
      timezone: 'Asia/Shanghai',
    });
    expect(readFileSync(join(out, 'import-quarantine.csv'), 'utf8')).toBe('file,row,line,column,reason,record\n');
    expect(summary.firstPickup).toBe('2026-05-19T09:56:00');
    expect(summary.lastPickup).toBe('2026-10-09T15:53:00');
  });

  it('writes Parquet with numbers as numbers', async () => {
    const { out, summary } = await importInto([FIXTURE], { format: 'parquet', timezone: 'Asia/Shanghai' });
    expect(summary.written).toBe(6);
    const db = await Database.open(':memory:');
    try {
      const path = join(out, 'pickups.parquet').replaceAll("'", "''");
      const rows = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet('${path}')`);
      expect(Object.keys(rows[0])).toEqual(columnNames('pickups'));
      expect(rows[0]).toMatchObject({ waybill_id: '2722331', lng: 106.46877, pickup_time: '2026-08-14T09:38:00', pickup_gps_lng: null });
    } finally {
      db.close();
    }
  });

  it('quarantines each bad row with its row, line, column and reason: read = written + quarantined', async () => {
    const lines = [
      HEADER,
      row({ order_id: '1' }), // row 1: good
      row({ order_id: '' }), // row 2
      row({ order_id: '3', pickup_time: '13-45 99:00:00' }), // row 3
      row({ order_id: '4', pickup_time: '02-30 10:00:00', ds: '0230' }), // row 4
      row({ order_id: '5', ds: '0815' }), // row 5
      row({ order_id: '6', lng: 'abc' }), // row 6
      `${row({ order_id: '7' })},extra`, // row 7: 20 fields
      '8,49,Chongqing,4440', // row 8: 4 fields
      row({ order_id: '9', pickup_time: '08-14 09:38:00\u200b' }), // row 9: an invisible character
      row({ order_id: '10', lng: '', lat: '' }), // row 10: no coordinates at all
      row({ order_id: '11', lat: '', pickup_gps_time: '08-14 09:38:00', pickup_gps_lng: '106.4', pickup_gps_lat: '29.4' }), // row 11
      row({ order_id: '12', accept_time: 'yesterday' }), // row 12
      row({ order_id: '13', lat: '95' }), // row 13
      row({ order_id: '14', lng: '', lat: '', pickup_gps_time: '08-14 09:38:00', pickup_gps_lng: '106.4', pickup_gps_lat: '29.4' }), // row 14: good (GPS only)
      row({ order_id: '15', ds: '814', accept_time: '08-13 23:59:00' }), // row 15: good (ds without its leading zero)
      row({ order_id: '16', pickup_gps_time: '08-14 09:38:00', pickup_gps_lng: 'nan', pickup_gps_lat: '29.4' }), // row 16
      row({ order_id: '17', lat: '29_472' }), // row 17
    ];
    const dir = writeDataset({ 'pickup_cq.csv': `${lines.join('\n')}\n` });
    const { out, summary } = await importInto([join(dir, 'pickup_cq.csv')]);
    expect(summary).toMatchObject({ read: 17, written: 3, quarantined: 14, rejectedByReader: 2 });
    expect(summary.read).toBe(summary.written + summary.quarantined);
    expect(readCsv(join(out, 'pickups.csv')).map((r) => r.waybill_id)).toEqual(['1', '14', '15']);

    const q = readCsv(join(out, 'import-quarantine.csv'));
    expect(q.map((r) => [r.file, r.row, r.line, r.column])).toEqual([
      ['pickup_cq.csv', '2', '3', 'order_id'],
      ['pickup_cq.csv', '3', '4', 'pickup_time'],
      ['pickup_cq.csv', '4', '5', 'pickup_time'],
      ['pickup_cq.csv', '5', '6', 'ds'],
      ['pickup_cq.csv', '6', '7', 'lng'],
      ['pickup_cq.csv', '7', '8', ''],
      ['pickup_cq.csv', '8', '9', ''],
      ['pickup_cq.csv', '9', '10', 'pickup_time'],
      ['pickup_cq.csv', '10', '11', 'lng'],
      ['pickup_cq.csv', '11', '12', 'lat'],
      ['pickup_cq.csv', '12', '13', 'accept_time'],
      ['pickup_cq.csv', '13', '14', 'lat'],
      ['pickup_cq.csv', '16', '17', 'pickup_gps_lng'],
      ['pickup_cq.csv', '17', '18', 'lat'],
    ]);
    const reasons = q.map((r) => r.reason);
    expect(reasons[0]).toBe('missing order_id');
    expect(reasons[1]).toBe('no such date and time in 2026: 13-45 99:00:00');
    expect(reasons[2]).toBe('no such date and time in 2026: 02-30 10:00:00');
    expect(reasons[3]).toBe('ds is not the day of pickup_time (0814): 0815');
    expect(reasons[4]).toBe('not a number: abc');
    expect(reasons[5]).toMatch(/^wrong number of fields: .*19.*20/);
    expect(reasons[6]).toMatch(/^wrong number of fields: .*19.*4/);
    expect(reasons[7]).toBe('not a time MM-DD HH:MM:SS: 08-14 09:38:00\\u200b');
    expect(reasons[8]).toMatch(/^no coordinates/);
    expect(reasons[9]).toBe('lng and lat must be given together');
    expect(reasons[10]).toBe('not a time MM-DD HH:MM:SS: yesterday');
    expect(reasons[11]).toBe('outside [-90, 90]: 95');
    expect(reasons[12]).toBe('not a number: nan');
    expect(reasons[13]).toBe('not a number: 29_472');
    // The record as it was in the file.
    expect(q[1].record).toBe(lines[3]);
    expect(q[5].record).toBe(lines[7]);
    expect(q[6].record).toBe('8,49,Chongqing,4440');
    expect(q[7].record).toBe(lines[9]);
  });

  it('counts rows and lines apart where empty lines and quoted line breaks make them differ', async () => {
    const lines = [
      HEADER,
      row({ order_id: '1' }), // line 2, row 1
      '', // line 3
      row({ order_id: '2', city: '"Chong\nqing"' }), // lines 4-5, row 2: good
      row({ order_id: '3', pickup_time: 'soon' }), // line 6, row 3
      '', // line 7
      '4,49,"Chong\nqing",4440', // lines 8-9, row 4: 4 fields
      row({ order_id: '5', lng: 'x' }), // line 10, row 5
      row({ order_id: '6' }), // line 11, row 6: good
      '',
    ];
    const dir = writeDataset({ 'crlf.csv': `${lines.join('\r\n')}\r\n` });
    const { out, summary } = await importInto([join(dir, 'crlf.csv')]);
    expect(summary).toMatchObject({ read: 6, written: 3, quarantined: 3 });
    const written = readCsv(join(out, 'pickups.csv'));
    expect(written.map((r) => r.waybill_id)).toEqual(['1', '2', '6']);
    expect(written[1].city).toBe('Chong\nqing');
    const q = readCsv(join(out, 'import-quarantine.csv'));
    expect(q.map((r) => [r.row, r.line, r.column])).toEqual([
      ['3', '6', 'pickup_time'],
      ['4', '8', ''],
      ['5', '10', 'lng'],
    ]);
  });

  it('gives every row the --year, so 02-29 exists only in leap years', async () => {
    const dir = writeDataset({ 'leap.csv': `${HEADER}\n${row({ pickup_time: '02-29 10:00:00', accept_time: '02-29 08:00:00', ds: '0229' })}\n` });
    const leap = await importInto([join(dir, 'leap.csv')], { year: 2024 });
    expect(leap.summary).toMatchObject({ written: 1, quarantined: 0 });
    expect(readCsv(join(leap.out, 'pickups.csv'))[0].pickup_time).toBe('2024-02-29T10:00:00');
    const plain = await importInto([join(dir, 'leap.csv')], { year: 2026 });
    expect(plain.summary).toMatchObject({ written: 0, quarantined: 1 });
    expect(readCsv(join(plain.out, 'import-quarantine.csv'))[0].reason).toBe('no such date and time in 2026: 02-29 08:00:00');
  });

  it('reads several files as one table, numbering rows per file', async () => {
    const dir = writeDataset({ 'b.csv': `${HEADER}\n${row({ order_id: 'b1' })}\n${row({ order_id: '' })}\n` });
    const { out, summary } = await importInto([FIXTURE, join(dir, 'b.csv')]);
    expect(summary).toMatchObject({ read: 8, written: 7, quarantined: 1 });
    expect(summary.files.map((f) => [f.file, f.read])).toEqual([['lade-p-sample.csv', 6], ['b.csv', 2]]);
    const rows = readCsv(join(out, 'pickups.csv'));
    expect(rows).toHaveLength(7);
    expect(rows[6].waybill_id).toBe('b1');
    expect(readCsv(join(out, 'import-quarantine.csv')).map((r) => [r.file, r.row])).toEqual([['b.csv', '2']]);
  });

  it('refuses a file without the columns it needs, naming the file and the columns', async () => {
    const dir = writeDataset({ 'x.csv': 'id,time,lng\n1,08-14 09:38:00,106.4\n' });
    const attempt = importInto([join(dir, 'x.csv')]);
    await expect(attempt).rejects.toThrow(UserError);
    await expect(attempt).rejects.toThrow(/x\.csv is not a LaDe-P pickup file: it has no column order_id, pickup_time, lng and lat \(or pickup_gps_lng and pickup_gps_lat\)/);
  });

  it('merges into an existing manifest and refuses one that says another crs or time zone', async () => {
    const dataset = writeDataset({ 'dataset.json': JSON.stringify({ name: 'cq', currency: 'CNY', crs: 'GCJ-02' }) });
    await importLadeP({ files: [FIXTURE], out: dataset, year: 2026, crs: 'GCJ-02' });
    expect(JSON.parse(readFileSync(join(dataset, 'dataset.json'), 'utf8'))).toEqual({
      name: 'cq',
      currency: 'CNY',
      crs: 'GCJ-02',
      timezone: 'Asia/Shanghai',
    });
    // A second import over the first needs --overwrite.
    await expect(importLadeP({ files: [FIXTURE], out: dataset, year: 2026, crs: 'GCJ-02' })).rejects.toThrow(/--overwrite/);
    await importLadeP({ files: [FIXTURE], out: dataset, year: 2026, crs: 'GCJ-02', overwrite: true });
    await expect(importLadeP({ files: [FIXTURE], out: dataset, year: 2026, crs: 'WGS84', overwrite: true })).rejects.toThrow(
      /says crs "GCJ-02", but the import would write --crs WGS84/,
    );
    await expect(
      importLadeP({ files: [FIXTURE], out: dataset, year: 2026, crs: 'GCJ-02', timezone: 'Europe/Berlin', overwrite: true }),
    ).rejects.toThrow(/says timezone "Asia\/Shanghai"/);
    // Tables already there under no manifest are WGS84 by the contract's default.
    const bare = writeDataset({ 'sellers.csv': 'seller_id\ns1\n' });
    await expect(importLadeP({ files: [FIXTURE], out: bare, year: 2026, crs: 'GCJ-02' })).rejects.toThrow(/sellers\.csv with no crs/);
    // Pickups in another format would be read together with the import.
    writeFileSync(join(dataset, 'pickups.jsonl'), '');
    await expect(importLadeP({ files: [FIXTURE], out: dataset, year: 2026, crs: 'GCJ-02', overwrite: true })).rejects.toThrow(
      /already holds pickups\.jsonl/,
    );
  });

  it('refuses bad flags with a UserError', async () => {
    expect(() => parseYear('20x6')).toThrow(UserError);
    expect(() => parseYear('26')).toThrow(/four-digit year/);
    expect(parseYear('2026')).toBe(2026);
    expect(() => parseCrs('XYZ')).toThrow(UserError);
    expect(parseCrs('gcj02')).toBe('GCJ-02');
    expect(parseCrs('WGS84')).toBe('WGS84');
    await expect(importInto([FIXTURE], { timezone: 'Mars/Olympus' })).rejects.toThrow(UserError);
  });
});

describe('dragnet import lade-p (CLI)', () => {
  it('prints read = written + quarantined, and refuses bad flags with a message and no stack trace', () => {
    const out = join(tempDir(), 'dataset');
    const ok = dragnet('import', 'lade-p', FIXTURE, '--year', '2026', '--crs', 'GCJ-02', '--out', out, '--quiet');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/read 6 = written 6 \+ quarantined 0/);

    const year = dragnet('import', 'lade-p', FIXTURE, '--year', '20x6', '--crs', 'GCJ-02', '--out', out);
    expect(year.status).toBe(2);
    expect(year.stderr).toMatch(/^dragnet: --year must be a four-digit year/);
    const crs = dragnet('import', 'lade-p', FIXTURE, '--year', '2026', '--crs', 'XYZ', '--out', out);
    expect(crs.status).toBe(2);
    expect(crs.stderr).toMatch(/^dragnet: --crs must be WGS84 or GCJ-02/);
    expect(crs.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('writes pickups that analyze ingests beside sellers, listings and shipments, every row accepted', () => {
    const out = join(tempDir(), 'dataset');
    const r = dragnet('import', 'lade-p', FIXTURE, '--year', '2026', '--crs', 'GCJ-02', '--out', out, '--quiet');
    expect(r.status).toBe(0);
    const waybills = readCsv(join(out, 'pickups.csv')).map((p) => p.waybill_id);
    writeFileSync(join(out, 'sellers.csv'), 'seller_id,shop_name\ns1,Shop one\ns2,Shop two\n');
    writeFileSync(join(out, 'listings.csv'), 'listing_id,seller_id,title,category,price\nl1,s1,Sneakers,shoes,99\nl2,s2,Bag,luggage,199\n');
    writeFileSync(
      join(out, 'shipments.csv'),
      ['waybill_id,seller_id,listing_id', ...waybills.map((w, i) => `${w},s${(i % 2) + 1},l${(i % 2) + 1}`)].join('\n') + '\n',
    );
    const results = join(tempDir(), 'results');
    const a = dragnet('analyze', out, '--out', results, '--db', ':memory:', '--quiet');
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const run = JSON.parse(readFileSync(join(results, 'run.json'), 'utf8'));
    expect(run.tables.pickups).toMatchObject({ read: 6, accepted: 6, quarantined: 0 });
  });
});
