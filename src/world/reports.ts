/**
 * What people found out: test buys (accurate, aimed mostly at suspected
 * dens), rights-holder notices (noisy, partly aimed at resellers and
 * importers), consumer complaints (weak), platform flags; and offline
 * checks: raids that confirmed real dens, and checks that found nothing
 * (wrong places, or a real den visited while it was shut for the holiday).
 */
import type { Listing, Operation, Seller } from './actors.ts';
import { operationSites } from './actors.ts';
import { jitter, type City, type Point } from './city.ts';
import type { Rng } from './random.ts';
import type { Scenario } from './scenario.ts';

export type Verdict = 'counterfeit' | 'genuine' | 'unknown';

export interface Report {
  readonly targetType: 'listing' | 'seller';
  readonly targetId: string;
  readonly source: 'rights_holder' | 'consumer' | 'test_buy' | 'platform';
  readonly verdict: Verdict;
  readonly createdAt: number;
}

export interface Outcome {
  readonly point: Point;
  readonly day: number;
  readonly result: 'confirmed' | 'nothing_found';
  readonly seizedValue: number | null;
  readonly arrests: number | null;
  readonly note: string;
  /** The operation raided (confirmed raids only): ties the outcome to truth/deterrence.csv. */
  readonly networkId?: string;
}

function verdictFor(truth: boolean, accuracy: number, rng: Rng, unknownShare = 0.1): Verdict {
  if (rng.chance(unknownShare)) return 'unknown';
  const right = rng.chance(accuracy);
  return truth === right ? 'counterfeit' : 'genuine';
}

/** Reports about listings and sellers, dated within the period. */
export function buildReports(s: Scenario, sellers: readonly Seller[], listings: readonly Listing[], sites: number, start: number, days: number, rng: Rng): Report[] {
  const rs = s.reports;
  const reports: Report[] = [];
  const when = () => start + rng.int(0, days * 86_400 - 1);
  const denListings = listings.filter((l) => l.seller.kind === 'den_account');
  const branded = listings.filter((l) => l.brand !== null || l.productRef !== null);
  const suspects = listings.filter((l) => ['reseller', 'parallel_importer', 'accessory', 'livestream'].includes(l.seller.kind));
  const others = listings.filter((l) => l.seller.kind !== 'den_account');
  const pickFrom = (a: readonly Listing[], b: readonly Listing[], pA: number): Listing | undefined => {
    const first = rng.chance(pA) ? a : b;
    const list = first.length > 0 ? first : a.length > 0 ? a : b;
    return list.length > 0 ? rng.pick(list) : undefined;
  };

  for (let k = Math.round(rs.testBuysPerSite * sites); k > 0; k--) {
    const l = pickFrom(denListings, others, rs.testBuyOnDens);
    if (l) reports.push({ targetType: 'listing', targetId: l.id, source: 'test_buy', verdict: verdictFor(l.isCounterfeit, rs.testBuyAccuracy, rng, 0.02), createdAt: when() });
  }
  for (let k = Math.round((rs.rightsHolderPer100Listings * branded.length) / 100); k > 0; k--) {
    const l = pickFrom(denListings, suspects, rs.rightsHolderOnDens);
    if (l) reports.push({ targetType: 'listing', targetId: l.id, source: 'rights_holder', verdict: verdictFor(l.isCounterfeit, rs.rightsHolderAccuracy, rng, 0.05), createdAt: when() });
  }
  for (let k = Math.round((rs.consumerPer100Listings * listings.length) / 100); k > 0; k--) {
    const l = rng.pick(listings);
    reports.push({ targetType: 'listing', targetId: l.id, source: 'consumer', verdict: verdictFor(l.isCounterfeit, rs.consumerAccuracy, rng, 0.4), createdAt: when() });
  }
  const denSellers = sellers.filter((x) => x.isCounterfeit);
  const legit = sellers.filter((x) => !x.isCounterfeit);
  for (let k = Math.round(rs.platformPerSite * sites); k > 0; k--) {
    const x = rng.chance(0.6) && denSellers.length > 0 ? rng.pick(denSellers) : rng.pick(legit);
    reports.push({ targetType: 'seller', targetId: x.id, source: 'platform', verdict: verdictFor(x.isCounterfeit, rs.platformAccuracy, rng, 0.2), createdAt: when() });
  }
  return reports.sort((a, b) => a.createdAt - b.createdAt);
}

/** Offline checks: raids at stopped operations' dens, checks at wrong places, early checks at shut dens. */
export function buildOutcomes(s: Scenario, city: City, operations: readonly Operation[], days: number, rng: Rng): Outcome[] {
  const o = s.outcomes;
  const out: Outcome[] = [];
  for (const op of operations) {
    if (!op.raided) continue;
    for (const site of op.before) {
      out.push({
        point: jitter(site.point, 8, rng),
        day: Math.min(days - 1, op.stopDay),
        result: 'confirmed',
        seizedValue: Math.round(rng.in(o.seizedValue) / 100) * 100,
        arrests: rng.intIn(o.arrests),
        note: rng.pick(['raid: storage and packing site, shoes seized', '查获仿冒鞋服及包装材料', 'joint action with rights holder; goods seized']),
        networkId: op.id,
      });
    }
  }
  const wrong = [...city.ofType('urban_village'), ...city.ofType('industrial'), ...city.ofType('residential')];
  const denPoints = operations.flatMap(operationSites).map((x) => x.point);
  for (let k = rng.intIn(o.wrongPlaceChecks); k > 0; k--) {
    const aoi = rng.pick(wrong);
    const p = city.pointIn(aoi, rng);
    // A wrong place is one with no den within half a kilometre.
    if (denPoints.some((d) => Math.abs(d.lat - p.lat) < 0.005 && Math.abs(d.lng - p.lng) < 0.005)) continue;
    out.push({ point: p, day: rng.int(0, days - 1), result: 'nothing_found', seizedValue: null, arrests: null, note: rng.pick(['tip-off checked; ordinary workshop', '现场未发现仿冒商品', 'warehouse inspected, nothing found']) });
  }
  const shut = operations.filter((op) => op.pauseFrom >= 0 && op.pauseTo < days && op.after === op.before && op.stopDay === Infinity);
  for (let k = 0; k < o.earlyChecks && shut.length > 0; k++) {
    const op = rng.pick(shut);
    out.push({
      point: jitter(op.before[0].point, 10, rng),
      day: rng.int(op.pauseFrom + 1, op.pauseTo - 1),
      result: 'nothing_found',
      seizedValue: null,
      arrests: null,
      note: 'checked during the holiday; premises locked',
    });
  }
  return out.sort((a, b) => a.day - b.day);
}
