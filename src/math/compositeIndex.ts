import { minMaxNormalize, type Direction } from './minMaxNormalize';
import { weightedMean, type Aggregate } from './weightedMean';
import { zScoreNormalize } from './zScoreNormalize';

/**
 * Integral index of territories from raw indicator values: partial indices, then their
 * weighted mean (domain brief, "Composite indicators"; OECD/JRC Handbook, 2008, sections 5-6).
 *
 *   normalise  'min-max'  Y = (A - Amin)/(Amax - Amin), reversed for a destimulant (minMaxNormalize)
 *              'z-score'  Y = (A - mean)/sd, negated for a destimulant (zScoreNormalize)
 *              'none'     the values already are partial indices and are used as given
 *                         (no re-normalisation, direction not applied)
 *   aggregate  arithmetic or geometric weighted mean (weightedMean)
 *   zero       how a geometric mean treats a zero partial index:
 *              'keep'     the integral index is 0 (the method's own result, reported in zeroAt);
 *              'epsilon'  the zero is replaced by a small epsilon before the mean, as the seed
 *                         dissertation on depressed districts does ("zero partial indices are taken
 *                         as infinitely small values"); the replaced positions are in epsilonAt.
 * A geometric mean needs non-negative partial indices, so z-scores cannot be combined with it.
 *
 * Example: raw [[2, 4, 6]], stimulant, min-max, geometric, zero 'epsilon' 0.001 ->
 * partial [0, 0.5, 1], integral [0.001, 0.5, 1], epsilonAt [[0], [], []].
 */
export type Normalise = 'min-max' | 'z-score' | 'none';
export type ZeroRule = 'keep' | 'epsilon';

export interface CompositeConfig {
  normalise: Normalise;
  aggregate: Aggregate;
  zero: ZeroRule;
  epsilon: number;
  directions: readonly Direction[];
  weights: readonly number[];
}

export interface IndicatorScale {
  constant: boolean;
  min: number;
  max: number;
  mean?: number;
  sd?: number;
}

export interface CompositeIndexResult {
  /** partial[k][i]: indicator k, territory i. */
  partial: number[][];
  scales: IndicatorScale[];
  integral: number[];
  /** Per territory: indicators whose zero partial index made a geometric mean 0 (zero 'keep'). */
  zeroAt: number[][];
  /** Per territory: indicators whose zero partial index was replaced by epsilon (zero 'epsilon'). */
  epsilonAt: number[][];
}

export function compositeIndex(raw: readonly (readonly number[])[], config: CompositeConfig): CompositeIndexResult {
  if (raw.length === 0) throw new RangeError('compositeIndex: no indicators');
  if (raw.length !== config.directions.length || raw.length !== config.weights.length) throw new RangeError('compositeIndex: one direction and weight per indicator');
  if (config.zero === 'epsilon' && !(config.epsilon > 0)) throw new RangeError('compositeIndex: epsilon must be positive');
  const n = raw[0]!.length;
  const normalised = raw.map((values, k) => {
    const min = Math.min(...values);
    const max = Math.max(...values);
    if (config.normalise === 'min-max') return minMaxNormalize(values, config.directions[k]!);
    if (config.normalise === 'z-score') {
      const z = zScoreNormalize(values, config.directions[k]!);
      return { values: z.values, min, max, mean: z.mean, sd: z.sd, constant: z.constant };
    }
    for (const v of values) if (!Number.isFinite(v)) throw new RangeError('compositeIndex: values must be finite');
    return { values: [...values], min, max, constant: min === max };
  });
  const partial = normalised.map((r) => r.values);
  const geometric = config.aggregate === 'geometric';
  const integral: number[] = [];
  const zeroAt: number[][] = [];
  const epsilonAt: number[][] = [];
  for (let i = 0; i < n; i++) {
    const own = partial.map((p) => p[i]!);
    const replaced = geometric && config.zero === 'epsilon' ? own.flatMap((v, k) => (v === 0 && config.weights[k]! > 0 ? [k] : [])) : [];
    const used = replaced.length ? own.map((v) => (v === 0 ? config.epsilon : v)) : own;
    const mean = weightedMean(config.aggregate, used, config.weights);
    integral.push(mean.value);
    zeroAt.push(mean.zeroAt);
    epsilonAt.push(replaced);
  }
  return {
    partial,
    scales: normalised.map(({ values: _values, ...scale }) => scale),
    integral,
    zeroAt,
    epsilonAt,
  };
}
