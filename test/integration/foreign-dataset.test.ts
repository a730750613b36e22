/**
 * A dataset Dragnet has never seen, written here by hand the way another
 * tool would (JSONL and CSV mixed, GCJ-02, bare and offset timestamps, a
 * table split across files, bad rows of several kinds), analysed through the
 * real CLI: every results file is written, the bad rows are quarantined and
 * every row is accounted for.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeadCollectionSchema } from '../../src/contract/results.ts';
import { tempDir, writeDataset } from '../helpers/db.ts';

const CLI = resolve(import.meta.dirname, '../../bin/dragnet.js');

function dragnet(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** A den of 4 linked accounts in a village shipping at night, and 6 honest shops by day; GCJ-02 coordinates. */
function foreignDataset(): { files: Record<string, string>; bad: Record<string, number> } {
  const sellers: string[] = [];
  const listings = ['listing_id,seller_id,title,brand,category,price'];
  const shipments: string[] = ['waybill_id,seller_id,listing_id,order_time,amount'];
  const pickupsA = ['waybill_id,courier_id,lng,lat,pickup_time,pickup_gps_time,pickup_gps_lng,pickup_gps_lat'];
  const pickupsB = [pickupsA[0]];
  for (let s = 0; s < 10; s++) {
    const den = s < 4;
    sellers.push(JSON.stringify({ seller_id: `S${s}`, bank_hash: den ? 'BANK-DEN' : `B${s}`, phone_hash: den ? `P${s % 2}` : `P-${s}` }));
    listings.push(den ? `L${s},S${s},"N1KE 纯原 AJ1, 莆田",Nike,shoes,99` : `L${s},S${s},Nike Air Max 官方正品,Nike,shoes,1299`);
  }
  let w = 0;
  for (let day = 1; day <= 20; day++) {
    for (let s = 0; s < 10; s++) {
      for (let k = 0; k < 3; k++) {
        const id = `WB${w++}`;
        const den = s < 4;
        const hour = den ? 23 : 14;
        const d = String(day).padStart(2, '0');
        shipments.push(`${id},S${s},L${s},2026-03-${d}T10:00:00+08:00,${den ? 99 : 1299}`);
        // GCJ-02 positions: the den near 119.0100,25.4400, each shop at its own street corner.
        const [lng, lat] = den ? [119.01 + (k - 1) * 0.00005, 25.44 + (s % 2) * 0.00004] : [119.03 + s * 0.004, 25.45 + s * 0.003];
        const row = `${id},C${s % 3},${den ? 119.05 : lng},${den ? 25.41 : lat},2026-03-${d} ${hour}:1${k}:00,2026-03-${d} ${hour}:1${k}:20,${lng.toFixed(6)},${lat.toFixed(6)}`;
        (day % 2 ? pickupsA : pickupsB).push(row);
      }
    }
  }
  // Bad rows: a listing with a non-numeric price, a shipment of an unknown seller, a pickup of an
  // unknown waybill, a pickup with an unparsable time, a seller line that is not JSON.
  listings.push('L99,S1,bad,,shoes,cheap');
  shipments.push('WB-X,S404,,2026-03-01T10:00:00+08:00,10');
  pickupsA.push('WB-NONE,C1,119.01,25.44,2026-03-02 23:00:00,,,');
  pickupsB.push('WB0,C1,119.01,25.44,yesterday,,,');
  sellers.push('{"seller_id": "S-broken", ');
  return {
    files: {
      'dataset.json': JSON.stringify({ name: 'foreign', crs: 'GCJ-02', timezone: 'Asia/Shanghai' }),
      'sellers.jsonl': sellers.join('\n') + '\n',
      'listings.csv': listings.join('\n') + '\n',
      'shipments.csv': shipments.join('\n') + '\n',
      'pickups/part-a.csv': pickupsA.join('\n') + '\n',
      'pickups/part-b.csv': pickupsB.join('\n') + '\n',
    },
    bad: { sellers: 1, listings: 1, shipments: 1, pickups: 2 },
  };
}

describe('a dataset written by another tool', () => {
  it('is analysed end to end through the CLI', () => {
    const { files, bad } = foreignDataset();
    const dataset = writeDataset(files);
    const out = join(tempDir(), 'out');
    const r = dragnet('analyze', dataset, '--out', out, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/leads/);

    for (const f of ['leads.geojson', 'seller_scores.csv', 'listing_scores.csv', 'run.json', 'quarantine']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    for (const [table, c] of Object.entries(run.tables) as [string, { read: number; accepted: number; quarantined: number }][]) {
      expect(c.read, table).toBe(c.accepted + c.quarantined);
      expect(c.quarantined, table).toBe(bad[table] ?? 0);
    }
    expect(readdirSync(join(out, 'quarantine')).sort()).toEqual(['listings.csv', 'pickups.csv', 'sellers.csv', 'shipments.csv']);

    const leads = LeadCollectionSchema.parse(JSON.parse(readFileSync(join(out, 'leads.geojson'), 'utf8')));
    expect(leads.features.length).toBeGreaterThan(0);
    const top = leads.features[0];
    // The den's accounts are the top lead, placed by courier GPS (not the faked address), in WGS84:
    // GCJ-02 119.0100,25.4400 is about 119.0052,25.4430 in WGS84.
    expect(top.properties.seller_ids).toEqual(['S0', 'S1', 'S2', 'S3']);
    expect(top.geometry.coordinates[0]).toBeCloseTo(119.0052, 3);
    expect(top.geometry.coordinates[1]).toBeCloseTo(25.443, 3);
    expect(top.properties.night_share).toBe(1);

    const sellers = readFileSync(join(out, 'seller_scores.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const network = new Map(sellers.map(([id, , net]) => [id, net]));
    expect(new Set(['S0', 'S1', 'S2', 'S3'].map((s) => network.get(s))).size).toBe(1);
    expect(network.get('S4')).not.toBe(network.get('S0'));
  });

  it('stops with a message naming what is missing, and no stack trace', () => {
    const { files } = foreignDataset();
    delete files['listings.csv'];
    const r = dragnet('analyze', writeDataset(files), '--out', join(tempDir(), 'out'), '--quiet');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/lacks required table listings/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
