/** The contract's hand-written example: every valid row accepted, exactly the two broken rows quarantined. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { analyze } from '../../src/pipeline.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { tempDir } from '../helpers/db.ts';

/** The contract's own example where shared/ lies beside the checkout; else the copy kept with the tests. */
const SHARED = join(import.meta.dirname, '../../../shared/contract/example');
const COPY = join(import.meta.dirname, '../fixtures/contract-example');
const EXAMPLE = existsSync(SHARED) ? SHARED : COPY;

describe.runIf(existsSync(SHARED))('the kept copy of the contract example', () => {
  it('is the same as the contract\'s', () => {
    const files = readdirSync(SHARED).sort();
    expect(readdirSync(COPY).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(COPY, f), 'utf8')).toBe(readFileSync(join(SHARED, f), 'utf8'));
  });
});

describe('contract example', () => {
  it('accepts every valid row and quarantines exactly l5 and w9', async () => {
    const out = tempDir();
    const summary = await analyze({ dataset: EXAMPLE, out, dbPath: ':memory:', progress: silentProgress });
    const t = summary.tables;
    for (const c of Object.values(t)) expect(c.read).toBe(c.accepted + c.quarantined);
    expect(t.listings).toMatchObject({ read: 5, accepted: 4, quarantined: 1 });
    expect(t.pickups).toMatchObject({ read: 5, accepted: 4, quarantined: 1 });
    const others = Object.entries(t).filter(([name]) => name !== 'listings' && name !== 'pickups');
    expect(others.every(([, c]) => c.quarantined === 0)).toBe(true);
    expect(others.length).toBe(9);
    expect(t.belts).toMatchObject({ read: 1, accepted: 1 });
    expect(t.factories).toMatchObject({ read: 2, accepted: 2 });
    expect(t.factory_accounts).toMatchObject({ read: 1, accepted: 1 });

    const listings = parse(readFileSync(join(out, 'quarantine/listings.csv')), { columns: true }) as Record<string, string>[];
    expect(listings).toHaveLength(1);
    expect(listings[0]).toMatchObject({ file: 'listings.csv', row: '5', column: 'price' });
    expect(listings[0].record).toContain('"l5"');
    const pickups = parse(readFileSync(join(out, 'quarantine/pickups.csv')), { columns: true }) as Record<string, string>[];
    expect(pickups).toHaveLength(1);
    expect(pickups[0]).toMatchObject({ file: 'pickups.csv', row: '5', column: 'pickup_gps_lat' });
    expect(pickups[0].record).toContain('"w9"');

    for (const f of ['leads.geojson', 'seller_scores.csv', 'listing_scores.csv', 'run.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.tables.pickups.read).toBe(5);
    const sellers = parse(readFileSync(join(out, 'seller_scores.csv')), { columns: true }) as Record<string, string>[];
    expect(sellers.map((s) => s.seller_id)).toEqual(['s1', 's2', 's3']);
    // s1 and s2 share a bank account and a device: one operation.
    expect(sellers[0].network_id).toBe(sellers[1].network_id);
    expect(sellers[2].network_id).not.toBe(sellers[0].network_id);
    // The authorised store scores below the account selling "纯原" shoes at 9% of MSRP.
    expect(Number(sellers[2].score)).toBeLessThan(Number(sellers[0].score));
  });
});
