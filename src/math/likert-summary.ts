import { studentTQuantile } from './survey-distributions';
import { wilsonInterval } from './wilson-interval';

export interface LikertSummary {
  /** Ratings on the scale (a "cannot judge" is not a rating and is counted elsewhere). */
  n: number;
  mean: number | null;
  median: number | null;
  /** Sample standard deviation (divisor n - 1); null below two ratings. */
  sd: number | null;
  /** Confidence interval of the mean from the t distribution; null below two ratings. */
  ciLow: number | null;
  ciHigh: number | null;
  /** Share of ratings in the two highest levels (4 or 5 on a 1..5 scale). */
  top2: number | null;
  /** Wilson score interval of top2. */
  top2Low: number | null;
  top2High: number | null;
  /** counts[i] = number of ratings equal to lowest + i, as given. */
  counts: number[];
  /** The value of the first level (1 on a 1..5 scale, 0 on a 0..10 scale). */
  lowest: number;
}

/** The k-th smallest rating (1-based k) of a histogram whose level i holds counts[i] ratings of value lowest + i. */
function orderStatistic(counts: readonly number[], k: number, lowest: number): number {
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    if (cumulative >= k) return lowest + i;
  }
  throw new RangeError('orderStatistic: k exceeds the number of ratings');
}

/**
 * Summary of one Likert item from its histogram, so that the database only has to count
 * (GROUP BY value) and a million ratings cost as much as ten.
 *
 * Definition, for counts c_v of the values v = lowest..lowest+L-1 (1..L by default) and n = sum c_v:
 *   mean = sum v c_v / n; sample variance s^2 = sum c_v (v - mean)^2 / (n - 1);
 *   median = the middle order statistic, or the mean of the two middle ones when n is even
 *   (R's median()); CI = mean -/+ t_{(1+conf)/2, n-1} * s / sqrt(n);
 *   top-2 share = (c_{L-1} + c_L) / n with a Wilson score interval.
 * n = 0 gives nulls everywhere (never NaN); n = 1 gives a mean and median but no SD or CI.
 *
 * Reference: the t interval of the mean, e.g. R t.test(x)$conf.int; Wilson (1927) for the share.
 *
 * Example: counts [1, 2, 3, 4, 0] (the ratings 1,2,2,3,3,3,4,4,4,4) -> n 10, mean 3, median 3,
 * sd 1.054093, CI [2.245948, 3.754052], top2 0.4 with Wilson [0.168180, 0.687326]. The same
 * counts with lowest = 0 (a 0..4 scale) shift mean, median and CI by -1 and keep sd and top2.
 */
export function likertSummaryFromCounts(counts: readonly number[], confidence = 0.95, lowest = 1): LikertSummary {
  if (counts.length < 2) throw new RangeError('likertSummaryFromCounts: a scale has at least two levels');
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new RangeError('likertSummaryFromCounts: counts must be non-negative integers');
  }
  const n = counts.reduce((s, c) => s + c, 0);
  const empty: LikertSummary = {
    n: 0,
    mean: null,
    median: null,
    sd: null,
    ciLow: null,
    ciHigh: null,
    top2: null,
    top2Low: null,
    top2High: null,
    counts: [...counts],
    lowest,
  };
  if (n === 0) return empty;

  const mean = counts.reduce((s, c, i) => s + c * (lowest + i), 0) / n;
  const median =
    n % 2 === 1 ? orderStatistic(counts, (n + 1) / 2, lowest) : (orderStatistic(counts, n / 2, lowest) + orderStatistic(counts, n / 2 + 1, lowest)) / 2;
  const top2Count = counts[counts.length - 1]! + counts[counts.length - 2]!;
  const wilson = wilsonInterval(top2Count, n, confidence)!;

  let sd: number | null = null;
  let ciLow: number | null = null;
  let ciHigh: number | null = null;
  if (n >= 2) {
    // Two passes over L levels: exact enough whatever n, no catastrophic cancellation.
    const squares = counts.reduce((s, c, i) => s + c * (lowest + i - mean) ** 2, 0);
    sd = Math.sqrt(squares / (n - 1));
    const half = (studentTQuantile((1 + confidence) / 2, n - 1) * sd) / Math.sqrt(n);
    ciLow = mean - half;
    ciHigh = mean + half;
  }
  return { ...empty, n, mean, median, sd, ciLow, ciHigh, top2: top2Count / n, top2Low: wilson.low, top2High: wilson.high };
}
