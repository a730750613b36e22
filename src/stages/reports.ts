/**
 * How much one report moves the log-odds that its target is counterfeit, by
 * source: a test buy is a purchase examined by the rights holder (strong), a
 * platform verdict follows a review, rights holders' notices are noisy (they
 * also target resellers and parallel imports), consumer complaints are weak.
 */
export const REPORT_WEIGHTS: Readonly<Record<string, number>> = {
  test_buy: 4,
  platform: 2.5,
  rights_holder: 1.2,
  consumer: 0.5,
};

/** Log-odds contribution of one report: positive for `counterfeit`, negative for `genuine`, none for `unknown`. */
export function reportWeight(source: string | null, verdict: string | null): number {
  const weight = REPORT_WEIGHTS[source ?? 'consumer'] ?? REPORT_WEIGHTS.consumer;
  if (verdict === 'counterfeit') return weight;
  if (verdict === 'genuine') return -weight;
  return 0;
}

/**
 * How much one report counts as a label when weights are learned: a raid that
 * found the site (`outcome`) and a test buy are ground truth, a platform review nearly so, rights holders' notices are
 * often wrong (resellers, parallel imports), consumers' impressions barely count.
 */
export const LABEL_WEIGHTS: Readonly<Record<string, number>> = {
  outcome: 1,
  test_buy: 1,
  platform: 0.8,
  rights_holder: 0.3,
  consumer: 0.1,
};

export function labelWeight(source: string | null): number {
  return LABEL_WEIGHTS[source ?? 'consumer'] ?? LABEL_WEIGHTS.consumer;
}
