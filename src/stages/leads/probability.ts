/**
 * A lead's score as the probability that a visit finds a site, calibrated on
 * the offline checks the dataset already holds (`outcomes`): Platt scaling.
 *
 * The model's log-odds (leads.ts, siteLogOdds) rank leads well but their
 * scale is a prior, not a frequency. Where enough leads were checked
 * (MIN_CHECKED, both results present), a logistic fit of "the check found a
 * site" on the model's log-odds gives an intercept and a slope; every lead's
 * score is then sigmoid(intercept + slope x log-odds). The slope is kept
 * positive, so the ranking never changes: only what the number means. The
 * fit is shrunk towards the identity (intercept 0, slope 1), so a handful of
 * checks moves it a little and many move it to the data.
 */
import { fitLogistic, type Example, type Prior } from '../learn/logistic.ts';

/** Checked leads needed, with at least MIN_EACH of each result, before the scale is fitted. */
export const MIN_CHECKED = 10;
const MIN_EACH = 2;
/** The slope never drops below this: calibration rescales, it does not reorder. */
const MIN_SLOPE = 0.1;

export const PROBABILITY_TERMS = ['intercept', 'log_odds'] as const;
export const PROBABILITY_PRIOR: Prior = { mean: [0, 1], sd: [1, 0.5] };

export interface ProbabilityScale {
  intercept: number;
  slope: number;
  /** Checked leads the scale was fitted on (0: not fitted, the identity). */
  checked: number;
  examples: Example[];
}

/** The identity scale: the model's log-odds taken as they are. */
export const IDENTITY_SCALE: ProbabilityScale = { intercept: 0, slope: 1, checked: 0, examples: [] };

/**
 * Fits the scale from the checked leads: `lo` is the model's log-odds before
 * the check moved it, `found` whether the check found a site.
 */
export function fitProbabilityScale(checked: ReadonlyArray<{ lo: number; found: boolean }>): ProbabilityScale {
  const found = checked.filter((c) => c.found).length;
  if (checked.length < MIN_CHECKED || found < MIN_EACH || checked.length - found < MIN_EACH) return IDENTITY_SCALE;
  const examples: Example[] = checked.map((c) => ({ x: [1, c.lo], offset: 0, y: c.found ? 1 : 0, weight: 1 }));
  const [intercept, slope] = fitLogistic(examples, PROBABILITY_PRIOR);
  return { intercept, slope: Math.max(MIN_SLOPE, slope), checked: checked.length, examples };
}

export function probability(scale: ProbabilityScale, lo: number): number {
  return 1 / (1 + Math.exp(-(scale.intercept + scale.slope * lo)));
}
