/**
 * Truth of the impact analysis, written into truth/ beside the rest:
 *
 *   truth/turnover.csv    belt_id,date,category,turnover,orders: every clean shipment of an
 *                         enrolled factory's account on or after the enrolment (local order date)
 *   truth/candidates.csv  seller_id,factory_id,belt_id,parcels: honest factory shops shipping
 *                         from their premises on a belt's estate, not enrolled
 *   truth/deterrence.csv  one row per raid and other operation of its region (deterrence scenarios only)
 */
import { join } from 'node:path';
import type { Listing, Seller } from './actors.ts';
import type { TruthReaction } from './deterrence.ts';
import type { ProgrammeTruth } from './programme.ts';
import type { TimeFormat } from './time.ts';
import { TableWriter, type Cell } from './writer.ts';

export const TRUTH_IMPACT_FILES = { turnover: 'turnover.csv', candidates: 'candidates.csv', deterrence: 'deterrence.csv' } as const;

async function writeCsv(path: string, columns: string[], rows: Cell[][]): Promise<void> {
  const w = new TableWriter(path, columns, 'csv');
  for (const r of rows) w.write(r);
  await w.close();
}

/** Adds up the programme's true turnover, and candidates' parcels, shipment by shipment. */
export class ProgrammeTally {
  /** `${belt}|${date}|${category}` -> [cents, orders]. */
  private readonly turnover = new Map<string, [number, number]>();
  private readonly parcels = new Map<Seller, number>();
  private readonly candidates: ReadonlySet<Seller>;

  constructor(
    private readonly truth: ProgrammeTruth,
    private readonly time: TimeFormat,
  ) {
    this.candidates = new Set(truth.candidates.map((c) => c.seller));
  }

  add(seller: Seller, listing: Listing, orderAt: number, amount: number): void {
    if (this.candidates.has(seller)) this.parcels.set(seller, (this.parcels.get(seller) ?? 0) + 1);
    const belts = this.truth.enrolled.get(seller);
    if (!belts) return;
    for (const [belt, enrolledAt] of belts) {
      if (orderAt < enrolledAt) continue;
      const key = `${belt}|${this.time.date(orderAt)}|${listing.category}`;
      const t = this.turnover.get(key) ?? [0, 0];
      t[0] += Math.round(amount * 100);
      t[1] += 1;
      this.turnover.set(key, t);
    }
  }

  async writeTruth(dir: string): Promise<void> {
    const rows = [...this.turnover.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([key, [cents, orders]]) => [...key.split('|'), cents / 100, orders]);
    await writeCsv(join(dir, TRUTH_IMPACT_FILES.turnover), ['belt_id', 'date', 'category', 'turnover', 'orders'], rows);
    await writeCsv(
      join(dir, TRUTH_IMPACT_FILES.candidates),
      ['seller_id', 'factory_id', 'belt_id', 'parcels'],
      this.truth.candidates.map((c) => [c.seller.id, c.factoryId, c.beltId, this.parcels.get(c.seller) ?? 0]),
    );
  }
}

export async function writeDeterrenceTruth(dir: string, reactions: readonly TruthReaction[], date: (day: number) => string): Promise<void> {
  await writeCsv(
    join(dir, TRUTH_IMPACT_FILES.deterrence),
    ['raided_network_id', 'raid_date', 'network_id', 'site_ids', 'distance_m', 'reaction', 'quiet_from', 'resumed_at', 'successor_site_id'],
    reactions.map((r) => [
      r.raidedNetworkId,
      date(r.raidDay),
      r.networkId,
      r.siteIds.join(';'),
      r.distanceM,
      r.reaction,
      r.quietFrom === null ? null : date(r.quietFrom),
      r.resumedAt === null ? null : date(r.resumedAt),
      r.successorSiteId,
    ]),
  );
}
