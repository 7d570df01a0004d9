import { midRanksFromCounts } from './count-ranks';
import { normalTwoSidedP } from './survey-distributions';

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half (R's W for wilcox.test(a, b)). */
  u: number;
  n1: number;
  n2: number;
  /** Tie-corrected normal approximation without continuity correction. */
  z: number;
  /** Two-sided p-value of z. */
  p: number;
  /** Rank-biserial correlation 2U/(n1 n2) - 1 = P(a > b) - P(a < b); positive when the first sample rates higher. */
  rankBiserial: number;
  /** r = z / sqrt(n1 + n2) (Rosenthal), signed like z. */
  r: number;
  /** Common-language effect size U/(n1 n2) = P(a > b) + P(a = b)/2. */
  probabilityOfSuperiority: number;
}

/**
 * Mann-Whitney U (Wilcoxon rank-sum) test of two samples given as counts over the same
 * ordered levels (a[v], b[v] ratings at level v): two rounds' histograms of one item.
 *
 * Definition: with mid-ranks r_v over both samples (count-ranks.ts), R_1 = sum a[v] r_v,
 *   U = R_1 - n1 (n1 + 1) / 2,  mean n1 n2 / 2,
 *   var = n1 n2 / 12 * ((N + 1) - sum (t^3 - t) / (N (N - 1))),
 *   z = (U - n1 n2 / 2) / sqrt(var),  p = 2 (1 - Phi(|z|)).
 * Effect sizes: rank-biserial r_rb = 2U/(n1 n2) - 1 (Kerby 2014) and r = z / sqrt(N)
 * (Rosenthal 1991).
 *
 * Reference: H. B. Mann, D. R. Whitney, Ann. Math. Statist. 18 (1947) 50-60; R
 * wilcox.test(a, b, correct = FALSE, exact = FALSE) computes the same W and p. R's documented
 * example x = c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46),
 * y = c(1.15, 0.88, 0.90, 0.74, 1.21) has W = 35.
 *
 * Returns null when a sample is empty or every rating is equal (no variance).
 *
 * Example: a = [1,2,2,3,3,4,5], b = [3,4,4,5,5,5] as counts [1,2,2,1,1] and [0,0,1,2,3]
 * -> U = 7.5, z = -1.980965, p = 0.047595, r_rb = -0.642857, r = -0.549421.
 */
export function mannWhitneyFromCounts(a: readonly number[], b: readonly number[]): MannWhitneyResult | null {
  const levels = Math.max(a.length, b.length);
  const n1 = a.reduce((s, c) => s + c, 0);
  const n2 = b.reduce((s, c) => s + c, 0);
  if (n1 === 0 || n2 === 0) return null;
  const totals = Array.from({ length: levels }, (_, v) => (a[v] ?? 0) + (b[v] ?? 0));
  const { ranks, tieTerm, n } = midRanksFromCounts(totals);
  const rankSum = a.reduce((s, c, v) => s + c * ranks[v]!, 0);
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return null;
  const z = (u - (n1 * n2) / 2) / Math.sqrt(variance);
  return {
    u,
    n1,
    n2,
    z,
    p: normalTwoSidedP(z),
    rankBiserial: (2 * u) / (n1 * n2) - 1,
    r: z / Math.sqrt(n),
    probabilityOfSuperiority: u / (n1 * n2),
  };
}
