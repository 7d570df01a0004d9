/**
 * Competition ranking ("1224"), highest value first: equal values share the best rank and
 * the next rank skips (the convention of league tables and of R's rank(-x, ties.method = "min")).
 *
 * Example: [0.3, 0.9, 0.3, 0.1] -> [2, 1, 2, 4].
 */
export function rankDescending(values: readonly number[]): number[] {
  return values.map((v) => 1 + values.filter((other) => other > v).length);
}
