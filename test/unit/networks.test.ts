import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressKey, chineseNumeralToNumber, normalizeAddress } from '../../src/stages/networks/address.ts';
import { UnionFind } from '../../src/stages/networks/union-find.ts';
import { linkSellers, MIN_PUBLIC_SHARERS, RARE_ODDS } from '../../src/stages/networks/networks.ts';
import { withDatabase } from '../helpers/db.ts';

describe('address normalisation', () => {
  it('makes one operator\'s formatting variants of an address equal', () => {
    const variants = ['莆田市荔城区黄石镇东甲村12号', '黄石镇东甲村十二号', '福建省莆田市荔城区 黄石镇东甲村１２号', '黄石镇 东甲村 12 号'];
    expect(new Set(variants.map(normalizeAddress)).size).toBe(1);
  });

  it('keeps different addresses apart', () => {
    expect(normalizeAddress('黄石镇东甲村12号')).not.toBe(normalizeAddress('黄石镇东甲村13号'));
    expect(normalizeAddress('黄石镇东甲村12号')).not.toBe(normalizeAddress('黄石镇西甲村12号'));
  });

  it('reads Chinese numerals', () => {
    expect([ '十', '十二', '二十三', '一百零五', '九'].map(chineseNumeralToNumber)).toEqual([10, 12, 23, 105, 9]);
    expect(chineseNumeralToNumber('村')).toBeNull();
  });
});

describe('address key', () => {
  it('matches one place written with abbreviated prefixes, notes and remarks', () => {
    const variants = [
      '莆田市 荔城区 北高镇 后坑村 一百一十六号 后门',
      '福建省莆田市荔城区北高镇后坑村１１６号',
      '莆田荔城北高后坑村116号附近',
      '北高镇后坑村116号 (村委会对面)',
      '荔城区北高镇后坑村  116 号一楼',
    ];
    expect(new Set(variants.map(addressKey))).toEqual(new Set(['后坑村116号']));
  });

  it('keeps other houses and other places apart', () => {
    expect(addressKey('北高镇后坑村116号')).not.toBe(addressKey('北高镇后坑村117号'));
    expect(addressKey('北高镇后坑村116号')).not.toBe(addressKey('北高镇前坑村116号'));
    expect(addressKey('延寿路81号')).not.toBe(addressKey('延寿街81号'));
  });

  it('falls back to the normalised form when there is no place and house number', () => {
    expect(addressKey('Room 5, 12 Nanjing Rd')).toBe(normalizeAddress('Room 5, 12 Nanjing Rd'));
  });
});

describe('union-find', () => {
  it('groups exactly the connected components (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(20), fc.nat(20)), { maxLength: 40 }), (edges) => {
        const uf = new UnionFind();
        for (let i = 0; i <= 20; i++) uf.add(`s${i}`);
        for (const [a, b] of edges) uf.union(`s${a}`, `s${b}`);
        // Reference: repeated relaxation of labels.
        const label = Array.from({ length: 21 }, (_, i) => i);
        for (let changed = true; changed; ) {
          changed = false;
          for (const [a, b] of edges) {
            const m = Math.min(label[a], label[b]);
            if (label[a] !== m || label[b] !== m) {
              label[a] = label[b] = m;
              changed = true;
            }
          }
        }
        for (let a = 0; a <= 20; a++) {
          for (let b = 0; b <= 20; b++) {
            expect(uf.find(`s${a}`) === uf.find(`s${b}`)).toBe(label[a] === label[b]);
          }
        }
        expect(uf.groups().flat().length).toBe(21);
      }),
      { seed: 7, numRuns: 50 },
    );
  });
});

