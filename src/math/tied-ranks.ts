/**
 * Mid-ranks with ties, and the tie term Kendall's W needs.
 *
 * Definition: the values are sorted ascending and numbered 1..n; a group of t equal values
 * shares the mean of the positions it occupies (the "mid-rank"). The tie term of one
 * ranking is T = sum over its tie groups of (t^3 - t); it is 0 when there are no ties.
 *
 * Reference: S. Siegel, N. J. Castellan, Nonparametric Statistics for the Behavioral
 * Sciences, 2nd ed., McGraw-Hill 1988, section 9.4 (ties in the coefficient of concordance).
 *
 * Example: tiedRanks([1, 3, 3, 3]) -> { ranks: [1, 3, 3, 3], tieTerm: 24 }
 * (the three 3s occupy positions 2, 3, 4, mean 3; T = 3^3 - 3 = 24).
 */
export interface TiedRanks {
  ranks: number[];
  tieTerm: number;
}

export function tiedRanks(values: readonly number[]): TiedRanks {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    // Positions start..end are 0-based; ranks are 1-based, so the mean rank is (start+end)/2 + 1.
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.index] = midRank;
    const t = end - start + 1;
    tieTerm += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tieTerm };
}
