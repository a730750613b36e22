/**
 * Counterfeit operations: a den (sometimes split over two doors a few
 * hundred metres apart) in an urban village, a handful of shop accounts that
 * share some of the operation's phones, identities, bank accounts and
 * devices, a holiday pause, and a fate: carry on, move after the holiday, or
 * stop (often after a raid).
 */
import type { Operation, Seller, Site } from './actors.ts';
import { addressVariant, canonicalAddress, type AddressParts } from './addresses.ts';
import type { Brand, Catalog } from './catalog.ts';
import { distanceM, jitter, offsetM, type Address, type Aoi, type City, type Courier, type Point } from './city.ts';
import type { Rng } from './random.ts';
import type { PickupMode, Scenario } from './scenario.ts';
import { shopName } from './names.ts';

export interface OperationContext {
  readonly scenario: Scenario;
  readonly city: City;
  readonly catalog: Catalog;
  readonly days: number;
  /** Local seconds at the start of day 0. */
  readonly start: number;
  /** Day index of the holiday (may fall outside the period). */
  readonly holidayDay: number;
  readonly stationAddress: (station: Aoi) => Address;
}

/** A counterfeit operation with its accounts (listings are added by the caller), and the brands it fakes. */
export interface BuiltOperation {
  readonly operation: Operation;
  readonly brands: readonly Brand[];
}

function pickCouriers(pool: readonly Courier[], n: number, rng: Rng): Courier[] {
  return rng.shuffle([...pool]).slice(0, Math.max(1, Math.min(n, pool.length)));
}

function makeSite(ctx: OperationContext, id: string, networkId: string, aoi: Aoi, point: Point, houseNo: number, mode: PickupMode, rng: Rng): Site {
  const s = ctx.scenario;
  const parts: AddressParts = { province: s.province, city: s.city, district: aoi.district, town: aoi.town, place: aoi.name, houseNo };
  const geo = ctx.city.geocode(aoi, point, rng);
  const meetingPoints: Point[] = [];
  if (mode === 'alley') {
    for (let k = rng.intIn(s.den.meetingPoints); k > 0; k--) {
      const d = rng.in(s.den.meetingDistanceM);
      const th = rng.range(0, 2 * Math.PI);
      meetingPoints.push(offsetM(point, d * Math.sin(th), d * Math.cos(th)));
    }
    // A village's public courier point, shared with the village's honest sellers, as one more handover point.
    if (s.den.villagePointShare !== undefined && aoi.type === 'urban_village' && rng.chance(s.den.villagePointShare)) {
      const vp = ctx.city.villagePoint(aoi);
      if (distanceM(vp, point) <= 250) meetingPoints.push(vp);
    }
  }
  const stationAoi = mode === 'station' ? ctx.city.nearest('parcel_station', point) : null;
  const collection = stationAoi ?? meetingPoints[0] ?? point;
  return {
    id,
    networkId,
    point,
    aoi,
    address: { text: canonicalAddress(parts), lat: geo.lat, lng: geo.lng, aoi },
    addressParts: parts,
    mode,
    meetingPoints,
    station: stationAoi ? ctx.stationAddress(stationAoi) : null,
    couriers: pickCouriers(ctx.city.territoryOf(collection).couriers, rng.intIn(s.den.couriers), rng),
    status: 'active',
    successor: null,
    firstSeen: -1,
    lastSeen: -1,
    parcels: 0,
  };
}

