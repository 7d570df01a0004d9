import { rankDescending } from './rankDescending';

/**
 * Competition ranks ("1224"), highest value first, for a list in which some entries have no
 * value (an item nobody rated): those get no rank and do not push others down.
 *
 * Definition: rank(x) = 1 + number of defined values greater than x; equal values share
 * the best rank. Ties are exact equality: means computed as sum/n are correctly rounded
 * quotients, so equal fractions (7/2 and 14/4) give equal numbers.
 *
 * Reference: R rank(-x, ties.method = "min", na.last = "keep").
 *
 * Example: [3.5, null, 4.2, 3.5, 1] -> [2, null, 1, 2, 4].
 */
export function rankWithTies(values: ReadonlyArray<number | null>): Array<number | null> {
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const ranks = rankDescending(defined);
  let next = 0;
  return values.map((v) => (v !== null && Number.isFinite(v) ? ranks[next++]! : null));
}
