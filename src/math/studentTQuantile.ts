// jstat ships no type declarations; only the inverse Student t CDF is used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jStat } = require('jstat') as { jStat: { studentt: { inv(p: number, dof: number): number } } };

/**
 * Quantile of Student's t distribution: the value q with P(T <= q) = p for T ~ t(df).
 *
 * Definition: the inverse of the t CDF (Student 1908), computed by jStat. Reference values
 * (tables of the t distribution): p = 0.975, df = 1 -> 12.706; df = 9 -> 2.262; df = 30 -> 2.042.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) throw new RangeError('studentTQuantile: df must be positive');
  if (!(p > 0 && p < 1)) throw new RangeError('studentTQuantile: p must lie in (0, 1)');
  return jStat.studentt.inv(p, df);
}
