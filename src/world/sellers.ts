/**
 * All actors of a world: the legitimate economy (brand stores, factories,
 * resellers, importers, accessory shops, livestreamers, small sellers) and
 * the counterfeit operations, with their listings and ids.
 */
import type { AoiType } from '../contract/dataset.ts';
import type { Listing, Operation, Seller, Site } from './actors.ts';
import { operationSites } from './actors.ts';
import type { Brand } from './catalog.ts';
import { jitter, type Address, type Aoi } from './city.ts';
import { makeListing, type ListingContext } from './listings.ts';
import { brandStoreName, ownBrandName, shopName } from './names.ts';
import { buildOperations, type OperationContext } from './operations.ts';
import type { Rng } from './random.ts';
import type { LegitKind, Scenario } from './scenario.ts';

export interface Actors {
  readonly sellers: Seller[];
  readonly listings: Listing[];
  readonly operations: Operation[];
  readonly sites: Site[];
}

/** How many of a thing a world of `pickups` pickups holds: ref * (pickups / refPickups) ^ exponent. */
export function scaled(ref: number, exponent: number, pickups: number, refPickups: number, min: number): number {
  return Math.max(min, Math.round(ref * Math.pow(Math.max(pickups, 1) / refPickups, exponent)));
}

/** Splits `total` over weights so the parts sum to it exactly (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (sum > 0 ? (total * w) / sum : 0));
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k][1]]++;
  return out;
}

export interface ActorContext extends OperationContext {
  readonly pickups: number;
}

/** Builds every seller, operation, site and listing of a world, with ids assigned. */
export function buildActors(ctx: ActorContext, rng: Rng): Actors {
  const s = ctx.scenario;
  const sc = s.scale;
  const targetSites = scaled(sc.sites, sc.siteExponent, ctx.pickups, sc.refPickups, sc.minSites);
  const targetSellers = scaled(sc.sellers, sc.sellerExponent, ctx.pickups, sc.refPickups, sc.minSellers);

  const built = buildOperations(ctx, targetSites, rng.fork('operations'));
  const denAccounts = built.reduce((n, b) => n + b.operation.accounts.length, 0);
  const legitCount = Math.max(Math.round(sc.minSellers * 0.8), targetSellers - denAccounts);
  const kinds = Object.keys(s.legitMix) as LegitKind[];
  const counts = apportion(legitCount, kinds.map((k) => s.legitMix[k]));

  const sellers: Seller[] = [];
  const listingContexts = new Map<Seller, ListingContext>();
  for (const b of built) {
    for (const a of b.operation.accounts) {
      sellers.push(a);
      listingContexts.set(a, { scenario: s, catalog: ctx.catalog, brands: b.brands, ownBrand: null });
    }
  }
  const legitRng = rng.fork('legit');
  let brandCursor = legitRng.int(0, ctx.catalog.brands.length - 1);
  kinds.forEach((kind, ki) => {
    for (let k = 0; k < counts[ki]; k++) {
      const r = legitRng.fork(`${kind}${k}`);
      // Brand stores go round the brands so each brand gets authorised sellers before any gets two.
      const brand = kind === 'brand_store' ? ctx.catalog.brands[brandCursor++ % ctx.catalog.brands.length] : null;
      const ownBrand = kind === 'factory' ? ownBrandName(r) : null;
      const seller = legitSeller(ctx, kind, brand, ownBrand, sellers.length, r);
      sellers.push(seller);
      listingContexts.set(seller, { scenario: s, catalog: ctx.catalog, brands: brand ? [brand] : [], ownBrand });
    }
  });
  shareLegitIdentities(s, sellers, rng.fork('shared-identities'));

  const listings: Listing[] = [];
  const listRng = rng.fork('listings');
  for (const [index, seller] of sellers.entries()) {
    const r = listRng.fork(index);
    const n = r.intIn(s.listingsPerSeller[seller.kind]);
    const firstSale = ctx.start + seller.activeFrom * 86_400;
    const earliest = Math.max(seller.registeredAt, firstSale - 300 * 86_400);
    for (let k = 0; k < n; k++) {
      const created = r.range(earliest, Math.max(earliest + 3600, firstSale - 3600));
      const l = makeListing(seller, listingContexts.get(seller)!, created, r);
      seller.listings.push(l);
      listings.push(l);
    }
  }

  assignIds(sellers, listings, rng.fork('ids'));
  for (const seller of sellers) {
    if (seller.kind !== 'brand_store') continue;
    const ctxL = listingContexts.get(seller)!;
    for (const p of ctx.catalog.byBrand.get(ctxL.brands[0].name) ?? []) p.authorizedSellers.push(seller.id);
  }
  const operations = built.map((b) => b.operation);
  const sites = operations.flatMap(operationSites);
  return { sellers, listings, operations, sites };
}