describe('linking accounts', () => {
  /** Accounts with their identifiers and the log-odds of their riskiest listing; returns the networks found. */
  interface Account {
    id: string;
    phone?: string;
    device?: string;
    /** Phones written as the sender's on the account's waybills. */
    senderPhones?: string[];
    lo: number;
    /** GPS-placed pickups: where (metres), at night or not, and the place type the pickup says. */
    pickups?: Array<{ x: number; y: number; night: boolean; aoi_type?: string; courier?: string }>;
  }

  async function networksOf(accounts: Account[]): Promise<string[][]> {
    return withDatabase(async (db) => {
      await db.run(`CREATE TABLE sellers (seller_id VARCHAR, phone_hash VARCHAR, id_hash VARCHAR, bank_hash VARCHAR, device_id VARCHAR, return_address VARCHAR)`);
      await db.append('sellers', accounts.map((a) => [a.id, a.phone ?? null, null, null, a.device ?? null, null]));
      await db.run(`CREATE TABLE seller_senders (seller_id VARCHAR, kind VARCHAR, value VARCHAR, n BIGINT)`);
      await db.append('seller_senders', accounts.flatMap((a) => (a.senderPhones ?? []).map((p) => [a.id, 'sender_phone_hash', p, 5])));
      await db.run(`CREATE TABLE pickup_points (seller_id VARCHAR, x DOUBLE, y DOUBLE, night BOOLEAN, quality DOUBLE, aoi_type VARCHAR, courier_id VARCHAR)`);
      await db.append('pickup_points', accounts.flatMap((a) => (a.pickups ?? []).map((p) => [a.id, p.x, p.y, p.night, 1, p.aoi_type ?? null, p.courier ?? null])));
      await db.run(`CREATE TABLE listing_scores (seller_id VARCHAR, lo DOUBLE)`);
      await db.append('listing_scores', accounts.map((a) => [a.id, a.lo]));
      await linkSellers(db);
      const rows = await db.all<{ members: string[] }>(
        `SELECT list(seller_id ORDER BY seller_id) AS members FROM seller_networks GROUP BY network_id HAVING count(*) > 1 ORDER BY 1`,
      );
      return rows.map((r) => r.members);
    });
  }

  it('links risky accounts sharing one phone, but not two accounts that do not look counterfeit', async () => {
    expect(await networksOf([
      { id: 'A', phone: 'p1', lo: 2 },
      { id: 'B', phone: 'p1', lo: -3 },
      { id: 'C', phone: 'p2', lo: -3 },
      { id: 'D', phone: 'p2', lo: -3 },
      // A family or an agency: one phone and one laptop for two honest-looking shops.
      { id: 'E', phone: 'p3', device: 'd3', lo: -3 },
      { id: 'F', phone: 'p3', device: 'd3', lo: 0 },
    ])).toEqual([['A', 'B']]);
  });

  it('ignores a value most of whose holders look clean, or that more than one account in RARE_ODDS holds', async () => {
    const crowd = Array.from({ length: MIN_PUBLIC_SHARERS + 1 }, (_, i) => ({ id: `S${i}`, phone: 'station-phone', lo: 3 }));
    expect(await networksOf(crowd)).toEqual([]);
    // Two risky accounts and three clean ones write a parcel station's phone as the sender's.
    const shops = Array.from({ length: 200 }, (_, i) => ({ id: `T${i}`, phone: `t${i}`, lo: -3 }));
    const station = ['R1', 'R2', 'T1', 'T2', 'T3'];
    const withStation = [{ id: 'R1', phone: 'r1', lo: 3 }, { id: 'R2', phone: 'r2', lo: 3 }, ...shops].map((a) =>
      station.includes(a.id) ? { ...a, senderPhones: ['station-phone'] } : a);
    expect(await networksOf(withStation)).toEqual([]);
  });

  it('links a large operation whose accounts all write its sender phone, judged against the rest of the accounts', async () => {
    const den = Array.from({ length: 18 }, (_, i) => ({ id: `D${String(i).padStart(2, '0')}`, phone: `d${i}`, senderPhones: ['den-phone'], lo: 2 }));
    const shops = Array.from({ length: 18 * RARE_ODDS }, (_, i) => ({ id: `T${i}`, phone: `t${i}`, senderPhones: [`t${i}`], lo: -3 }));
    expect(await networksOf([...den, ...shops])).toEqual([den.map((a) => a.id)]);
    // The same eighteen among a handful of shops: the phone is on too many waybills to say who runs whom.
    expect(await networksOf([...den, ...shops.slice(0, 18)])).toEqual([]);
  });

  /** Twenty parcels a night (or a day) for twenty days at one point, a few metres of GPS scatter. */
  const handover = (x: number, y: number, night: boolean, aoi_type?: string) =>
    Array.from({ length: 20 }, (_, k) => ({ x: x + (k % 5) * 2, y: y + (k % 3) * 2, night, aoi_type }));
  /** Honest shops scattered over the city, each at its own door by day: the accounts rarity is judged against. */
  const town = Array.from({ length: 30 }, (_, i) => ({ id: `T${i}`, lo: -3, pickups: handover(1000 + i * 400, -2000 + (i % 6) * 500, false) }));

  it('links two accounts that do not look counterfeit when they share identifiers and a handover point', async () => {
    const pair = [
      { id: 'E', phone: 'p3', lo: 0, pickups: handover(210, 310, true) },
      { id: 'F', phone: 'p3', lo: 0, pickups: handover(212, 312, true) },
    ];
    expect(await networksOf([...pair, ...town])).toEqual([['E', 'F']]);
    // The handover point alone links no such pair.
    expect(await networksOf([{ ...pair[0], phone: 'e' }, pair[1], ...town])).toEqual([]);
  });

  it('links two risky accounts that share no identifier but hand parcels over at the same point at night', async () => {
    const den = [
      { id: 'D1', lo: 2, phone: 'd1', pickups: handover(210, 310, true) },
      { id: 'D2', lo: 2, phone: 'd2', pickups: handover(212, 312, true) },
    ];
    expect(await networksOf([...den, ...town])).toEqual([['D1', 'D2']]);
    // The same two accounts at points 300 m apart are two operations.
    const apart = [den[0], { ...den[1], pickups: handover(510, 310, true) }];
    expect(await networksOf([...apart, ...town])).toEqual([]);
  });

  it('does not link two risky accounts whose only common ground is the busy courier of their quarter', async () => {
    const courier = (pickups: ReturnType<typeof handover>) => pickups.map((p) => ({ ...p, courier: 'C1' }));
    const quarter = [
      { id: 'D1', lo: 2, pickups: courier(handover(210, 310, true)) },
      { id: 'E1', lo: 2, pickups: courier(handover(410, 110, true)) },
      // The same courier collects from ten honest shops around them, by night too.
      ...Array.from({ length: 10 }, (_, i) => ({ id: `Q${i}`, lo: -3, pickups: courier(handover(100 + i * 60, 500, true)) })),
    ];
    expect(await networksOf([...quarter, ...town])).toEqual([]);
  });

  it('does not link two risky accounts that only drop parcels at the same public station', async () => {
    const crowded = (aoi_type?: string) => [
      { id: 'D1', lo: 2, pickups: handover(210, 310, true, aoi_type) },
      { id: 'E1', lo: 2, pickups: handover(212, 312, true, aoi_type) },
      // Fifteen clean shops drop their parcels at the same station by day.
      ...Array.from({ length: 15 }, (_, i) => ({ id: `S${i}`, lo: -3, pickups: handover(205 + i, 305, false, aoi_type) })),
    ];
    expect(await networksOf([...crowded(), ...town])).toEqual([]);
    // A station the pickups name as one, even with no clean shops in sight.
    expect(await networksOf([...crowded('parcel_station').slice(0, 2), ...town])).toEqual([]);
  });
});
