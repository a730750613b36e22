/**
 * Parcels: shipments (waybills) and their first-mile pickups, generated day
 * by day and written at once, so memory stays flat at any volume.
 *
 * The total number of pickups is exact: the days share it in proportion to
 * the expected volume (largest remainder), and each day's count is shared
 * among the sellers active that day, weighted by their volume times a
 * day-to-day noise factor.
 */
import type { Listing, Operation, Seller, Site } from './actors.ts';
import { sitesOn } from './actors.ts';
import { addressVariant } from './addresses.ts';
import type { Address, City, Courier, Point } from './city.ts';
import { jitter, offsetM } from './city.ts';
import { badRow, planBadRows, planKinds } from './corrupt.ts';
import type { Rng } from './random.ts';
import type { Scenario } from './scenario.ts';
import { apportion } from './sellers.ts';
import type { TimeFormat } from './time.ts';
import type { Cell, TableWriter } from './writer.ts';

export interface ParcelContext {
  readonly scenario: Scenario;
  readonly city: City;
  readonly sellers: readonly Seller[];
  readonly days: number;
  readonly start: number;
  readonly holidayDay: number;
  readonly pickups: number;
  readonly time: TimeFormat;
  /** Converts a WGS84 point to the dataset's CRS, rounded: returns [lat, lng]. */
  readonly project: (lat: number, lng: number) => [number, number];
  readonly badRate: { readonly shipments: number; readonly pickups: number };
  readonly onProgress: (done: number) => void;
  /** Told of every clean shipment (local seconds of the order, its amount): the truth of the programme's turnover. */
  readonly onShipment?: (seller: Seller, listing: Listing, orderAt: number, amount: number) => void;
  /** Told of the parcels a counterfeit site ships on a day (the truth of the deterrence figures). */
  readonly onSiteParcels?: (site: Site, day: number, count: number) => void;
}

export interface ParcelStats {
  readonly shipmentRows: number;
  readonly pickupRows: number;
  readonly badShipments: number;
  readonly badPickups: number;
}

/** Expected-volume factor of legitimate trade per day: the pre-holiday rush, the holiday dip, quieter Sundays. */
export function legitDayFactors(s: Scenario, days: number, start: number, holidayDay: number): number[] {
  const h = s.holiday;
  const startDow = new Date(start * 1000).getUTCDay();
  return Array.from({ length: days }, (_, d) => {
    const rel = d - holidayDay;
    let f = 1;
    if (rel >= -h.legitDipBefore && rel <= h.legitDipAfter) f = h.legitDipFactor;
    else if (rel >= -h.legitDipBefore - 21 && rel < -h.legitDipBefore) f = h.preHolidayFactor;
    if ((startDow + d) % 7 === 0) f *= 0.9;
    return f;
  });
}

function denActive(seller: Seller, day: number): boolean {
  return day >= seller.activeFrom && day < seller.activeTo && sitesOn(seller.operation!, day).length > 0;
}

/** Seconds after the day's midnight at which a seller's courier visit happens. */
function visitSecond(seller: Seller, rng: Rng): number {
  const h = seller.hours;
  if (h.kind === 'night' && rng.chance(h.nightShare)) return Math.floor(rng.range(h.from, h.to) * 3600);
  const mean = h.kind === 'day' ? h.mean : 15;
  const sd = h.kind === 'day' ? h.sd : 3;
  const hour = Math.min(21.5, Math.max(8, rng.normal(mean, sd)));
  return Math.floor(hour * 3600);
}

