// jstat ships no type declarations; only the Student t CDF is used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jStat } = require('jstat') as { jStat: { studentt: { cdf(x: number, dof: number): number } } };

/**
 * Two-sided p-value of a t statistic with `df` degrees of freedom: p = 2 * (1 - F_t(|t|; df)).
 *
 * Definition: Student (1908); the CDF comes from jStat. Reference value: t = 2.262, df = 9 ->
 * p = 0.05 (the tabulated 97.5 % quantile of t(9) is 2.262).
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError('studentTTwoSidedP: df must be positive');
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, 2 * (1 - jStat.studentt.cdf(Math.abs(t), df)));
}
