export interface NumberSummary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (divisor n - 1); null below two values. */
  sd: number | null;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
}

/**
 * Summary of a numeric answer from its distinct values and their counts (the database only
 * groups), with quartiles by R's default quantile type 7: h = (n - 1) p, the value between the
 * floor(h)-th and ceil(h)-th order statistics (0-based) interpolated linearly.
 *
 * Example: values 1, 2, 2, 10 -> n 4, mean 3.75, median 2, q1 1.75, q3 4 (R: quantile(c(1,2,2,10))),
 * sd 4.1932 (R: sd).
 */
export function numberSummaryFromCounts(groups: ReadonlyArray<{ value: number; count: number }>): NumberSummary {
  const sorted = groups.filter((g) => g.count > 0).sort((a, b) => a.value - b.value);
  const n = sorted.reduce((s, g) => s + g.count, 0);
  if (n === 0) return { n: 0, mean: null, sd: null, min: null, q1: null, median: null, q3: null, max: null };
  const mean = sorted.reduce((s, g) => s + g.value * g.count, 0) / n;
  const sd = n >= 2 ? Math.sqrt(sorted.reduce((s, g) => s + g.count * (g.value - mean) ** 2, 0) / (n - 1)) : null;
  /** The k-th order statistic, 0-based. */
  const at = (k: number): number => {
    let seen = 0;
    for (const g of sorted) {
      seen += g.count;
      if (k < seen) return g.value;
    }
    return sorted[sorted.length - 1]!.value;
  };
  const quantile = (p: number) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    return at(lo) + (h - lo) * (at(Math.ceil(h)) - at(lo));
  };
  return { n, mean, sd, min: sorted[0]!.value, q1: quantile(0.25), median: quantile(0.5), q3: quantile(0.75), max: sorted[sorted.length - 1]!.value };
}
