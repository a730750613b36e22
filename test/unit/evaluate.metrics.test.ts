import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { haversineMeters } from '../../src/geo.ts';
import {
  auroc,
  averagePrecision,
  leadAveragePrecision,
  locationAccuracy,
  matchLeadsToSites,
  median,
  pairwiseF1,
  reliability,
  siteRecall,
  statusAccuracy,
  type RankedLead,
  type SiteStatus,
  type TrueSite,
} from '../../src/evaluate/metrics.ts';

// One degree of latitude in metres on the sphere haversineMeters uses.
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;

function site(site_id: string, lat: number, lng: number, status: SiteStatus = 'active', successor_site_id: string | null = null): TrueSite {
  return { site_id, lat, lng, status, successor_site_id };
}

/** A lead `metres` north of a site (or of a point). */
function leadNear(
  lead_id: string,
  rank: number,
  at: { lat: number; lng: number },
  metres: number,
  extra: Partial<RankedLead> = {},
): RankedLead {
  return { lead_id, rank, lat: at.lat + metres / M_PER_DEG, lng: at.lng, radius_m: 200, status: 'active', successor_lead_id: null, ...extra };
}

describe('haversineMeters', () => {
  it('measures a degree of latitude and is symmetric', () => {
    expect(haversineMeters(0, 0, 1, 0)).toBeCloseTo(M_PER_DEG, 3);
    expect(haversineMeters(48.85, 2.35, 51.5, -0.12)).toBeCloseTo(haversineMeters(51.5, -0.12, 48.85, 2.35), 6);
    // Paris - London is about 343 km.
    expect(haversineMeters(48.8566, 2.3522, 51.5074, -0.1278) / 1000).toBeCloseTo(343.5, 0);
  });
});

