/**
 * Radii calibrated on the sites offline checks confirmed (the `outcomes`
 * table, `confirmed`, with where the site was found): split-conformal, so
 * that about 90% of sites fall inside their lead's radius whatever the model
 * behind the radius assumed.
 *
 * Each confirmed site is matched to the nearest lead (within
 * MATCH_RADIUS_M); its nonconformity is the distance divided by the lead's
 * model radius. The radius of every lead of a placement class is its model
 * radius times the conformal quantile of that class's nonconformities,
 * the ceil((n + 1) x 0.9)-th smallest of n, which needs n >= 9. A class with
 * fewer confirmed sites borrows the quantile pooled over all classes (the
 * model's radii are already scaled per class, so one factor fits them
 * roughly); with fewer than 9 in all, the model radius stands.
 */
import { haversineMeters } from '../../geo.ts';

export const CALIBRATION = {
  /** Coverage the radius aims at. */
  coverage: 0.9,
  /** A confirmed site farther than this from every lead matched none, metres. */
  matchRadiusM: 600,
  /** Calibrated radii stay within these multiples of the model's. */
  minFactor: 0.5,
  maxFactor: 3,
} as const;

/**
 * Until enough sites are confirmed to calibrate on, the radius of a lead
 * whose den was inferred rather than seen is widened by this factor. The
 * model's regions assume the dataset's reach and geocoder error are known
 * exactly and the den equally likely anywhere inside; on randomised worlds
 * (tuning seeds 1-10, never the acceptance seeds) they held the site 0.79 of
 * the time, against 0.90 once widened by 1.3. Not applied to a den seen at
 * the fixes (door_observed: 0.92 as it is) nor to the 600 m of a bare
 * station, and superseded by the split-conformal factors as soon as
 * MIN_CONFIRMED sites are confirmed.
 */
export const UNCALIBRATED_WIDENING = 1.3;

/** Placement classes whose den is inferred (not seen at the fixes, not a bare station): widened while uncalibrated. */
export function inferredPlacement(placement: string): boolean {
  return placement !== 'door_observed' && placement !== 'station';
}

/** Smallest sample with a finite split-conformal quantile at the target coverage. */
export const MIN_CONFIRMED = Math.ceil(CALIBRATION.coverage / (1 - CALIBRATION.coverage));

export interface Placed {
  lat: number;
  lng: number;
  radius_m: number;
  placement: string;
}

export interface RadiusCalibration {
  /** Per placement class: the factor applied, from how many confirmed sites, and whether it was the class's own or pooled. */
  factors: Map<string, { factor: number; n: number; basis: 'class' | 'pooled' }>;
  /** Confirmed sites matched to a lead. */
  matched: number;
}

/** The split-conformal quantile of `scores` at `coverage`, or null when there are too few. */
export function conformalQuantile(scores: readonly number[], coverage: number = CALIBRATION.coverage): number | null {
  const k = Math.ceil((scores.length + 1) * coverage);
  if (k > scores.length || scores.length === 0) return null;
  return [...scores].sort((a, b) => a - b)[k - 1];
}

/** Works out the factors from the confirmed sites; does not change the leads. */
export function calibrateRadii(leads: readonly Placed[], confirmed: ReadonlyArray<{ lat: number; lng: number }>): RadiusCalibration {
  const scores = new Map<string, number[]>();
  let matched = 0;
  for (const o of confirmed) {
    let best: { d: number; lead: Placed } | null = null;
    for (const lead of leads) {
      const d = haversineMeters(o.lat, o.lng, lead.lat, lead.lng);
      if (d <= CALIBRATION.matchRadiusM && (best === null || d < best.d)) best = { d, lead };
    }
    if (!best || best.lead.radius_m <= 0) continue;
    matched++;
    const list = scores.get(best.lead.placement) ?? [];
    list.push(best.d / best.lead.radius_m);
    scores.set(best.lead.placement, list);
  }
  const clamp = (f: number) => Math.min(CALIBRATION.maxFactor, Math.max(CALIBRATION.minFactor, f));
  const all = [...scores.values()].flat();
  const pooled = conformalQuantile(all);
  const factors: RadiusCalibration['factors'] = new Map();
  for (const placement of new Set(leads.map((l) => l.placement))) {
    const own = conformalQuantile(scores.get(placement) ?? []);
    if (own !== null) factors.set(placement, { factor: clamp(own), n: scores.get(placement)!.length, basis: 'class' });
    else if (pooled !== null) factors.set(placement, { factor: clamp(pooled), n: all.length, basis: 'pooled' });
  }
  return { factors, matched };
}
