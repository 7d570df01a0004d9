import { ols, type OlsResult } from './ols';
import { pearsonCorrelation } from './pearsonCorrelation';

/**
 * Linear and power (Cobb-Douglas type) indicator models, fitted by OLS, with forecasts.
 *
 * Definitions (domain brief, "Econometric indicator models"):
 *   linear  y = a + sum_k b_k x_k                       OLS on levels
 *   power   y = A * prod_k x_k^b_k, fitted as ln y = ln A + sum_k b_k ln x_k by OLS; the b_k
 *           are elasticities, `intercept` is ln A and A = exp(ln A)
 * R^2 is that of the regression actually run (on logarithms for a power model); R is the
 * Pearson correlation of observed and fitted y in LEVELS (fitted = A prod x^b), which is the
 * R the seed sources publish. Standard errors and t statistics are those of the OLS run.
 * A power model needs every y and x strictly positive.
 *
 * Reference: published table 17 (seed dissertation on SME innovation), fitted to
 * reference-data/east-kz-innovation-activity-2010-2020.json with regressors dZin, Nsb, t:
 * INact = A dZin^0.355 Nsb^1.931 t^0.265, ln A = -6.915, R = 0.876 (tests/math/regressionModels.test.ts).
 */
export type ModelForm = 'linear' | 'power';

export interface FittedModel {
  form: ModelForm;
  n: number;
  /** Intercept of the regression run: a (linear) or ln A (power). */
  intercept: number;
  /** A = exp(ln A) for a power model; undefined for a linear one. */
  A?: number;
  coefficients: number[];
  /** [intercept, ...coefficients] */
  standardErrors: number[];
  tStatistics: number[];
  pValues: number[];
  r2: number;
  adjustedR2: number;
  /** Correlation of observed and fitted y in levels. */
  r: number;
  /** Fitted y in levels. */
  fitted: number[];
  residuals: number[];
  degreesOfFreedom: number;
  ols: OlsResult;
}

export class NonPositiveValueError extends Error {
  constructor(readonly variable: number, readonly observation: number) {
    super('power model: logarithm of a non-positive value');
    this.name = 'NonPositiveValueError';
  }
}

/**
 * @param y observed dependent variable
 * @param columns one array per regressor (`columns[k][i]` is x_k of observation i)
 */
export function fitRegressionModel(form: ModelForm, y: readonly number[], columns: readonly (readonly number[])[]): FittedModel {
  if (form === 'power') {
    // Variable -1 is y; 0.. are the regressors: callers map it back to a column name.
    y.forEach((v, i) => {
      if (!(v > 0)) throw new NonPositiveValueError(-1, i);
    });
    columns.forEach((col, k) =>
      col.forEach((v, i) => {
        if (!(v > 0)) throw new NonPositiveValueError(k, i);
      }),
    );
  }
  const transform = form === 'power' ? (v: number) => Math.log(v) : (v: number) => v;
  const run = ols(y.map(transform), columns.map((c) => c.map(transform)));
  const fitted = form === 'power' ? run.fitted.map(Math.exp) : run.fitted;
  return {
    form,
    n: run.n,
    intercept: run.intercept,
    A: form === 'power' ? Math.exp(run.intercept) : undefined,
    coefficients: run.coefficients,
    standardErrors: run.standardErrors,
    tStatistics: run.tStatistics,
    pValues: run.pValues,
    r2: run.r2,
    adjustedR2: run.adjustedR2,
    r: pearsonCorrelation(y, fitted),
    fitted,
    residuals: y.map((v, i) => v - fitted[i]!),
    degreesOfFreedom: run.degreesOfFreedom,
    ols: run,
  };
}

/** The fitted model evaluated at new inputs (one value per regressor, in the model's order). */
export function predict(model: Pick<FittedModel, 'form' | 'intercept' | 'coefficients'>, inputs: readonly number[]): number {
  if (inputs.length !== model.coefficients.length) throw new RangeError('predict: one input per coefficient is needed');
  if (model.form === 'linear') return model.coefficients.reduce((s, b, k) => s + b * inputs[k]!, model.intercept);
  inputs.forEach((v, k) => {
    if (!(v > 0)) throw new NonPositiveValueError(k, 0);
  });
  return Math.exp(model.coefficients.reduce((s, b, k) => s + b * Math.log(inputs[k]!), model.intercept));
}
