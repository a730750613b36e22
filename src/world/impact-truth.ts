/**
 * Truth of the impact analysis, written into truth/ beside the rest:
 *
 *   truth/turnover.csv    belt_id,date,category,turnover,orders: every clean shipment of an
 *                         enrolled factory's account on or after the enrolment (local order date)
 *   truth/candidates.csv  seller_id,factory_id,belt_id,parcels: honest factory shops shipping
 *                         from their premises on a belt's estate, not enrolled
 *   truth/deterrence.csv  one row per raid and other operation of its region (deterrence scenarios only):
 *                         the raid's outcome ids, the reaction drawn, and the operation's true
 *                         parcels per day over the 28 days before and after the raid, and what its
 *                         site did in the 28 days after by the schedule (status_observed, quiet_days_observed)
 *   truth/capacity_at_risk.csv  factory_id,link,network_id,site_id,seller_id: factories that also
 *                         supply a den (scenario knob denSuppliers; header only without it)
 */
import { join } from 'node:path';
import type { Listing, Seller } from './actors.ts';
import type { TruthReaction } from './deterrence.ts';
import type { ProgrammeTruth } from './programme.ts';
import type { TimeFormat } from './time.ts';
import { TableWriter, type Cell } from './writer.ts';

export const TRUTH_IMPACT_FILES = { turnover: 'turnover.csv', candidates: 'candidates.csv', deterrence: 'deterrence.csv', capacityAtRisk: 'capacity_at_risk.csv' } as const;

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
    await writeCsv(
      join(dir, TRUTH_IMPACT_FILES.capacityAtRisk),
      ['factory_id', 'link', 'network_id', 'site_id', 'seller_id'],
      this.truth.denSuppliers.map((d) => [d.factoryId, d.link, d.networkId, d.siteId, d.sellerId]),
    );
  }
}

/** Days either side of a raid over which truth/deterrence.csv averages parcels (the raid day excluded), as the analysis does. */
export const TRUTH_WINDOW_DAYS = 28;

/** Parcels each operation shipped per day (day index), counted as the parcels are written. */
export class NetworkDays {
  private readonly days = new Map<string, Map<number, number>>();

  add(networkId: string, day: number, count: number): void {
    let m = this.days.get(networkId);
    if (!m) this.days.set(networkId, (m = new Map()));
    m.set(day, (m.get(day) ?? 0) + count);
  }

  /** Mean parcels per day over the days of [from, to] within [0, days). */
  mean(networkId: string, from: number, to: number, days: number): number {
    const a = Math.max(0, from);
    const b = Math.min(days - 1, to);
    if (b < a) return 0;
    const m = this.days.get(networkId);
    let n = 0;
    for (let d = a; d <= b; d++) n += m?.get(d) ?? 0;
    return n / (b - a + 1);
  }
}

export interface DeterrenceTruthContext {
  readonly date: (day: number) => string;
  readonly days: number;
  /** Confirmed outcomes: the network raided, the day, the outcome id written. */
  readonly outcomeIds: readonly { networkId: string; day: number; id: string }[];
  readonly networkDays: NetworkDays;
  /** What the row's first site did after the raid, by its operation's schedule (deterrence.ts: observedAfter). */
  readonly observed: (r: TruthReaction) => { status: string; quietDays: number | null };
}

export async function writeDeterrenceTruth(dir: string, reactions: readonly TruthReaction[], ctx: DeterrenceTruthContext): Promise<void> {
  const { date, days, networkDays } = ctx;
  const w = TRUTH_WINDOW_DAYS;
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  await writeCsv(
    join(dir, TRUTH_IMPACT_FILES.deterrence),
    [
      'raided_network_id', 'raid_date', 'outcome_ids', 'network_id', 'site_ids', 'distance_m', 'reaction', 'quiet_from', 'resumed_at',
      'successor_site_id', 'parcels_per_day_before', 'parcels_per_day_after', 'status_observed', 'quiet_days_observed',
    ],
    reactions.map((r) => {
      const seen = ctx.observed(r);
      return [
      r.raidedNetworkId,
      date(r.raidDay),
      ctx.outcomeIds.filter((o) => o.networkId === r.raidedNetworkId && o.day === r.raidDay).map((o) => o.id).join(';'),
      r.networkId,
      r.siteIds.join(';'),
      r.distanceM,
      r.reaction,
      r.quietFrom === null ? null : date(r.quietFrom),
      r.resumedAt === null ? null : date(r.resumedAt),
      r.successorSiteId,
      round3(networkDays.mean(r.networkId, r.raidDay - w, r.raidDay - 1, days)),
      round3(networkDays.mean(r.networkId, r.raidDay + 1, r.raidDay + w, days)),
      seen.status,
      seen.quietDays,
    ];
    }),
  );
}
