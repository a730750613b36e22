/**
 * The own-brand programme's tables: industrial belts on the city's
 * industrial estates, the factories in them (OEM history, capacity,
 * enrolment) and the legitimate shop accounts they run.
 *
 * Drawn from a stream of its own, after the rest of the world exists and
 * without touching it, so adding these tables left every other table of a
 * seed byte-identical.
 */
import type { Category } from '../contract/dataset.ts';
import type { Operation, Seller } from './actors.ts';
import type { Catalog } from './catalog.ts';
import { distanceM, offsetM, type Aoi, type City } from './city.ts';
import { ownBrandName } from './names.ts';
import type { Rng } from './random.ts';
import type { Scenario } from './scenario.ts';
import type { TimeFormat } from './time.ts';
import type { Cell } from './writer.ts';

export interface ProgrammeContext {
  readonly scenario: Scenario;
  readonly city: City;
  readonly catalog: Catalog;
  /** Every seller of the world, ids assigned. */
  readonly sellers: readonly Seller[];
  /** The counterfeit operations (read only: den suppliers are drawn among them). */
  readonly operations: readonly Operation[];
  /** Local seconds at the first day's midnight, and the number of days. */
  readonly start: number;
  readonly days: number;
  readonly time: TimeFormat;
  /** WGS84 -> the dataset's coordinate system. */
  readonly project: (lat: number, lng: number) => [number, number];
}

/** Rows of the three tables, in contract column order, and what the truth needs to know of them. */
export interface Programme {
  readonly belts: Cell[][];
  readonly factories: Cell[][];
  readonly factoryAccounts: Cell[][];
  readonly truth: ProgrammeTruth;
}

export interface ProgrammeTruth {
  /** Accounts of enrolled factories: per belt, local seconds of the earliest enrolment. */
  readonly enrolled: ReadonlyMap<Seller, ReadonlyMap<string, number>>;
  /**
   * Good candidates for the programme: honest factory shops whose parcels
   * leave their own premises on a belt's estate, not yet enrolled.
   */
  readonly candidates: readonly { seller: Seller; factoryId: string | null; beltId: string }[];
  /** Factories that also supply a den (scenario knob `denSuppliers`): for truth/capacity_at_risk.csv. */
  readonly denSuppliers: readonly DenSupplier[];
}

export interface DenSupplier {
  readonly factoryId: string;
  /** `account`: the factory runs one of the den's accounts; `premises`: its premises lie at the den. */
  readonly link: 'account' | 'premises';
  readonly networkId: string;
  readonly siteId: string;
  /** The den's account the factory runs (`account` links only). */
  readonly sellerId: string | null;
}

/** What a belt is known for, as in its name (莆田运动鞋产业带). */
const INDUSTRY: Record<Category, string> = {
  shoes: '运动鞋',
  clothing: '服装',
  food_drug: '食品',
  mother_baby: '母婴用品',
  auto_parts: '汽车配件',
  appliances: '小家电',
  luggage: '箱包',
  furniture: '家具',
  other: '日用品',
};

const FACTORY_SUFFIX: Record<Category, readonly string[]> = {
  shoes: ['鞋业有限公司', '鞋厂', '鞋材有限公司'],
  clothing: ['服饰有限公司', '制衣厂', '针织厂'],
  food_drug: ['食品有限公司', '食品厂'],
  mother_baby: ['母婴用品有限公司', '日化厂'],
  auto_parts: ['汽配有限公司', '机械厂'],
  appliances: ['电器有限公司', '电子厂'],
  luggage: ['箱包有限公司', '皮具厂'],
  furniture: ['家具有限公司', '木业厂'],
  other: ['工贸有限公司', '实业有限公司'],
};

/** Share of legitimate own-brand (factory) accounts, and of other legitimate accounts, that a belt factory runs. */
const FACTORY_SELLER_SHARE = 0.7;
const OTHER_SELLER_SHARE = 0.03;
const ENROLLED_SHARE = 0.45;
const OEM_SHARE = 0.55;

