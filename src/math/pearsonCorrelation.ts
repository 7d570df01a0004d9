/**
 * Pearson's correlation coefficient r = cov(x, y) / (sd(x) sd(y)).
 *
 * Used as "R" of a fitted model: the correlation of observed and fitted y in levels, which is
 * the R the seed sources publish (domain brief, "Econometric indicator models"). For a linear
 * model with an intercept it equals sqrt(R^2); for a power model fitted on logarithms it does not.
 * A constant series has no correlation: NaN.
 *
 * Example: x = [1, 2, 3], y = [2, 4, 7] -> r = 0.9934 (hand-computed: cov 2.5, sd 1 and 2.5166).
 */
export function pearsonCorrelation(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) throw new RangeError('pearsonCorrelation: two series of equal length >= 2 are needed');
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}
