/**
 * Sample quantiles by R's default definition (type 7), with the median and the
 * interquartile range built on it.
 *
 * Definition (Hyndman & Fan type 7): sort x ascending (x_1..x_n), h = (n - 1) p + 1,
 *   Q(p) = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).
 * The median is Q(0.5) (the usual median); IQR = Q(0.75) - Q(0.25), exactly R's IQR(x)
 * and numpy.quantile(x, method="linear").
 *
 * Reference: R. J. Hyndman, Y. Fan, "Sample quantiles in statistical packages", The
 * American Statistician 50 (1996) 361-365; R documentation ?quantile (type = 7 default).
 *
 * Example: quantileType7([1, 2, 3, 4], 0.25) = 1.75 (h = 1.75: 1 + 0.75 (2 - 1));
 *   iqrType7([1, 2, 3, 4]) = 3.25 - 1.75 = 1.5; medianType7([1, 2, 3, 4]) = 2.5.
 * An empty sample has no quantile: the functions return null.
 */
export function quantileType7(values: readonly number[], p: number): number | null {
  if (values.length === 0 || !(p >= 0 && p <= 1)) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return quantileOfSorted(sorted, p);
}

/** Same as quantileType7 for an already ascending array (saves the sort in loops). */
export function quantileOfSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p; // 0-based form of (n - 1) p + 1
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function medianType7(values: readonly number[]): number | null {
  return quantileType7(values, 0.5);
}

export function iqrType7(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25);
}

/** The five numbers of a box plot: min, Q1, median, Q3, max (type 7). */
export function fiveNumberSummary(values: readonly number[]): [number, number, number, number, number] | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[0]!, quantileOfSorted(sorted, 0.25), quantileOfSorted(sorted, 0.5), quantileOfSorted(sorted, 0.75), sorted[sorted.length - 1]!];
}
