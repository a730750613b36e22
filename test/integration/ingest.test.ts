/** Ingest of the dataset contract: formats, layouts, CRS, time zones, and every kind of bad row. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../../src/engine/database.ts';
import { ingestDataset } from '../../src/ingest/ingest.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { UserError } from '../../src/errors.ts';
import { gcj02ToWgs84 } from '../../src/crs.ts';
import { withDatabase, writeDataset } from '../helpers/db.ts';

const SELLERS = 'seller_id,shop_name,phone_hash\ns1,店一,p1\ns2,"Shop, two",p2\n';
const LISTINGS = 'listing_id,seller_id,title,price\nl1,s1,耐克,100\nl2,s2,shoe,50\n';
const SHIPMENTS = 'waybill_id,seller_id,listing_id\nw1,s1,l1\nw2,s2,l2\nw3,s1,\n';
const PICKUPS =
  'waybill_id,lng,lat,pickup_time,pickup_gps_lng,pickup_gps_lat\n' +
  'w1,119.01,25.44,2026-01-10T23:00:00+08:00,,\n' +
  'w2,,,2026-01-10 23:30:00,119.02,25.45\n' +
  'w3,119.03,25.46,2026-01-11T01:00:00Z,,\n';

function base(extra: Record<string, string | Buffer> = {}): Record<string, string | Buffer> {
  return { 'sellers.csv': SELLERS, 'listings.csv': LISTINGS, 'shipments.csv': SHIPMENTS, 'pickups.csv': PICKUPS, ...extra };
}

async function ingest(files: Record<string, string | Buffer>) {
  return withDatabase(async (db) => {
    const report = await ingestDataset(db, writeDataset(files), silentProgress);
    const quarantine = await db.all<{ table_name: string; row: number; line: number; column: string; reason: string; record: string }>(
      `SELECT table_name, "row", line, "column", reason, record FROM quarantine ORDER BY table_name, "row"`,
    );
    const pickups = await db.all<{ waybill_id: string; lat: number | null; lng: number | null; gps_lat: number | null; t: string }>(
      `SELECT waybill_id, lat, lng, pickup_gps_lat AS gps_lat, strftime(pickup_time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS t
       FROM pickups ORDER BY waybill_id`,
    );
    return { report, quarantine, pickups };
  });
}

describe('ingest', () => {
  it('reads CSV with quoting and timestamps with and without offsets in the manifest time zone', async () => {
    const { report, pickups } = await ingest(base());
    expect(report.tables.pickups).toMatchObject({ read: 3, accepted: 3, quarantined: 0 });
    expect(pickups.map((p) => p.t)).toEqual(['2026-01-10T15:00:00', '2026-01-10T15:30:00', '2026-01-11T01:00:00']);
  });

  it('reads JSONL and a table split into a folder of files, and reports every file', async () => {
    const jsonl = '{"seller_id":"s1","shop_name":"a"}\n{"seller_id":"s2","shop_name":null}\n';
    const files = base({ 'sellers.csv': undefined as unknown as string });
    delete files['sellers.csv'];
    files['sellers.jsonl'] = jsonl;
    delete files['pickups.csv'];
    files['pickups/a.csv'] = PICKUPS.split('\n').slice(0, 3).join('\n') + '\n';
    files['pickups/b.csv'] = PICKUPS.split('\n')[0] + '\n' + PICKUPS.split('\n')[3] + '\n';
    const { report } = await ingest(files);
    expect(report.tables.sellers).toMatchObject({ read: 2, accepted: 2 });
    expect(report.tables.pickups).toMatchObject({ read: 3, accepted: 3 });
    expect(report.tables.pickups?.files).toHaveLength(2);
  });

  it('reads Parquet', async () => {
    const dir = writeDataset(base());
    const db = await Database.open();
    try {
      await db.run(`COPY (SELECT * FROM read_csv('${dir}/pickups.csv', all_varchar = true)) TO '${dir}/pickups.parquet' (FORMAT parquet)`);
      const { rmSync } = await import('node:fs');
      rmSync(`${dir}/pickups.csv`);
      const report = await ingestDataset(db, dir, silentProgress);
      expect(report.tables.pickups).toMatchObject({ read: 3, accepted: 3, quarantined: 0 });
    } finally {
      db.close();
    }
  });

  it('converts GCJ-02 to WGS84 with gcoord', async () => {
    const { pickups } = await ingest(base({ 'dataset.json': '{"crs": "GCJ-02"}' }));
    const [lng, lat] = gcj02ToWgs84(119.01, 25.44);
    expect(pickups[0].lat).toBeCloseTo(lat, 9);
    expect(pickups[0].lng).toBeCloseTo(lng, 9);
    // The GCJ-02 offset in Fujian is a few hundred metres: the conversion really moved the point.
    expect(Math.abs(lat - 25.44) + Math.abs(lng - 119.01)).toBeGreaterThan(0.001);
  });

  it('quarantines each kind of bad row with file, row, column and reason', async () => {
    const { report, quarantine } = await ingest(
      base({
        'listings.csv': LISTINGS + 'l3,s1,x,0\nl4,s9,x,10\nl1,s1,dup,10\nl5,s1,x,abc\nl6,s1,x,10\n',
        'pickups.csv':
          PICKUPS +
          'w9,119.0,95.5,2026-01-11T01:00:00+08:00,,\n' +
          'w1,119.0,25.5,not-a-time,,\n' +
          'w2,,,2026-01-11T01:00:00+08:00,,\n' +
          'w2,1,2,3\n',
        'places.csv': 'aoi_id,aoi_type,lat,lng\na1,urban_village,25.4,119.0\na2,castle,25.4,119.0\n',
      }),
    );
    for (const c of Object.values(report.tables)) expect(c.read).toBe(c.accepted + c.quarantined);
    const byTable = (t: string) => quarantine.filter((q) => q.table_name === t);
    expect(byTable('listings').map((q) => [Number(q.row), q.column])).toEqual([
      [3, 'price'],
      [4, 'seller_id'],
      [5, 'listing_id'],
      [6, 'price'],
    ]);
    expect(byTable('listings')[1].reason).toMatch(/dangling reference/);
    expect(byTable('listings')[2].reason).toMatch(/duplicate/);
    expect(byTable('pickups').map((q) => Number(q.row))).toEqual([4, 5, 6, 7]);
    expect(byTable('pickups')[0].reason).toMatch(/outside \[-90, 90\]/);
    expect(byTable('pickups')[1]).toMatchObject({ column: 'pickup_time' });
    expect(byTable('pickups')[2].reason).toMatch(/no coordinates/);
    expect(byTable('pickups')[3].reason).toMatch(/columns/i);
    expect(byTable('places')).toHaveLength(1);
    expect(byTable('places')[0].reason).toMatch(/unknown value/);
    expect(report.tables.listings).toMatchObject({ read: 7, accepted: 3, quarantined: 4 });
  });

  it('quarantines text that is not UTF-8 and lines that are not JSON', async () => {
    const bad = Buffer.concat([Buffer.from(SELLERS), Buffer.from([0x73, 0x33, 0x2c, 0xff, 0xfe, 0x2c, 0x70, 0x33, 0x0a])]);
    const { report } = await ingest(base({ 'sellers.csv': bad }));
    expect(report.tables.sellers).toMatchObject({ read: 3, accepted: 2, quarantined: 1 });
    const files = base({ 'sellers.jsonl': '{"seller_id":"s1"}\n{"seller_id": \n{"seller_id":"s2"}\n' });
    delete files['sellers.csv'];
    const r2 = await ingest(files);
    expect(r2.report.tables.sellers).toMatchObject({ read: 3, accepted: 2, quarantined: 1 });
    expect(r2.quarantine[0]).toMatchObject({ table_name: 'sellers', row: 2 });
  });

  it('stops before any work, naming the table, when a required table is missing', async () => {
    const files = base();
    delete files['pickups.csv'];
    await expect(ingest(files)).rejects.toThrow(UserError);
    await expect(ingest(files)).rejects.toThrow(/pickups/);
  });

  it('stops naming the file when a file cannot be parsed at all', async () => {
    await expect(ingest(base({ 'pickups.csv': 'nothing,useful\n1,2\n' }))).rejects.toThrow(/pickups\.csv.*waybill_id/);
    const files = base({ 'pickups.parquet': Buffer.from('this is not parquet') });
    delete files['pickups.csv'];
    await expect(ingest(files)).rejects.toThrow(/pickups\.parquet/);
    await expect(ingest(base({ 'dataset.json': '{"crs": "EPSG:3857"}' }))).rejects.toThrow(/dataset\.json.*crs/);
  });

  it('accounts for every row of arbitrary prices and coordinates (property)', async () => {
    const cell = fc.oneof(
      fc.double({ noNaN: false }).map(String),
      fc.integer({ min: -200, max: 200 }).map(String),
      fc.constantFrom('', 'abc', '1e400', 'NaN', '-0', '  12.5 ', '0x10', 'inf'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }), async (rows) => {
        const lines = rows.map(([a, b], i) => `l${i},s1,t,"${a.replace(/"/g, '""')}",,"${b.replace(/"/g, '""')}"`);
        const listings = 'listing_id,seller_id,title,price,category,image_phash\n' + lines.join('\n') + '\n';
        const { report, quarantine } = await ingest(base({ 'listings.csv': listings, 'shipments.csv': 'waybill_id,seller_id\n', 'pickups.csv': 'waybill_id,pickup_time,lat,lng\n' }));
        const t = report.tables.listings!;
        expect(t.read).toBe(rows.length);
        expect(t.accepted + t.quarantined).toBe(t.read);
        const valid = rows.filter(([price]) => {
          const n = Number(price.trim());
          return price.trim() !== '' && Number.isFinite(n) && n > 0 && !/^0x/i.test(price.trim());
        }).length;
        expect(t.accepted).toBe(valid);
        expect(quarantine.every((q) => q.column === 'price')).toBe(true);
      }),
      { numRuns: 25, seed: 42 },
    );
  });

  it('quarantines a JSONL line lacking a required key, wherever it is, and numbers lines after reader rejects', async () => {
    const lines = [
      Buffer.from('{"shop_name":"no id"}\n'),
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d, 0x0a]),
      Buffer.from('{"seller_id":"s1"}\n\n'),
      Buffer.from('{"seller_id":"s2","registered_at":"yesterday"}\n'),
      Buffer.from('{"seller_id":"s3"}\n'),
    ];
    const files = base({ 'sellers.jsonl': Buffer.concat(lines) as unknown as string });
    delete files['sellers.csv'];
    files['listings.csv'] = 'listing_id,seller_id,price\nl1,s1,10\nl2,s3,10\n';
    files['shipments.csv'] = 'waybill_id,seller_id\nw1,s1\nw2,s3\nw3,s1\n';
    const { report, quarantine } = await ingest(files);
    expect(report.tables.sellers).toMatchObject({ read: 5, accepted: 2, quarantined: 3 });
    // Physical lines: 1 no id, 2 not UTF-8, 3 s1, 4 blank (not a record), 5 bad time (record 4), 6 s3.
    expect(quarantine.filter((q) => q.table_name === 'sellers').map((q) => [q.row, q.line, q.column])).toEqual([
      [1, 1, 'seller_id'],
      [2, 2, null],
      [4, 5, 'registered_at'],
    ]);
  });

  it('takes whole numbers only in integer columns and HH:MM timestamps with an offset', async () => {
    const { report, quarantine } = await ingest(
      base({
        'shipments.csv': 'waybill_id,seller_id,quantity,order_time\nw1,s1,3.7,2026-01-10T22:00Z\nw2,s2,4.0,2026-01-10T22:00Z\nw3,s1,2,2026-01-10 22:00+08:00\n',
      }),
    );
    expect(report.tables.shipments).toMatchObject({ read: 3, accepted: 2, quarantined: 1 });
    expect(quarantine.find((q) => q.table_name === 'shipments')).toMatchObject({ row: 1, column: 'quantity' });
  });

  it('names files by their path in the dataset, treats an empty file as an empty table, and rejects a doubled header', async () => {
    const files = base({ 'catalog.csv': '' });
    delete files['pickups.csv'];
    files['pickups/part-1.csv'] = PICKUPS;
    files['pickups/part-2.csv'] = PICKUPS.split('\n')[0] + '\nw9,119,25,2026-01-11T01:00:00Z,,\n';
    const { report, quarantine } = await ingest(files);
    expect(report.tables.catalog).toMatchObject({ read: 0, accepted: 0 });
    expect(quarantine.find((q) => q.table_name === 'pickups')).toMatchObject({ row: 1, column: 'waybill_id' });
    const labelled = await withDatabase(async (db) => {
      await ingestDataset(db, writeDataset(files), silentProgress);
      return db.all<{ file: string }>(`SELECT file FROM quarantine`);
    });
    expect(labelled).toEqual([{ file: 'pickups/part-2.csv' }]);
    await expect(ingest(base({ 'sellers.csv': 'seller_id,shop_name,shop_name\ns1,a,b\n' }))).rejects.toThrow(/shop_name twice/);
  });
});