/** Builds operations until they hold at least `targetSites` sites. */
export function buildOperations(ctx: OperationContext, targetSites: number, rng: Rng): BuiltOperation[] {
  const s = ctx.scenario;
  const den = s.den;
  const built: BuiltOperation[] = [];
  let sites = 0;
  const villages = ctx.city.ofType('urban_village');
  const estates = ctx.city.ofType('residential');
  const industrial = ctx.city.ofType('industrial');
  const fakeBrands = ctx.catalog.brands;
  for (let i = 0; sites < targetSites; i++) {
    const r = rng.fork(`operation${i}`);
    const networkId = `net-${String(i + 1).padStart(3, '0')}`;
    // A daytime repacking unit in an industrial estate (only where the scenario has such dens: no draw otherwise).
    const daytime = den.industrialDayShare !== undefined && industrial.length > 0 && r.chance(den.industrialDayShare);
    const aoi = daytime ? r.pick(industrial) : r.chance(den.residentialProb) && estates.length > 0 ? r.pick(estates) : r.pick(villages);
    const mode = r.weightedKey(den.modeWeights);
    const door = ctx.city.pointIn(aoi, r);
    const houseNo = r.int(1, 188);
    const before: Site[] = [makeSite(ctx, `site-${i + 1}a`, networkId, aoi, door, houseNo, mode, r)];
    if (r.chance(den.splitDenProb)) {
      const d = r.in(den.splitDistanceM);
      const th = r.range(0, 2 * Math.PI);
      const door2 = offsetM(door, d * Math.sin(th), d * Math.cos(th));
      before.push(makeSite(ctx, `site-${i + 1}b`, networkId, aoi, door2, houseNo + r.int(3, 40), mode, r));
    }

    // The holiday pause, jittered per operation; when the holiday lies outside the period it never bites.
    const pauseFrom = ctx.holidayDay - s.holiday.denPauseBefore + r.int(-2, 2);
    const pauseTo = ctx.holidayDay + s.holiday.denPauseAfter + r.int(-2, 3);
    const canMove = pauseFrom > 10 && pauseTo < ctx.days - 10;
    const fate = r.float();
    let after = before;
    let stopDay = Infinity;
    if (canMove && fate < den.moveProb) {
      const newAoi = r.pick((daytime && industrial.length > 1 ? industrial : villages).filter((v) => v !== aoi));
      const newMode = r.chance(0.6) ? mode : r.weightedKey(den.modeWeights);
      const successor = makeSite(ctx, `site-${i + 1}m`, networkId, newAoi, ctx.city.pointIn(newAoi, r), r.int(1, 188), newMode, r);
      for (const b of before) {
        b.status = 'moved';
        b.successor = successor;
      }
      after = [successor];
    } else if (fate < den.moveProb + den.stopProb && ctx.days > 40) {
      // Stop for good, more than two weeks before the end, before or after the holiday.
      const windows: [number, number][] = [];
      if (pauseFrom - 5 > 20) windows.push([20, Math.min(pauseFrom - 5, ctx.days - 15)]);
      if (ctx.days - 15 > Math.max(pauseTo + 5, 20)) windows.push([Math.max(pauseTo + 5, 20), ctx.days - 15]);
      if (windows.length > 0) {
        stopDay = r.intIn(r.pick(windows));
        for (const b of before) b.status = 'dormant';
      }
    }
    const raided = stopDay !== Infinity && r.chance(den.raidShareOfStops);

    const brandCount = r.intIn(den.brandsPerOperation);
    const brands: Brand[] = [];
    while (brands.length < brandCount) {
      const b = r.weighted(fakeBrands, fakeBrands.map((x) => x.fakeWeight));
      if (!brands.includes(b)) brands.push(b);
    }

    const pool = () => Array.from({ length: r.intIn(den.poolSize) }, () => r.hex(16));
    const phones = pool();
    const ids = pool();
    const banks = pool();
    const devices = pool();
    // Optional mechanisms, drawn only where the scenario sets them.
    const senderPhones = den.senderPhonePool ? Array.from({ length: r.intIn(den.senderPhonePool) }, () => r.hex(16)) : phones;
    const sharesIdentity = den.noSharedIdShare === undefined || !r.chance(den.noSharedIdShare);
    const idRange = den.sharedIdPerOperation;
    const shareId = !sharesIdentity
      ? { phone: 0, id: 0, bank: 0, device: 0 }
      : idRange
        ? { phone: r.in(idRange), id: r.in(idRange), bank: r.in(idRange), device: r.in(idRange) }
        : den.sharedIdProb;
    const nightShare = r.in(den.nightShare);
    const dayHours = den.dayHours ?? { mean: 14, sd: 2.5 };
    const operation: Operation = {
      id: networkId,
      before,
      after,
      pauseFrom,
      pauseTo,
      stopDay,
      raided,
      nightShare,
      fakeSenderShare: r.in(den.fakeSenderProb),
      phones,
      senderPhones,
      hours: daytime ? { kind: 'day', mean: dayHours.mean, sd: dayHours.sd } : { kind: 'night', nightShare, from: 22, to: 28 },
      sharesIdentity,
      accounts: [],
    };
    const regStart = ctx.start - r.int(30, 500) * 86_400;
    const regSpread = r.intIn(den.registrationSpreadDays);
    const startDay = r.chance(0.85) ? 0 : r.int(5, Math.max(6, Math.floor(ctx.days / 4)));
    const home = r.chance(0.8) ? `${s.city}市${aoi.district}` : r.pick(['广州市', '泉州市', '晋江市', '厦门市', '福州市', '温州市']);
    const nAccounts = r.intIn(den.accountsPerOperation);
    for (let k = 0; k < nAccounts; k++) {
      const slot = k % before.length;
      const site = before[slot];
      const fakes = Array.from({ length: r.intIn(den.fakeAddressesPerAccount) }, () => ctx.city.randomAddress(r));
      const hasReturn = !r.chance(den.noReturnAddress);
      // An operation that shares nothing gives each account one of its fake addresses as return address.
      const returnTo = sharesIdentity ? null : fakes[0];
      const account: Seller = {
        id: '',
        kind: 'den_account',
        networkId,
        isCounterfeit: true,
        shopName: shopName(r),
        registeredAt: regStart + r.int(0, regSpread * 86_400),
        region: r.chance(0.85) ? home : `${s.city}市`,
        phone: r.chance(shareId.phone) ? r.pick(phones) : r.hex(16),
        idHash: r.chance(shareId.id) ? r.pick(ids) : r.hex(16),
        bank: r.chance(shareId.bank) ? r.pick(banks) : r.hex(16),
        device: r.chance(shareId.device) ? r.pick(devices) : r.hex(16),
        returnAddress: hasReturn ? (returnTo ? returnTo.text : addressVariant(site.addressParts, r)) : null,
        returnPoint: hasReturn ? jitter(returnTo ?? site.address, 20, r) : null,
        listings: [],
        volume: s.kindVolume.den_account * r.lognormal(1, s.volumeSigma),
        activeFrom: startDay,
        activeTo: ctx.days,
        hours: operation.hours,
        bulk: s.bulk.den_account,
        spot: null,
        senderAddress: null,
        senderPhone: null,
        operation,
        slot,
        fakeAddresses: fakes,
      };
      operation.accounts.push(account);
    }
    sites += before.length + (after === before ? 0 : after.length);
    built.push({ operation, brands });
  }
  return built;
}