/** Streams every shipment and pickup of the world into the two writers. */
export async function emitParcels(ctx: ParcelContext, shipments: TableWriter, pickups: TableWriter, rng: Rng): Promise<ParcelStats> {
  const s = ctx.scenario;
  const log = s.logistics;
  const sellers = ctx.sellers;
  const legitF = legitDayFactors(s, ctx.days, ctx.start, ctx.holidayDay);
  const expected = (seller: Seller, d: number): number => {
    if (seller.operation) return denActive(seller, d) ? seller.volume : 0;
    return d >= seller.activeFrom && d < seller.activeTo ? seller.volume * legitF[d] : 0;
  };
  const dayWeights = Array.from({ length: ctx.days }, (_, d) => sellers.reduce((sum, x) => sum + expected(x, d), 0));
  const dayCounts = apportion(ctx.pickups, dayWeights);

  // Per-seller lookups built once: cumulative listing popularity, den address variants per site.
  const listingCum = sellers.map((x) => {
    let acc = 0;
    return x.listings.map((l) => (acc += l.popularity));
  });
  const variants = new Map<Site, string[]>();
  const variantRng = rng.fork('variants');
  const siteVariants = (site: Site): string[] => {
    let v = variants.get(site);
    if (!v) {
      v = Array.from({ length: 6 }, () => addressVariant(site.addressParts, variantRng));
      variants.set(site, v);
    }
    return v;
  };
  const cityNames = Object.keys(s.recipientCities);
  const cityCum: number[] = [];
  {
    let acc = 0;
    for (const c of cityNames) cityCum.push((acc += s.recipientCities[c]));
  }

  const badRng = rng.fork('bad-rows');
  const shipBad = planBadRows(ctx.pickups, ctx.badRate.shipments, badRng);
  const shipKinds = planKinds('shipments', shipBad.length, badRng);
  const pickBad = planBadRows(ctx.pickups, ctx.badRate.pickups, badRng);
  const pickKinds = planKinds('pickups', pickBad.length, badRng);
  let nextShipBad = 0;
  let nextPickBad = 0;

  let waybillNo = 430_000_000_000 + rng.fork('waybill-base').int(0, 9_999_999) * 1000;
  const newWaybill = (): string => `YT${++waybillNo}`;
  let index = 0;
  let prevWaybill: string | undefined;
  const tf = ctx.time;
  const bareRate = log.noOffsetTimestamps;
  const order = sellers.map((_, i) => i);
  const vague = s.den.vagueSenderShare;
  const outliers = log.gpsOutliers;

  for (let d = 0; d < ctx.days; d++) {
    const dr = rng.fork(`day${d}`);
    const weights = sellers.map((x) => {
      const e = expected(x, d);
      return e > 0 ? e * dr.lognormal(1, s.dailySigma) : 0;
    });
    const counts = apportion(dayCounts[d], weights);
    const dayStart = ctx.start + d * 86_400;
    // Interleave sellers within the day, as waybill numbers interleave on a real platform.
    dr.shuffle(order);
    for (const si of order) {
      const count = counts[si];
      if (count === 0) continue;
      const seller = sellers[si];
      const cum = listingCum[si];
      const total = cum[cum.length - 1];
      const op: Operation | null = seller.operation;
      let site: Site | null = null;
      if (op) {
        const active = sitesOn(op, d);
        site = active.length === 1 || dr.chance(0.85) ? active[seller.slot % active.length] : dr.pick(active);
        if (site.firstSeen < 0) site.firstSeen = d;
        site.lastSeen = d;
        site.parcels += count;
        ctx.onSiteParcels?.(site, d, count);
      }
      const couriers: readonly Courier[] = site ? site.couriers : seller.spot!.couriers;
      // A seller's parcels leave in one to a few courier visits; parcels of one visit are scanned seconds apart.
      const visits = count <= 2 ? count : 1 + Math.min(3, Math.floor(dr.float() * (1 + count / 15)));
      let left = count;
      for (let v = 0; v < visits; v++) {
        const inVisit = v === visits - 1 ? left : Math.max(1, Math.round(count / visits));
        left -= inVisit;
        const courier = couriers.length === 1 ? couriers[0] : dr.pick(couriers);
        const visitAt = dayStart + visitSecond(seller, dr);
        const acceptAt = visitAt - Math.floor(dr.in(log.acceptLeadMinutes) * 60);
        // Where the courier physically stands during this visit.
        let stand: Point;
        let knownAs: Address | null = null;
        if (site) {
          if (site.mode === 'station') {
            stand = site.station!.aoi;
            knownAs = site.station;
          } else if (site.mode === 'alley') stand = dr.pick(site.meetingPoints);
          else stand = jitter(site.point, s.den.doorstepSigmaM * 0.5, dr);
        } else {
          stand = seller.spot!.point;
          knownAs = seller.spot!.station;
        }
        let scanAt = visitAt;
        for (let k = 0; k < inVisit; k++) {
          scanAt += dr.int(4, 75);
          // --- shipment
          const x = dr.float() * total;
          let li = 0;
          while (cum[li] <= x && li < cum.length - 1) li++;
          const listing = seller.listings[li];
          let qty = 1;
          while (qty < 50 && dr.float() < seller.bulk / (1 + seller.bulk)) qty++;
          let sender: Address;
          let senderText: string;
          let senderPhone: string | null;
          if (site && op) {
            if (dr.chance(op.fakeSenderShare)) {
              // A vague address (the den's village, no house number) where the scenario has them; else a fake one.
              sender = vague !== undefined && dr.chance(vague) ? ctx.city.vagueAddress(site.aoi) : dr.pick(seller.fakeAddresses);
              senderText = sender.text;
            } else {
              sender = site.address;
              senderText = dr.pick(siteVariants(site));
            }
            senderPhone = dr.chance(s.den.senderPhoneShare ?? 0.85) ? dr.pick(op.senderPhones) : seller.phone;
          } else {
            sender = seller.senderAddress!;
            senderText = sender.text;
            senderPhone = seller.senderPhone;
          }
          const orderAt = acceptAt - Math.floor(Math.max(600, dr.lognormal(log.orderLeadHoursMedian, 0.8) * 3600));
          const cx = dr.float() * cityCum[cityCum.length - 1];
          let ci = 0;
          while (cityCum[ci] <= cx && ci < cityCum.length - 1) ci++;
          const waybill = newWaybill();
          const shipRow: Cell[] = [
            waybill,
            seller.id,
            listing.id,
            tf.timestamp(orderAt, dr.float() < bareRate),
            qty,
            Math.round(listing.price * qty * 100) / 100,
            cityNames[ci],
            Math.round((listing.unitKg * qty * dr.range(0.95, 1.15) + 0.1) * 100) / 100,
            senderText,
            senderPhone,
          ];
          const p1 = shipments.write(shipRow);
          if (p1) await p1;
          ctx.onShipment?.(seller, listing, orderAt, shipRow[5] as number);
          while (nextShipBad < shipBad.length && shipBad[nextShipBad] === index) {
            const kind = shipKinds[nextShipBad++];
            const p = shipments.write(badRow('shipments', kind, shipRow, { fresh: newWaybill() }, badRng));
            if (p) await p;
          }

          // --- pickup
          const addr = knownAs ?? sender;
          const [lat, lng] = ctx.project(addr.lat, addr.lng);
          const bare = dr.float() < bareRate;
          let gpsTime: string | null = null;
          let gLat: number | null = null;
          let gLng: number | null = null;
          if (dr.float() >= courier.gpsMissing) {
            let fix: Point;
            let fixAt = scanAt;
            if (dr.float() < log.lateScan) {
              // Scanned later, somewhere along the route: the fix says nothing about the pickup place.
              fixAt = scanAt + Math.floor(dr.in(log.lateScanMinutes) * 60);
              fix = ctx.city.pointInTerritory(courier.territory, dr);
            } else {
              fixAt = scanAt + dr.int(0, 90);
              const sigma = site && site.mode === 'doorstep' ? s.den.doorstepSigmaM : courier.gpsNoiseM / Math.SQRT2;
              fix = jitter(stand, sigma, dr);
              if (outliers && dr.chance(outliers.share)) {
                // A fix thrown far off (multipath, a stale position), in any direction.
                const far = dr.in(outliers.distanceM);
                const th = dr.range(0, 2 * Math.PI);
                fix = offsetM(fix, far * Math.sin(th), far * Math.cos(th));
              }
            }
            [gLat, gLng] = ctx.project(fix.lat, fix.lng);
            gpsTime = tf.timestamp(fixAt, bare);
          }
          let pickRow: Cell[] = [
            waybill,
            courier.id,
            courier.territory.id,
            s.city,
            addr.aoi.id,
            addr.aoi.type,
            lng,
            lat,
            tf.timestamp(acceptAt + dr.int(0, 120), bare),
            tf.timestamp(scanAt, bare),
            gpsTime,
            gLng,
            gLat,
          ];
          if (nextPickBad < pickBad.length && pickBad[nextPickBad] === index) {
            const kind = pickKinds[nextPickBad++];
            pickRow = badRow('pickups', kind, pickRow, { fresh: `YT${waybillNo + 1_000_000_000_000}`, previous: prevWaybill }, badRng);
          }
          prevWaybill = waybill;
          const p2 = pickups.write(pickRow);
          if (p2) await p2;
          index++;
        }
      }
      ctx.onProgress(index);
    }
  }
  return { shipmentRows: shipments.rows, pickupRows: pickups.rows, badShipments: shipBad.length, badPickups: pickBad.length };
}
