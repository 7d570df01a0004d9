import { kendallWFromPatterns } from './kendallWFromPatterns';

/**
 * Kendall's coefficient of concordance W with the correction for ties, and its chi-square test.
 *
 * Definition: m raters each rank the same n objects. Each rater's scores are turned into
 * mid-ranks (tiedRanks); R_i is the sum of the ranks object i received.
 *   S   = sum_i (R_i - m(n+1)/2)^2
 *   T_j = sum over rater j's tie groups of (t^3 - t)
 *   W   = 12 S / (m^2 (n^3 - n) - m sum_j T_j)
 *   chi2 = m (n - 1) W with n - 1 degrees of freedom; p = P(chi2_{n-1} >= chi2).
 * W is 0 for no agreement and 1 for identical rankings (also when those rankings contain
 * ties: the correction is what makes identical tied rankings reach 1).
 *
 * Reference: M. G. Kendall, B. Babington Smith, "The problem of m rankings", Ann. Math.
 * Statist. 10 (1939) 275-287; S. Siegel, N. J. Castellan, Nonparametric Statistics for the
 * Behavioral Sciences, 2nd ed., 1988, section 9.4, formulas (9.15)-(9.17). Same formula as
 * in /work/shared/domain/README.md ("Expert agreement").
 *
 * Example (3 raters, 4 objects, ties; worked in tests/math/kendall-w.test.ts):
 *   kendallW([[1,2,3,4],[2,2,3,4],[1,3,3,3]]) -> W = 0.84, chi2 = 7.56, df = 3, p = 0.0560.
 *
 * Input: one row per rater, one column per object, any numeric scores (higher or lower
 * first does not matter for W). Returns null when W is undefined: fewer than 2 raters or
 * objects, rows of different lengths, or every rater tied every object.
 */
export interface KendallW {
  w: number;
  chiSquare: number;
  df: number;
  p: number;
  raters: number;
  objects: number;
  /** S, the sum of squared deviations of the rank sums from their mean. */
  s: number;
  /** sum_j T_j over raters. */
  tieTerm: number;
}

export function kendallW(scores: readonly (readonly number[])[]): KendallW | null {
  // Each rater is a pattern of its own; the computation (and its checks) live in one place.
  return kendallWFromPatterns(scores.map((row) => ({ scores: row, count: 1 })));
}
