// jstat ships no type declarations; only the distributions below are used from it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jStat } = require('jstat') as {
  jStat: {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number; pdf(x: number, dof: number): number };
    chisquare: { cdf(x: number, dof: number): number };
    normal: { cdf(x: number, mean: number, sd: number): number; inv(p: number, mean: number, sd: number): number };
  };
};

/**
 * The reference distributions the survey statistics need, as thin typed wrappers over jStat.
 *
 * Definitions: Student's t quantile t_{p, df} (the value with P(T <= t) = p), the upper tail
 * of chi-square P(X > x) with df degrees of freedom, the standard normal CDF and quantile.
 * Reference values (R 4.x and scipy 1.17 agree): qt(0.975, 9) = 2.262157,
 * pchisq(5.991465, 2, lower.tail = FALSE) = 0.05, pnorm(1.959964) = 0.975.
 *
 * Example: studentTQuantile(0.975, 9) -> 2.2621571628.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('studentTQuantile: p must lie in (0, 1)');
  if (!(df > 0)) throw new RangeError('studentTQuantile: df must be positive');
  // jStat's inverse is good to about 5e-9; one Newton step on its (more accurate) CDF brings
  // the quantile to the accuracy of that CDF (1e-10 at small df, a few 1e-9 at df ~ 100).
  const x = jStat.studentt.inv(p, df);
  const density = jStat.studentt.pdf(x, df);
  return density > 0 ? x - (jStat.studentt.cdf(x, df) - p) / density : x;
}

/** P(X > x) for X ~ chi-square(df); 1 for x <= 0. Example: chiSquareUpperTail(3.841459, 1) -> 0.05. */
export function chiSquareUpperTail(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError('chiSquareUpperTail: df must be positive');
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return Math.min(1, Math.max(0, 1 - jStat.chisquare.cdf(x, df)));
}

/** Standard normal CDF. Example: standardNormalCdf(1.959964) -> 0.975. */
export function standardNormalCdf(z: number): number {
  return jStat.normal.cdf(z, 0, 1);
}

/** Standard normal quantile. Example: standardNormalQuantile(0.975) -> 1.959964. */
export function standardNormalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('standardNormalQuantile: p must lie in (0, 1)');
  return jStat.normal.inv(p, 0, 1);
}

/** Two-sided p-value of a standard normal statistic: 2 * (1 - Phi(|z|)). Example: z = 1.959964 -> 0.05. */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  // The upper tail of |z| computed as Phi(-|z|) keeps precision for large |z|.
  return Math.min(1, 2 * standardNormalCdf(-Math.abs(z)));
}
