/**
 * Competition ranking ("1224"), highest value first: equal values share the best rank and
 * the next rank skips (the convention of league tables and of R's rank(-x, ties.method = "min")).
 *
 * Example: [0.3, 0.9, 0.3, 0.1] -> [2, 1, 2, 4].
 */
export function rankDescending(values: readonly number[]): number[] {
  // Sorted once (O(n log n)): the robustness analysis ranks the same territories hundreds of times.
  const sorted = [...values].sort((a, b) => b - a);
  const firstAt = new Map<number, number>();
  sorted.forEach((v, i) => {
    if (!firstAt.has(v)) firstAt.set(v, i + 1);
  });
  return values.map((v) => firstAt.get(v)!);
}