/** Builds the programme tables of a world from `rng` alone (the world itself is only read). */
export function buildProgramme(ctx: ProgrammeContext, rng: Rng): Programme {
  const s = ctx.scenario;
  const day = (sec: number) => ctx.time.date(sec);
  const lastDay = ctx.start + (ctx.days - 1) * 86_400;

  // Categories by how much of the catalog they make up: the first belt is the city's main trade.
  const perCategory = new Map<Category, number>();
  for (const p of ctx.catalog.products) perCategory.set(p.category, (perCategory.get(p.category) ?? 0) + 1);
  const ranked = [...perCategory.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
  const others = rng.shuffle(ranked.slice(1));

  const estates = ctx.city.ofType('industrial');
  const pool = estates.length > 0 ? estates : ctx.city.aois.filter((a) => a.type !== 'parcel_station');
  const places = rng.shuffle([...pool]);
  const nBelts = rng.int(2, 4);
  const belts: { id: string; categories: Category[]; aois: Aoi[] }[] = [];
  for (let b = 0; b < nBelts; b++) {
    const main = b === 0 ? ranked[0] : (others[(b - 1) % Math.max(1, others.length)] ?? ranked[0]);
    const categories = [main];
    const extra = others.length > 1 ? others[b % others.length] : undefined;
    if (b > 0 && extra !== undefined && extra !== main && rng.chance(0.3)) categories.push(extra);
    // Estates are split between belts; a city with fewer estates than belts shares them.
    const share = Math.max(1, Math.floor(places.length / nBelts));
    const own = places.slice(b * share, b * share + rng.int(1, Math.min(4, share)));
    belts.push({ id: `B${101 + b}`, categories, aois: own.length > 0 ? own : [rng.pick(pool)] });
  }

  const factories: { id: string; beltId: string; enrolledAt: number | null; row: Cell[] }[] = [];
  for (const belt of belts) {
    const n = rng.int(5, 20);
    for (let k = 0; k < n; k++) {
      const category = rng.pick(belt.categories);
      const makers = ctx.catalog.brands.filter((br) => br.lines.some((l) => l.category === category));
      const oem: string[] = [];
      if (makers.length > 0 && rng.chance(OEM_SHARE)) {
        for (let m = rng.int(1, Math.min(3, makers.length)); m > 0; m--) {
          const brand = rng.pick(makers).name;
          if (!oem.includes(brand)) oem.push(brand);
        }
      }
      const aoi = rng.pick(belt.aois);
      const [lat, lng] = ctx.project(...latLng(ctx.city.pointIn(aoi, rng)));
      const enrolledAt = rng.chance(ENROLLED_SHARE) ? ctx.start + rng.int(0, ctx.days - 1) * 86_400 : null;
      const capacity = Math.max(500, Math.round(rng.lognormal(12_000, 0.8) / 500) * 500);
      const id = `F${1001 + factories.length}`;
      const name = `${ownBrandName(rng)}${rng.pick(FACTORY_SUFFIX[category])}`;
      factories.push({
        id,
        beltId: belt.id,
        enrolledAt,
        row: [id, belt.id, name, category, oem.join(';') || null, capacity, lat, lng, enrolledAt === null ? null : day(enrolledAt)],
      });
    }
  }

  // Only honest accounts: a counterfeit operation's shops are never a programme factory's, and
  // a brand's authorised store is the brand's own.
  const legit = ctx.sellers.filter((x) => !x.isCounterfeit && x.operation === null && x.kind !== 'den_account' && x.kind !== 'brand_store');
  // Enrolled factories are the ones opening own-brand shops.
  const weights = factories.map((f) => (f.enrolledAt === null ? 1 : 3));
  const links: { factory: number; seller: Seller; since: number }[] = [];
  for (const seller of legit) {
    if (!rng.chance(seller.kind === 'factory' ? FACTORY_SELLER_SHARE : OTHER_SELLER_SHARE)) continue;
    const factory = rng.weightedIndex(weights);
    const since = Math.min(lastDay, Math.max(seller.registeredAt, ctx.start - 720 * 86_400) + rng.int(0, 90) * 86_400);
    links.push({ factory, seller, since });
  }
  const denSuppliers = ctx.scenario.denSuppliers ? drawDenSuppliers(ctx, ctx.scenario.denSuppliers, factories, links, rng.fork('den-suppliers')) : [];
  links.sort((a, b) => a.factory - b.factory || a.since - b.since || (a.seller.id < b.seller.id ? -1 : 1));

  const enrolled = new Map<Seller, Map<string, number>>();
  const factoryOf = new Map<Seller, string>();
  for (const l of links) {
    const f = factories[l.factory];
    if (!factoryOf.has(l.seller)) factoryOf.set(l.seller, f.id);
    if (f.enrolledAt === null) continue;
    let m = enrolled.get(l.seller);
    if (!m) enrolled.set(l.seller, (m = new Map()));
    m.set(f.beltId, Math.min(m.get(f.beltId) ?? Infinity, f.enrolledAt));
  }
  const candidates: ProgrammeTruth['candidates'][number][] = [];
  for (const seller of legit) {
    const spot = seller.spot;
    if (seller.kind !== 'factory' || !spot || spot.station !== null || enrolled.has(seller)) continue;
    const belt = belts.find((b) => b.aois.some((a) => distanceM(a, spot.point) <= a.radiusM));
    if (belt) candidates.push({ seller, factoryId: factoryOf.get(seller) ?? null, beltId: belt.id });
  }

  return {
    truth: { enrolled, candidates, denSuppliers },
    belts: belts.map((b) => [b.id, `${s.city}${INDUSTRY[b.categories[0]]}产业带`, s.city, s.province, b.categories.join(';'), b.aois.map((a) => a.id).join(';'), null, null]),
    factories: factories.map((f) => f.row),
    factoryAccounts: links.map((l) => [factories[l.factory].id, l.seller.id, day(l.since)]),
  };
}

/** A den supplier's premises lie this far from the den's door, at most. */
const PREMISES_OFFSET_M = 60;

interface FactoryDraft {
  readonly id: string;
  readonly enrolledAt: number | null;
  readonly row: Cell[];
}

/**
 * A few OEM factories that also supply a den: some run one of its accounts
 * (a factory_accounts row), some have premises at its door (the factory's
 * point moved there). Drawn from a stream of its own, so the programme's
 * other rows are those of the world without the knob. Only operations that
 * ship for a fortnight or more, and factories not enrolled for the account
 * links (their turnover would count a den's sales).
 */
function drawDenSuppliers(
  ctx: ProgrammeContext,
  knob: NonNullable<Scenario['denSuppliers']>,
  factories: FactoryDraft[],
  links: { factory: number; seller: Seller; since: number }[],
  rng: Rng,
): DenSupplier[] {
  const ops = ctx.operations.filter((op) => op.accounts.length > 0 && op.before.length > 0 && Math.min(op.stopDay, ctx.days) >= 14);
  if (ops.length === 0) return [];
  const oem = (f: FactoryDraft) => f.row[4] !== null;
  const order = rng.shuffle(factories.map((_, i) => i)).sort((a, b) => Number(oem(factories[b])) - Number(oem(factories[a])));
  const used = new Set<number>();
  const out: DenSupplier[] = [];
  const take = (ok: (f: FactoryDraft) => boolean) => {
    const i = order.find((k) => !used.has(k) && ok(factories[k]));
    if (i !== undefined) used.add(i);
    return i;
  };
  for (let n = rng.intIn(knob.accounts); n > 0; n--) {
    const i = take((f) => f.enrolledAt === null);
    if (i === undefined) break;
    const op = rng.pick(ops);
    const seller = rng.pick(op.accounts);
    links.push({ factory: i, seller, since: Math.max(seller.registeredAt, ctx.start - 360 * 86_400) });
    out.push({ factoryId: factories[i].id, link: 'account', networkId: op.id, siteId: op.before[0].id, sellerId: seller.id });
  }
  for (let n = rng.intIn(knob.premises); n > 0; n--) {
    const i = take(() => true);
    if (i === undefined) break;
    const op = rng.pick(ops);
    const site = rng.pick(op.before);
    const d = rng.range(10, PREMISES_OFFSET_M);
    const th = rng.range(0, 2 * Math.PI);
    const [lat, lng] = ctx.project(...latLng(offsetM(site.point, d * Math.sin(th), d * Math.cos(th))));
    factories[i].row[6] = lat;
    factories[i].row[7] = lng;
    out.push({ factoryId: factories[i].id, link: 'premises', networkId: op.id, siteId: site.id, sellerId: null });
  }
  return out;
}

const latLng = (p: { lat: number; lng: number }): [number, number] => [p.lat, p.lng];