describe('auroc', () => {
  it('counts correctly ordered positive/negative pairs', () => {
    // Pairs (pos, neg): 0.9>0.8, 0.9>0.6, 0.7<0.8, 0.7>0.6 -> 3 of 4.
    expect(auroc([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo(0.75, 12);
  });
  it('counts a tied positive/negative pair as half', () => {
    expect(auroc([0.5, 0.5], [true, false])).toBeCloseTo(0.5, 12);
    expect(auroc([0.5, 0.5, 0.1], [true, false, false])).toBeCloseTo(0.75, 12);
  });
  it('is null without both classes', () => {
    expect(auroc([0.1, 0.2], [true, true])).toBeNull();
    expect(auroc([], [])).toBeNull();
  });
});

describe('averagePrecision', () => {
  it('averages precision at each positive', () => {
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo((1 + 2 / 3) / 2, 12);
  });
  it('breaks ties stably, in input order', () => {
    expect(averagePrecision([0.5, 0.5], [false, true])).toBeCloseTo(0.5, 12);
    expect(averagePrecision([0.5, 0.5], [true, false])).toBeCloseTo(1, 12);
  });
  it('is null without positives', () => {
    expect(averagePrecision([0.3], [false])).toBeNull();
  });
});

describe('matchLeadsToSites', () => {
  const a = site('A', 0, 0);
  const b = site('B', 0.01, 0);

  it('matches each site at most once: a second lead on the same site is a false positive', () => {
    const leads = [leadNear('L2', 2, a, 50), leadNear('L1', 1, a, 100)];
    const matches = matchLeadsToSites(leads, [a], 250);
    expect(matches.map((m) => [m.lead.lead_id, m.site?.site_id ?? null])).toEqual([
      ['L1', 'A'],
      ['L2', null],
    ]);
    expect(matches[0].distanceM).toBeCloseTo(100, 6);
  });
  it('takes the nearest free site within range', () => {
    const between = leadNear('L1', 1, a, 0.004 * M_PER_DEG); // 444.8 m from A, 667 m from B
    expect(matchLeadsToSites([between], [b, a], 1000)[0].site?.site_id).toBe('A');
    // Once A is taken, the next lead falls back to B if B is in range, else to nothing.
    const second = leadNear('L2', 2, a, 0.004 * M_PER_DEG);
    expect(matchLeadsToSites([between, second], [a, b], 1000)[1].site?.site_id).toBe('B');
    expect(matchLeadsToSites([between, second], [a, b], 500)[1].site).toBeNull();
  });
  it('ignores sites beyond maxMeters', () => {
    expect(matchLeadsToSites([leadNear('L1', 1, a, 300)], [a], 250)[0].site).toBeNull();
  });
});

describe('siteRecall and leadAveragePrecision', () => {
  const a = site('A', 0, 0);
  const b = site('B', 0.1, 0);

  it('do not reward two leads on one site', () => {
    const leads = [leadNear('L1', 1, a, 10), leadNear('L2', 2, a, 20), leadNear('L3', 3, b, 30)];
    // Hits by rank: true, false, true -> (1/1 + 2/3) / 2 sites.
    expect(leadAveragePrecision(leads, [a, b], 250)).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(siteRecall(leads, [a, b], 250)).toBe(1);
  });
  it('only looks at the first 2n leads', () => {
    const leads = [
      leadNear('L1', 1, a, 10),
      leadNear('X2', 2, { lat: 5, lng: 5 }, 0),
      leadNear('X3', 3, { lat: 6, lng: 6 }, 0),
      leadNear('X4', 4, { lat: 7, lng: 7 }, 0),
      leadNear('L5', 5, b, 10),
    ];
    expect(siteRecall(leads, [a, b], 250)).toBe(0.5);
    expect(siteRecall(leads, [a, b], 250, 5)).toBe(1);
    // A site no lead finds still costs AP: (1/1 + 2/5) / 2.
    expect(leadAveragePrecision(leads, [a, b], 250)).toBeCloseTo((1 + 2 / 5) / 2, 12);
  });
  it("count a station drop at its own, longer distance", () => {
    const station = { ...site('S', 0.2, 0), minMatchM: 500 };
    const leads = [leadNear('L1', 1, a, 10), leadNear('L2', 2, station, 400)];
    expect(siteRecall(leads, [a, station], 250)).toBe(1);
    expect(leadAveragePrecision(leads, [a, station], 250)).toBe(1);
    // Without it, 400 m is a miss at 250 m.
    expect(siteRecall(leads, [a, site('S', 0.2, 0)], 250)).toBe(0.5);
    // Never shorter than the metric's own distance.
    expect(siteRecall([leadNear('L1', 1, a, 10), leadNear('L2', 2, station, 600)], [a, station], 1000)).toBe(1);
  });
  it('are null without sites', () => {
    expect(siteRecall([leadNear('L1', 1, a, 0)], [], 250)).toBeNull();
    expect(leadAveragePrecision([leadNear('L1', 1, a, 0)], [], 250)).toBeNull();
  });
});

describe('reliability', () => {
  it('bins leads by score beside the share that found a site', () => {
    const a = site('A', 0, 0);
    const b = site('B', 0.1, 0);
    const leads = [
      { ...leadNear('L1', 1, a, 10), score: 0.9 },
      { ...leadNear('L2', 2, { lat: 5, lng: 5 }, 0), score: 0.85 },
      { ...leadNear('L3', 3, b, 10), score: 0.5 },
      { ...leadNear('L4', 4, { lat: 6, lng: 6 }, 0), score: 0.1 },
    ];
    const bins = reliability(leads, [a, b], 250);
    expect(bins.map((x) => x.leads)).toEqual([1, 0, 1, 0, 2]);
    expect(bins.map((x) => x.hits)).toEqual([0, 0, 1, 0, 1]);
    expect(bins[4].meanScore).toBeCloseTo(0.875, 12);
    expect(bins[1].meanScore).toBeNull();
  });
});

describe('locationAccuracy', () => {
  it('reports median error and share inside radius_m over matched sites', () => {
    const a = site('A', 0, 0);
    const b = site('B', 0.1, 0);
    const leads = [leadNear('L1', 1, a, 100, { radius_m: 200 }), leadNear('L2', 2, b, 300, { radius_m: 200 })];
    const acc = locationAccuracy(leads, [a, b], 500);
    expect(acc.matched).toBe(2);
    expect(acc.medianErrorM).toBeCloseTo(200, 4);
    expect(acc.insideRadius).toBe(0.5);
  });
  it('is null when nothing matched', () => {
    expect(locationAccuracy([], [site('A', 0, 0)])).toEqual({ matched: 0, medianErrorM: null, insideRadius: null });
  });
});

describe('median', () => {
  it('handles odd and even lengths', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('pairwiseF1', () => {
  it('matches a hand count', () => {
    const predicted = new Map([['a', 1], ['b', 1], ['c', 1], ['d', 2]]);
    const truth = new Map([['a', 'x'], ['b', 'x'], ['c', 'y'], ['d', 'y'], ['e', 'y']]);
    // Over a..d: predicted pairs ab ac bc; true pairs ab cd; shared ab.
    const s = pairwiseF1(predicted, truth);
    expect(s.items).toBe(4);
    expect(s.precision).toBeCloseTo(1 / 3, 12);
    expect(s.recall).toBeCloseTo(1 / 2, 12);
    expect(s.f1).toBeCloseTo(0.4, 12);
  });
  it('scores all-singletons against grouped truth as 0', () => {
    const s = pairwiseF1(new Map([['a', 1], ['b', 2]]), new Map([['a', 'x'], ['b', 'x']]));
    expect(s).toMatchObject({ precision: 1, recall: 0, f1: 0 });
  });
});

describe('statusAccuracy', () => {
  const a = site('A', 0, 0, 'active');
  const b = site('B', 0.1, 0, 'moved', 'C');
  const c = site('C', 0.2, 0, 'active');
  const d = site('D', 0.3, 0, 'dormant');

  it('needs the right status and, for moved, a successor lead on the true successor site', () => {
    const leads = [
      leadNear('LA', 1, a, 10),
      leadNear('LB', 2, b, 10, { status: 'moved', successor_lead_id: 'LC' }),
      leadNear('LC', 3, c, 10),
      leadNear('LD', 4, d, 10, { status: 'active' }),
    ];
    expect(statusAccuracy(leads, [a, b, c, d])).toEqual({ matched: 4, accuracy: 3 / 4 });
  });
  it('counts moved wrong when the successor lead is elsewhere or missing', () => {
    const wrongSuccessor = [leadNear('LB', 1, b, 10, { status: 'moved', successor_lead_id: 'LA' }), leadNear('LA', 2, a, 10)];
    expect(statusAccuracy(wrongSuccessor, [a, b, c]).accuracy).toBe(1 / 2);
    const noSuccessor = [leadNear('LB', 1, b, 10, { status: 'moved', successor_lead_id: null })];
    expect(statusAccuracy(noSuccessor, [a, b, c]).accuracy).toBe(0);
  });
});

describe('properties', () => {
  const labelled = fc
    .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { minLength: 2, maxLength: 60 })
    .filter((xs) => xs.some(([, l]) => l) && xs.some(([, l]) => !l));

  it('AUROC is 1 for a perfect ranking and 0 for the reversed one', () => {
    fc.assert(
      fc.property(labelled, (xs) => {
        // Positives all score above 1, negatives at most 1.
        const perfect = xs.map(([s, l]) => (l ? 2 + s : s));
        const labels = xs.map(([, l]) => l);
        expect(auroc(perfect, labels)).toBeCloseTo(1, 12);
        expect(auroc(perfect.map((s) => -s), labels)).toBeCloseTo(0, 12);
      }),
    );
  });

  it('AUROC of negated scores is 1 - AUROC', () => {
    fc.assert(
      fc.property(labelled, (xs) => {
        const scores = xs.map(([s]) => s);
        const labels = xs.map(([, l]) => l);
        expect(auroc(scores.map((s) => -s), labels)!).toBeCloseTo(1 - auroc(scores, labels)!, 9);
      }),
    );
  });

  it('AP lies in [0, 1] and is 1 for a perfect ranking', () => {
    fc.assert(
      fc.property(labelled, (xs) => {
        const labels = xs.map(([, l]) => l);
        const ap = averagePrecision(xs.map(([s]) => s), labels)!;
        expect(ap).toBeGreaterThan(0);
        expect(ap).toBeLessThanOrEqual(1 + 1e-12);
        expect(averagePrecision(xs.map(([s, l]) => (l ? 2 + s : s)), labels)).toBeCloseTo(1, 12);
      }),
    );
  });

  const clustering = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { maxLength: 40 });

  it('pairwise F1 is 1 when the prediction equals the truth up to cluster names', () => {
    fc.assert(
      fc.property(clustering, (xs) => {
        const truth = new Map(xs.map(([t], i) => [i, t]));
        const renamed = new Map(xs.map(([t], i) => [i, `p${t * 7}`]));
        expect(pairwiseF1(renamed, truth).f1).toBe(1);
      }),
    );
  });

  it('pairwise counts from the contingency table equal a brute-force pair loop', () => {
    fc.assert(
      fc.property(clustering, (xs) => {
        let pred = 0;
        let tru = 0;
        let both = 0;
        for (let i = 0; i < xs.length; i++) {
          for (let j = i + 1; j < xs.length; j++) {
            const p = xs[i][0] === xs[j][0];
            const t = xs[i][1] === xs[j][1];
            if (p) pred++;
            if (t) tru++;
            if (p && t) both++;
          }
        }
        const s = pairwiseF1(new Map(xs.map(([p], i) => [i, p])), new Map(xs.map(([, t], i) => [i, t])));
        expect(s.precision).toBeCloseTo(pred === 0 ? 1 : both / pred, 12);
        expect(s.recall).toBeCloseTo(tru === 0 ? 1 : both / tru, 12);
      }),
    );
  });
});
