import { standardNormalQuantile } from './survey-distributions';

export interface ProportionInterval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for a binomial proportion p = k/n.
 *
 * Definition: with z the (1 + confidence)/2 normal quantile,
 *   centre = (p + z^2/(2n)) / (1 + z^2/n),
 *   half   = z / (1 + z^2/n) * sqrt(p(1 - p)/n + z^2/(4n^2)).
 * Unlike the Wald interval it stays inside [0, 1] and is usable for k = 0, k = n and small n,
 * which is common for a top-2-box share in a filtered subgroup.
 *
 * Reference: E. B. Wilson, "Probable inference, the law of succession, and statistical
 * inference", JASA 22 (1927) 209-212; R prop.test(k, n, correct = FALSE)$conf.int.
 *
 * Example: wilsonInterval(4, 10) -> { low: 0.168180, high: 0.687326 }. n = 0 -> null.
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): ProportionInterval | null {
  if (!(n > 0)) return null;
  if (successes < 0 || successes > n) throw new RangeError('wilsonInterval: successes must lie in 0..n');
  const z = standardNormalQuantile((1 + confidence) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or k = n one bound is exactly 0 or 1; rounding must not push it outside.
  return { low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === n ? 1 : Math.min(1, centre + half) };
}
