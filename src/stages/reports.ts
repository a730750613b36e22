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
