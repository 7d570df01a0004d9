import type { OlsResult } from './ols';
// jstat ships no type declarations; only the Student t quantile is used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jStat } = require('jstat') as { jStat: { studentt: { inv(p: number, dof: number): number } } };

export interface PredictionInterval {
  /** Point forecast yhat = b0 + sum_k b_k x0_k. */
  fit: number;
  lower: number;
  upper: number;
  /** Standard error of the forecast of a NEW observation: s * sqrt(1 + x0'(X'X)^-1 x0). */
  standardError: number;
  /** The t quantile used: t(1 - (1 - level)/2, n - p - 1). */
  tQuantile: number;
  level: number;
}

/**
 * Prediction interval of a new observation at x0 for an OLS fit with an intercept.
 *
 * Definition (Greene, "Econometric Analysis", 7th ed., section 4.8.1 "Prediction"; the same as
 * R's predict.lm(..., interval = "prediction")):
 *   yhat0 = x0' b,  with x0 = (1, x0_1, ..., x0_p)
 *   se(f) = s * sqrt(1 + x0' (X'X)^-1 x0),  s^2 = e'e / (n - p - 1)
 *   yhat0 -/+ t(1 - alpha/2; n - p - 1) * se(f)
 * The "1 +" term is the variance of the new observation's own disturbance; without it the
 * interval would be the (narrower) confidence interval of the mean response.
 *
 * Example: R's `women` data set, lm(weight ~ height), height 66 -> fit 140.1833,
 * 95% interval [136.7750, 143.5916] (tests/math/predictionInterval.test.ts).
 *
 * @param x0 the new inputs, one per regressor, in the fit's order (without the intercept's 1)
 */
export function predictionInterval(
  fit: Pick<OlsResult, 'intercept' | 'coefficients' | 'residualStandardError' | 'degreesOfFreedom' | 'xtxInverse'>,
  x0: readonly number[],
  level = 0.95,
): PredictionInterval {
  if (x0.length !== fit.coefficients.length) throw new RangeError('predictionInterval: one input per coefficient is needed');
  if (!(level > 0 && level < 1)) throw new RangeError('predictionInterval: level must lie in (0, 1)');
  const row = [1, ...x0];
  const yhat = fit.coefficients.reduce((s, b, k) => s + b * x0[k]!, fit.intercept);
  let quadratic = 0;
  for (let i = 0; i < row.length; i++) {
    for (let j = 0; j < row.length; j++) quadratic += row[i]! * fit.xtxInverse[i]![j]! * row[j]!;
  }
  const standardError = fit.residualStandardError * Math.sqrt(1 + Math.max(0, quadratic));
  const tQuantile = jStat.studentt.inv(1 - (1 - level) / 2, fit.degreesOfFreedom);
  return {
    fit: yhat,
    lower: yhat - tQuantile * standardError,
    upper: yhat + tQuantile * standardError,
    standardError,
    tQuantile,
    level,
  };
}
