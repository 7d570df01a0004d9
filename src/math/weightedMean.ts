/**
 * Integral index of a territory: the weighted mean of its partial indices.
 *
 * Definitions (domain brief, "Composite indicators"; OECD/JRC Handbook on Constructing
 * Composite Indicators, 2008, section 6):
 *   arithmetic  I = sum(w_k * y_k) / sum(w_k)
 *   geometric   I = prod(y_k ^ (w_k / sum w)) = exp( sum(w_k ln y_k) / sum(w_k) )
 * Weights must be non-negative with a positive sum; equal weights give the plain means.
 *
 * A geometric mean with a zero partial index (a territory that is the worst on some
 * indicator after min-max scaling) is exactly zero. That is the method, not a bug, and it
 * must be visible: the result names the indicators that zeroed it (`zeroAt`), and callers
 * show them. A zero with weight 0 does not count.
 *
 * Example: y = [0.5, 1, 0], w = [1, 1, 1]: arithmetic 0.5; geometric 0 with zeroAt [2].
 *          y = [0.25, 1], w = [1, 1]: geometric sqrt(0.25) = 0.5.
 */
export type Aggregate = 'arithmetic' | 'geometric';

export interface WeightedMeanResult {
  value: number;
  /** Positions of zero partial indices with a positive weight (geometric mean only). */
  zeroAt: number[];
}

function checkInputs(values: readonly number[], weights: readonly number[]): number {
  if (values.length === 0) throw new RangeError('weighted mean: no values');
  if (values.length !== weights.length) throw new RangeError('weighted mean: values and weights differ in length');
  let total = 0;
  for (const w of weights) {
    if (!Number.isFinite(w) || w < 0) throw new RangeError('weighted mean: weights must be finite and non-negative');
    total += w;
  }
  if (total <= 0) throw new RangeError('weighted mean: the weights must not all be zero');
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError('weighted mean: values must be finite');
  return total;
}

export function weightedArithmeticMean(values: readonly number[], weights: readonly number[]): WeightedMeanResult {
  const total = checkInputs(values, weights);
  let sum = 0;
  values.forEach((v, i) => (sum += weights[i]! * v));
  return { value: sum / total, zeroAt: [] };
}

export function weightedGeometricMean(values: readonly number[], weights: readonly number[]): WeightedMeanResult {
  const total = checkInputs(values, weights);
  for (const v of values) if (v < 0) throw new RangeError('weighted geometric mean: values must be non-negative');
  const zeroAt = values.flatMap((v, i) => (v === 0 && weights[i]! > 0 ? [i] : []));
  if (zeroAt.length > 0) return { value: 0, zeroAt };
  let logSum = 0;
  values.forEach((v, i) => {
    if (weights[i]! > 0) logSum += weights[i]! * Math.log(v);
  });
  return { value: Math.exp(logSum / total), zeroAt: [] };
}

export function weightedMean(aggregate: Aggregate, values: readonly number[], weights: readonly number[]): WeightedMeanResult {
  return aggregate === 'arithmetic' ? weightedArithmeticMean(values, weights) : weightedGeometricMean(values, weights);
}
