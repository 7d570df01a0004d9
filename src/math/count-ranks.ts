/**
 * Mid-ranks of ordered categories from their counts: the ranks a rank test would give if
 * the ratings were listed one by one, without listing them.
 *
 * Definition: with t_v ratings at level v and C_v = t_1 + ... + t_{v-1} ratings below it,
 * the t_v tied ratings occupy positions C_v + 1 .. C_v + t_v and all get their mean
 * C_v + (t_v + 1) / 2. The tie term is sum over levels of (t_v^3 - t_v).
 *
 * Reference: M. Hollander, D. A. Wolfe, Nonparametric Statistical Methods, 2nd ed., Wiley
 * 1999 (mid-ranks for tied observations); what R's rank(ties.method = "average") assigns.
 *
 * Example: levelTotals [1, 3, 3, 2, 3] -> ranks [1, 3, 6, 8.5, 11], tieTerm 78, n 12.
 */
export interface CountRanks {
  ranks: number[];
  tieTerm: number;
  n: number;
}

export function midRanksFromCounts(levelTotals: readonly number[]): CountRanks {
  const ranks: number[] = [];
  let below = 0;
  let tieTerm = 0;
  for (const t of levelTotals) {
    if (!Number.isInteger(t) || t < 0) throw new RangeError('midRanksFromCounts: counts must be non-negative integers');
    ranks.push(below + (t + 1) / 2);
    tieTerm += t * t * t - t;
    below += t;
  }
  return { ranks, tieTerm, n: below };
}
