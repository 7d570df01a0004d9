import { Matrix, QrDecomposition, inverse } from 'ml-matrix';
import { studentTTwoSidedP } from './studentT';

/**
 * Ordinary least squares with an intercept.
 *
 * Definition (Greene, "Econometric Analysis", ch. 3-4): for y = X b + e with X = [1, x_1..x_p],
 *   b = (X'X)^-1 X'y                      (solved through a QR decomposition, ml-matrix)
 *   s^2 = e'e / (n - p - 1)               (residual variance)
 *   SE(b_k) = sqrt(s^2 [(X'X)^-1]_kk),    t_k = b_k / SE(b_k), p_k two-sided from t(n - p - 1)
 *   R^2 = 1 - e'e / sum (y - mean y)^2,   adjusted R^2 = 1 - (1 - R^2)(n - 1)/(n - p - 1)
 * It needs n > p + 1 (at least one residual degree of freedom) and linearly independent
 * regressors; otherwise it throws an OlsError naming the problem.
 *
 * Example: y = [1, 3, 5, 7] on x = [0, 1, 2, 3] -> intercept 1, slope 2, R^2 = 1 (an exact
 * fit: standard errors 0, t statistics infinite).
 */
export class OlsError extends Error {
  constructor(readonly reason: 'too_few_observations' | 'collinear' | 'not_finite') {
    super(`OLS: ${reason}`);
    this.name = 'OlsError';
  }
}

export interface OlsResult {
  n: number;
  /** Number of regressors, intercept excluded. */
  p: number;
  intercept: number;
  coefficients: number[];
  /** Standard errors: [intercept, ...coefficients]. */
  standardErrors: number[];
  tStatistics: number[];
  pValues: number[];
  fitted: number[];
  residuals: number[];
  r2: number;
  adjustedR2: number;
  residualStandardError: number;
  degreesOfFreedom: number;
  /** (X'X)^-1 of the design with the intercept column first; row-major, (p+1) x (p+1). */
  xtxInverse: number[][];
}

export function ols(y: readonly number[], columns: readonly (readonly number[])[]): OlsResult {
  const n = y.length;
  const p = columns.length;
  if (n < p + 2) throw new OlsError('too_few_observations');
  for (const v of y) if (!Number.isFinite(v)) throw new OlsError('not_finite');
  for (const col of columns) {
    if (col.length !== n) throw new RangeError('ols: every regressor needs one value per observation');
    for (const v of col) if (!Number.isFinite(v)) throw new OlsError('not_finite');
  }
  const X = new Matrix(Array.from({ length: n }, (_, i) => [1, ...columns.map((c) => c[i]!)]));
  const Y = Matrix.columnVector([...y]);
  const qr = new QrDecomposition(X);
  if (!qr.isFullRank() || hasNearZeroPivot(qr, X)) throw new OlsError('collinear');
  const beta = qr.solve(Y).to1DArray();
  const fitted = X.mmul(Matrix.columnVector(beta)).to1DArray();
  const residuals = y.map((v, i) => v - fitted[i]!);
  const df = n - p - 1;
  const sse = residuals.reduce((s, e) => s + e * e, 0);
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const sst = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const s2 = sse / df;
  // (X'X)^-1 = R^-1 R^-T from the QR factors: forming X'X squares the condition number.
  const rInverse = inverse(qr.upperTriangularMatrix);
  const xtxInv = rInverse.mmul(rInverse.transpose());
  const standardErrors = beta.map((_, k) => Math.sqrt(Math.max(0, s2 * xtxInv.get(k, k))));
  const tStatistics = beta.map((b, k) => (standardErrors[k] === 0 ? (b === 0 ? 0 : Math.sign(b) * Infinity) : b / standardErrors[k]!));
  const r2 = sst === 0 ? 1 : 1 - sse / sst;
  return {
    n,
    p,
    intercept: beta[0]!,
    coefficients: beta.slice(1),
    standardErrors,
    tStatistics,
    pValues: tStatistics.map((t) => studentTTwoSidedP(t, df)),
    fitted,
    residuals,
    r2,
    adjustedR2: 1 - ((1 - r2) * (n - 1)) / df,
    residualStandardError: Math.sqrt(s2),
    degreesOfFreedom: df,
    xtxInverse: xtxInv.to2DArray(),
  };
}

/** isFullRank() only catches exact zeros; a pivot tiny relative to the column scale is collinearity too. */
function hasNearZeroPivot(qr: QrDecomposition, X: Matrix): boolean {
  const diag = qr.upperTriangularMatrix.diagonal();
  return diag.some((d, k) => Math.abs(d) <= 1e-10 * Math.max(1, X.getColumnVector(k).norm()));
}