function legitSeller(ctx: ActorContext, kind: LegitKind, brand: Brand | null, ownBrand: string | null, index: number, r: Rng): Seller {
  const s = ctx.scenario;
  const place = s.legitPlacement[kind];
  const aoiType = r.weightedKey(place.aoi as Record<AoiType, number>);
  const aoi: Aoi = r.pick(ctx.city.ofType(aoiType));
  const building = ctx.city.pointIn(aoi, r);
  const own = ctx.city.addressOf(aoi, building, r);
  const atStation = r.chance(place.station);
  const stationAoi = atStation ? ctx.city.nearest('parcel_station', building) : null;
  // The village's public courier point, where the scenario has sellers use it (no draw otherwise).
  const atVillagePoint =
    !atStation && aoi.type === 'urban_village' && s.legitVillagePoint !== undefined && r.chance(s.legitVillagePoint);
  const collection = stationAoi ?? (atVillagePoint ? ctx.city.villagePoint(aoi) : building);
  const territory = ctx.city.territoryOf(collection);
  // Most sellers deal with the one courier of their beat; big shippers see a second one now and then.
  const couriers = r.shuffle([...territory.couriers]).slice(0, kind === 'factory' || kind === 'brand_store' ? 2 : 1);
  // An office or registered address on the waybill while parcels leave a warehouse: honest noise that looks like a fake sender.
  const sender: Address = r.chance(s.legitAddressMismatch) ? ctx.city.randomAddress(r) : own;
  const lateStart = r.chance(s.legitLateStart);
  const activeFrom = lateStart ? r.int(3, Math.max(4, ctx.days - 10)) : 0;
  const registeredAt = lateStart
    ? ctx.start + activeFrom * 86_400 - r.int(1, 30) * 86_400 - r.int(0, 86_399)
    : ctx.start - r.int(20, kind === 'brand_store' ? 3000 : 1500) * 86_400 - r.int(0, 86_399);
  const phone = r.hex(16);
  const name =
    kind === 'brand_store' && brand
      ? brandStoreName(brand, r)
      : kind === 'factory'
        ? `${ownBrand}${r.pick(['鞋业有限公司', '鞋服工厂店', '工贸', '家具厂'])}`
        : kind === 'livestream'
          ? `${shopName(r)}${r.pick(['直播间', '', ''])}`
          : shopName(r);
  const hasReturn = !r.chance(s.legitNoReturnAddress);
  return {
    id: '',
    kind,
    networkId: `own-${index + 1}`,
    isCounterfeit: false,
    shopName: name,
    registeredAt,
    region: r.chance(0.9) ? `${s.city}市${aoi.district}` : `${s.city}市`,
    phone,
    idHash: r.hex(16),
    bank: r.hex(16),
    device: r.hex(16),
    returnAddress: hasReturn ? own.text : null,
    returnPoint: hasReturn ? jitter(own, 10, r) : null,
    listings: [],
    volume: s.kindVolume[kind] * r.lognormal(1, s.volumeSigma),
    activeFrom,
    activeTo: ctx.days,
    hours: s.legitHours[kind],
    bulk: s.bulk[kind],
    spot: {
      mode: atStation ? 'station' : 'doorstep',
      point: collection,
      station: stationAoi ? ctx.stationAddress(stationAoi) : null,
      couriers,
    },
    senderAddress: sender,
    senderPhone: r.chance(0.92) ? phone : r.hex(16),
    operation: null,
    slot: 0,
    fakeAddresses: [],
  };
}

/**
 * Realistic overlaps among honest sellers: family members selling from one
 * phone or laptop, chain stores of one brand paid into one bank account.
 */
function shareLegitIdentities(s: Scenario, sellers: Seller[], r: Rng): void {
  const small = sellers.filter((x) => x.kind === 'small_seller' || x.kind === 'reseller' || x.kind === 'livestream');
  const groups = Math.round((small.length * s.legitSharedIdentity) / 2.5);
  for (let g = 0; g < groups; g++) {
    const head = r.pick(small);
    for (let k = r.int(1, 2); k > 0; k--) {
      const other = r.pick(small);
      if (other === head) continue;
      if (r.chance(0.6)) other.phone = head.phone;
      if (r.chance(0.5)) other.device = head.device;
      if (r.chance(0.2)) other.idHash = head.idHash;
    }
  }
  const stores = sellers.filter((x) => x.kind === 'brand_store');
  for (let k = 0; k + 1 < stores.length; k += 4) if (r.chance(0.5)) stores[k + 1].bank = stores[k].bank;
}

/**
 * Platform ids grow with time: sellers numbered in order of registration,
 * listings in order of creation, with irregular gaps (other cities' shops).
 */
function assignIds(sellers: Seller[], listings: Listing[], r: Rng): void {
  let n = 2_000_000 + r.int(0, 99_999);
  for (const seller of [...sellers].sort((a, b) => a.registeredAt - b.registeredAt)) {
    n += r.int(1, 400);
    seller.id = `S${n}`;
  }
  let m = 50_000_000 + r.int(0, 999_999);
  for (const l of [...listings].sort((a, b) => a.createdAt - b.createdAt)) {
    m += r.int(1, 900);
    l.id = `L${m}`;
  }
}
