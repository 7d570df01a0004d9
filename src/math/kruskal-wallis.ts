import { midRanksFromCounts } from './count-ranks';
import { chiSquareUpperTail } from './survey-distributions';

export interface KruskalWallisResult {
  /** Tie-corrected H. */
  h: number;
  df: number;
  /** Upper tail of chi-square(df) at h. */
  p: number;
  /** Ratings over the groups that have any. */
  n: number;
  /** Groups with at least one rating (only these count towards df). */
  groups: number;
  /** The divisor 1 - sum(t^3 - t)/(N^3 - N) applied to H. */
  tieCorrection: number;
  /** Ratings in each non-empty group (for kruskalWallisSmallGroups). */
  groupSizes: number[];
}

/**
 * Kruskal-Wallis H test from a contingency table of counts: table[g][v] ratings of group g
 * at ordered level v (for a 1..5 item, v = 0..4 stands for the values 1..5). The database
 * groups by (item, group, value); no individual rating is needed.
 *
 * Definition: with mid-ranks r_v of the levels over all N ratings (count-ranks.ts),
 * R_g = sum_v table[g][v] r_v and n_g the size of group g,
 *   H = 12 / (N (N + 1)) * sum_g R_g^2 / n_g - 3 (N + 1),
 * corrected for ties by dividing by C = 1 - sum_v (t_v^3 - t_v) / (N^3 - N);
 * p = P(chi-square(k - 1) > H/C) with k the number of non-empty groups.
 *
 * Reference: W. H. Kruskal, W. A. Wallis, "Use of ranks in one-criterion variance analysis",
 * JASA 47 (1952) 583-621; R kruskal.test applies the same tie correction. R's documented
 * example (Hollander & Wolfe 1973, p. 116) gives chi-squared = 0.77143, df = 2, p = 0.68.
 *
 * Returns null when there is nothing to compare: fewer than two non-empty groups, or every
 * rating equal (C = 0, where R reports NaN).
 *
 * Example: groups [1,2,2,3], [3,4,4,5], [2,3,5,5] as counts
 * [[1,2,1,0,0],[0,0,1,2,1],[0,1,1,0,2]] -> H = 5.197802, df = 2, p = 0.074355.
 */
export function kruskalWallisFromCounts(table: ReadonlyArray<readonly number[]>): KruskalWallisResult | null {
  const levels = table.reduce((m, row) => Math.max(m, row.length), 0);
  const groups = table.filter((row) => row.reduce((s, c) => s + c, 0) > 0);
  if (groups.length < 2) return null;
  const totals = Array.from({ length: levels }, (_, v) => groups.reduce((s, row) => s + (row[v] ?? 0), 0));
  const { ranks, tieTerm, n } = midRanksFromCounts(totals);
  const correction = 1 - tieTerm / (n * n * n - n);
  if (!(correction > 0)) return null;
  let sumSquares = 0;
  const groupSizes: number[] = [];
  for (const row of groups) {
    let rankSum = 0;
    let size = 0;
    row.forEach((c, v) => {
      rankSum += c * ranks[v]!;
      size += c;
    });
    groupSizes.push(size);
    sumSquares += (rankSum * rankSum) / size;
  }
  const raw = (12 / (n * (n + 1))) * sumSquares - 3 * (n + 1);
  // Exactly equal rank means can come out as -1e-15; H is a sum of squares and never negative.
  const h = Math.max(0, raw / correction);
  const df = groups.length - 1;
  return { h, df, p: chiSquareUpperTail(h, df), n, groups: groups.length, tieCorrection: correction, groupSizes };
}
