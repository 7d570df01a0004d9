/**
 * Cronbach's alpha of a scale of k items, and alpha with each item deleted, from sums that
 * SQL can accumulate (SUM over respondents) rather than from the respondents' rows.
 *
 * Definition: alpha = k / (k - 1) * (1 - sum_i var(X_i) / var(T)), T = X_1 + ... + X_k, all
 * variances with divisor n - 1 over the n respondents who rated every item (listwise).
 * Deleting item i: var(T - X_i) = var(T) - 2 cov(T, X_i) + var(X_i), so
 *   alpha_{-i} = (k - 1) / (k - 2) * (1 - (sum_j var(X_j) - var(X_i)) / var(T - X_i)).
 * Every variance and covariance comes from the sums n, sum X_i, sum X_i^2, sum X_i T,
 * sum T and sum T^2: var(X) = (sum X^2 - (sum X)^2 / n) / (n - 1) and likewise for cov.
 *
 * Reference: L. J. Cronbach, "Coefficient alpha and the internal structure of tests",
 * Psychometrika 16 (1951) 297-334; alpha-if-item-deleted as printed by SPSS RELIABILITY and
 * R psych::alpha ("raw_alpha" under "Reliability if an item is dropped").
 *
 * Example (hand-computed): five respondents rating three items
 * [4,5,4], [3,4,3], [5,5,4], [2,3,2], [4,4,5]: item variances 1.3, 0.7, 1.3, total variance
 * 8.3, alpha = 1.5 * (1 - 3.3/8.3) = 0.903614; without item 1, 2 or 3: 0.75, 0.893617, 0.918919.
 */

/** alpha from the item variances and the variance of the total; null where undefined (k < 2, var(T) = 0). */
export function cronbachAlpha(itemVariances: readonly number[], totalVariance: number): number | null {
  const k = itemVariances.length;
  if (k < 2 || !(totalVariance > 0)) return null;
  const sum = itemVariances.reduce((s, v) => s + v, 0);
  return (k / (k - 1)) * (1 - sum / totalVariance);
}

export interface ItemMoments {
  /** sum of X_i over the complete respondents */
  sum: number;
  /** sum of X_i^2 */
  squares: number;
  /** sum of X_i * T, T being the respondent's total over all k items */
  crossTotal: number;
}

export interface ScaleMoments {
  /** respondents who rated every item of the scale */
  n: number;
  totalSum: number;
  totalSquares: number;
  items: readonly ItemMoments[];
}

export interface CronbachResult {
  n: number;
  k: number;
  alpha: number | null;
  /** alpha of the scale without item i (same order as the items); null where k - 1 < 2 or undefined. */
  alphaIfDeleted: Array<number | null>;
  itemVariances: number[];
  totalVariance: number | null;
}

function covarianceFromSums(n: number, sumXY: number, sumX: number, sumY: number): number {
  return (sumXY - (sumX * sumY) / n) / (n - 1);
}

export function cronbachAlphaFromMoments(m: ScaleMoments): CronbachResult {
  const k = m.items.length;
  if (m.n < 2 || k < 2) {
    return { n: m.n, k, alpha: null, alphaIfDeleted: m.items.map(() => null), itemVariances: [], totalVariance: null };
  }
  const itemVariances = m.items.map((it) => Math.max(0, covarianceFromSums(m.n, it.squares, it.sum, it.sum)));
  const totalVariance = Math.max(0, covarianceFromSums(m.n, m.totalSquares, m.totalSum, m.totalSum));
  const sumItemVariances = itemVariances.reduce((s, v) => s + v, 0);
  const alphaIfDeleted = m.items.map((it, i) => {
    if (k - 1 < 2) return null;
    const covWithTotal = covarianceFromSums(m.n, it.crossTotal, it.sum, m.totalSum);
    const restVariance = totalVariance - 2 * covWithTotal + itemVariances[i]!;
    // Floating error can leave a tiny positive variance where the rest is constant.
    if (!(restVariance > 1e-12 * Math.max(1, totalVariance))) return null;
    return ((k - 1) / (k - 2)) * (1 - (sumItemVariances - itemVariances[i]!) / restVariance);
  });
  return { n: m.n, k, alpha: cronbachAlpha(itemVariances, totalVariance), alphaIfDeleted, itemVariances, totalVariance };
}
