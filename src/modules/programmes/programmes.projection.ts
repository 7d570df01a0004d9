import { ols, OlsError, type OlsResult } from '../../math/ols';
import { predictionInterval } from '../../math/predictionInterval';

/**
 * Projection of an indicator to the programme's final year: a linear trend in the year fitted by
 * OLS (the indicator models' estimator, src/math/ols.ts) through the baseline and every entered
 * actual, with the 95 % prediction interval of a new observation at that year:
 *
 *   ŷ0 ± t(0.975; n − 2) · s · sqrt(1 + 1/n + (x0 − x̄)² / Σ(xi − x̄)²)
 *
 * (Montgomery, Peck & Vining, "Introduction to Linear Regression Analysis", 5th ed., eq. 2.45;
 * computed by src/math/predictionInterval.ts, the indicator models' own interval).
 * Two points give a line but no interval (no residual degree of freedom); fewer give nothing.
 */
export interface TrendProjection {
  year: number;
  value: number;
  /** 95 % prediction interval; null with two points. */
  interval: { lower: number; upper: number } | null;
  slope: number;
  intercept: number;
  n: number;
  /** The fitted trend at each year from the first observed year to the projection year (for charts). */
  line: Array<{ year: number; value: number; lower: number | null; upper: number | null }>;
}

export function projectTrend(points: ReadonlyArray<{ year: number; value: number }>, toYear: number): TrendProjection | null {
  if (points.length < 2) return null;
  const xs = points.map((p) => p.year);
  const ys = points.map((p) => p.value);
  const n = points.length;
  let slope: number;
  let intercept: number;
  let fit: OlsResult | undefined;
  if (n === 2) {
    if (xs[0] === xs[1]) return null;
    slope = (ys[1]! - ys[0]!) / (xs[1]! - xs[0]!);
    intercept = ys[0]! - slope * xs[0]!;
  } else {
    try {
      // Centred years keep the design matrix well conditioned (years are ~2030, slopes small).
      fit = ols(ys, [xs.map((x) => x - xs[0]!)]);
      slope = fit.coefficients[0]!;
      intercept = fit.intercept - slope * xs[0]!;
    } catch (e) {
      if (e instanceof OlsError) return null;
      throw e;
    }
  }
  const at = (x: number) => {
    if (!fit) return { value: intercept + slope * x, lower: null, upper: null };
    const pi = predictionInterval(fit, [x - xs[0]!], 0.95);
    return { value: pi.fit, lower: pi.lower, upper: pi.upper };
  };
  const end = at(toYear);
  const first = Math.min(...xs);
  const line = [];
  for (let year = first; year <= toYear; year++) line.push({ year, ...at(year) });
  return {
    year: toYear,
    value: end.value,
    interval: end.lower === null ? null : { lower: end.lower, upper: end.upper! },
    slope,
    intercept,
    n,
    line,
  };
}
