/**
 * Sample quantile by Hyndman & Fan's type 6, the definition SPSS (EXAMINE, FREQUENCIES
 * "weighted average at (n+1)p"), Minitab and R's quantile(type = 6) use; the other common
 * one beside R's default type 7 (quantile-type7.ts).
 *
 * Definition: sort x ascending (x_1..x_n), h = (n + 1) p, clamped to [1, n];
 *   Q(p) = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).
 *
 * Reference: R. J. Hyndman, Y. Fan, "Sample quantiles in statistical packages", The American
 * Statistician 50 (1996) 361-365; R documentation ?quantile.
 *
 * Example (R): quantile(c(2, 3, 3, 4, 4, 5), c(0.25, 0.75), type = 6) -> 2.75, 4.25
 *   (type 7 gives 3, 4). An empty sample has no quantile: null.
 */
export function quantileType6(values: readonly number[], p: number): number | null {
  if (values.length === 0 || !(p >= 0 && p <= 1)) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const h = Math.min(Math.max((n + 1) * p, 1), n);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n);
  return sorted[lo - 1]! + (h - lo) * (sorted[hi - 1]! - sorted[lo - 1]!);
}
