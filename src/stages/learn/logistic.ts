/**
 * Weighted logistic regression with a Gaussian prior on every coefficient
 * (a maximum a posteriori fit by Newton's method).
 *
 * Dragnet's evidence terms are log-odds set by hand from what each signal
 * means in the trade. The labels a dataset carries (test buys, platform
 * verdicts, rights holders' notices) are few and chosen by people, so they
 * should adjust those weights, not replace them: each coefficient is a
 * multiplier on one hand-set term, with a prior centred on the hand-set value.
 * With no labels the fit returns the prior; with many it follows the data.
 */

export interface Example {
  /** Feature values; the model's log-odds are offset + sum(beta_j * x_j). */
  readonly x: readonly number[];
  /** A fixed part of the log-odds that is not learned. */
  readonly offset: number;
  readonly y: 0 | 1;
  /** How much this label counts (a test buy more than a consumer complaint). */
  readonly weight: number;
}

export interface Prior {
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Solves A x = b for a small dense symmetric positive definite A (Gaussian elimination with pivoting). */
export function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    const d = m[c][c];
    if (Math.abs(d) < 1e-12) throw new Error('singular system');
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / d;
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** The weighted log-likelihood plus the log prior (up to a constant). */
export function logPosterior(examples: readonly Example[], prior: Prior, beta: readonly number[]): number {
  let total = 0;
  for (let j = 0; j < beta.length; j++) total -= (beta[j] - prior.mean[j]) ** 2 / (2 * prior.sd[j] ** 2);
  for (const e of examples) {
    let z = e.offset;
    for (let j = 0; j < beta.length; j++) z += beta[j] * e.x[j];
    // log p for y = 1 and log(1 - p) for y = 0, written to stay finite for large |z|.
    const s = e.y === 1 ? -z : z;
    total -= e.weight * (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s)));
  }
  return total;
}

/**
 * The coefficients maximising the weighted log-likelihood plus the log prior.
 * The objective is strictly concave (the prior sees to that); Newton's method
 * from the prior mean, with the step halved until the objective improves,
 * converges to its maximum in a handful of iterations.
 */
export function fitLogistic(examples: readonly Example[], prior: Prior, maxIterations = 50): number[] {
  const k = prior.mean.length;
  let beta = [...prior.mean];
  let current = logPosterior(examples, prior, beta);
  for (let it = 0; it < maxIterations; it++) {
    const grad = beta.map((b, j) => -(b - prior.mean[j]) / prior.sd[j] ** 2);
    const hess = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 / prior.sd[i] ** 2 : 0)));
    for (const e of examples) {
      let z = e.offset;
      for (let j = 0; j < k; j++) z += beta[j] * e.x[j];
      const p = sigmoid(z);
      const r = e.weight * (e.y - p);
      const v = e.weight * p * (1 - p);
      for (let i = 0; i < k; i++) {
        grad[i] += r * e.x[i];
        for (let j = 0; j < k; j++) hess[i][j] += v * e.x[i] * e.x[j];
      }
    }
    const step = solve(hess, grad);
    let scale = 1;
    let next = beta.map((b, j) => b + step[j]);
    let value = logPosterior(examples, prior, next);
    while (value < current && scale > 1e-6) {
      scale /= 2;
      next = beta.map((b, j) => b + scale * step[j]);
      value = logPosterior(examples, prior, next);
    }
    const size = Math.max(...step.map((d) => Math.abs(d * scale)));
    if (value < current) break;
    beta = next;
    current = value;
    if (size < 1e-9) break;
  }
  return beta;
}
