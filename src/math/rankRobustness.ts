import { mulberry32 } from './mulberry32';
import { compositeIndex, type CompositeConfig, type Normalise } from './compositeIndex';
import { quantileOfSorted } from './quantile-type7';
import { rankDescending } from './rankDescending';
import type { Aggregate } from './weightedMean';

/**
 * How stable are the ranks of an integral index under the choices made to build it?
 *
 * Method (after the OECD/JRC Handbook on Constructing Composite Indicators, 2008, section 7,
 * "uncertainty and sensitivity analysis", and COINr's get_sensitivity): the index is rebuilt
 * many times, each time with
 *   - the normalisation drawn from min-max and z-score (and 'none' when the inputs are given
 *     partial indices),
 *   - the mean drawn from arithmetic and geometric (geometric only where every partial index is
 *     non-negative, i.e. never with z-scores; otherwise arithmetic),
 *   - one indicator left out, or none, drawn uniformly from the K + 1 possibilities (K >= 2),
 *   - each weight multiplied by a factor drawn uniformly from [1 - spread, 1 + spread],
 * from a mulberry32 generator seeded with `seed`, so the same inputs and seed give the same
 * answer. Each territory gets the median and the 5 % and 95 % quantiles (R type 7) of its
 * competition rank over the draws. Besides the random draws, `alternatives` lists the ranks
 * under each single change from the chosen build (the other normalisation, the other mean,
 * each indicator left out), which are easy to read one by one.
 *
 * Example: two territories that lead on different indicators swap ranks when an indicator is
 * left out, so both get a 5-95 % interval [1, 2]; a territory first on every indicator keeps
 * [1, 1] whatever is drawn (tests/math/rankRobustness.test.ts).
 */
export interface RobustnessOptions {
  draws: number;
  seed: number;
  /** Half-width of the relative weight perturbation; 0.5 draws factors from [0.5, 1.5]. */
  weightSpread: number;
}

export interface RobustnessAlternative {
  change: 'normalise' | 'aggregate' | 'leave-out';
  /** The normalisation, the mean, or the position of the indicator left out. */
  value: string | number;
  ranks: number[];
}

export interface RobustnessResult {
  draws: number;
  seed: number;
  weightSpread: number;
  alternatives: RobustnessAlternative[];
  territories: Array<{ medianRank: number; lower: number; upper: number }>;
}

function ranksOf(raw: readonly (readonly number[])[], config: CompositeConfig): number[] | undefined {
  let effective = config;
  if (config.aggregate === 'geometric' && (config.normalise === 'z-score' || raw.some((col) => col.some((v) => v < 0) && config.normalise === 'none'))) {
    effective = { ...config, aggregate: 'arithmetic' };
  }
  if (!effective.weights.some((w) => w > 0)) return undefined;
  return rankDescending(compositeIndex(raw, effective).integral);
}

function without<T>(items: readonly T[], k: number): T[] {
  return items.filter((_, j) => j !== k);
}

function leaveOut(raw: readonly (readonly number[])[], config: CompositeConfig, k: number): [number[][], CompositeConfig] {
  return [without(raw, k).map((c) => [...c]), { ...config, directions: without(config.directions, k), weights: without(config.weights, k) }];
}

export function rankRobustness(raw: readonly (readonly number[])[], base: CompositeConfig, options: RobustnessOptions): RobustnessResult {
  if (!Number.isInteger(options.draws) || options.draws < 1) throw new RangeError('rankRobustness: draws must be a positive integer');
  if (!(options.weightSpread >= 0 && options.weightSpread < 1)) throw new RangeError('rankRobustness: weightSpread must lie in [0, 1)');
  const K = raw.length;
  const n = raw[0]?.length ?? 0;
  const normalisations: Normalise[] = base.normalise === 'none' ? ['none', 'min-max', 'z-score'] : ['min-max', 'z-score'];
  const means: Aggregate[] = ['arithmetic', 'geometric'];

  const alternatives: RobustnessAlternative[] = [];
  for (const normalise of normalisations) {
    if (normalise === base.normalise) continue;
    const ranks = ranksOf(raw, { ...base, normalise });
    if (ranks) alternatives.push({ change: 'normalise', value: normalise, ranks });
  }
  const otherMean: Aggregate = base.aggregate === 'arithmetic' ? 'geometric' : 'arithmetic';
  if (!(otherMean === 'geometric' && base.normalise === 'z-score')) {
    const ranks = ranksOf(raw, { ...base, aggregate: otherMean });
    if (ranks) alternatives.push({ change: 'aggregate', value: otherMean, ranks });
  }
  if (K >= 2) {
    for (let k = 0; k < K; k++) {
      const ranks = ranksOf(...leaveOut(raw, base, k));
      if (ranks) alternatives.push({ change: 'leave-out', value: k, ranks });
    }
  }

  const random = mulberry32(options.seed);
  const byTerritory: number[][] = Array.from({ length: n }, () => []);
  for (let d = 0; d < options.draws; d++) {
    const normalise = normalisations[Math.floor(random() * normalisations.length)]!;
    const aggregate = means[Math.floor(random() * means.length)]!;
    const left = K >= 2 ? Math.floor(random() * (K + 1)) - 1 : -1;
    const weights = base.weights.map((w) => w * (1 + options.weightSpread * (2 * random() - 1)));
    const config: CompositeConfig = { ...base, normalise, aggregate, weights };
    const ranks = left >= 0 ? ranksOf(...leaveOut(raw, config, left)) : ranksOf(raw, config);
    // A draw that leaves only zero weights has no index; it is skipped, not counted.
    if (ranks) ranks.forEach((r, i) => byTerritory[i]!.push(r));
  }
  return {
    draws: options.draws,
    seed: options.seed,
    weightSpread: options.weightSpread,
    alternatives,
    territories: byTerritory.map((ranks) => {
      const sorted = ranks.sort((a, b) => a - b);
      return { medianRank: quantileOfSorted(sorted, 0.5), lower: quantileOfSorted(sorted, 0.05), upper: quantileOfSorted(sorted, 0.95) };
    }),
  };
}
