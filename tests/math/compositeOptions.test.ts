import { describe, expect, it } from 'vitest';
import table45 from '../../seeds/domain/reference-data/east-kz-innovation-partial-indices-2020.json';
import { compositeIndex, type CompositeConfig } from '../../src/math/compositeIndex';
import { rankLevels } from '../../src/math/rankLevels';
import { rankRobustness } from '../../src/math/rankRobustness';
import { zScoreNormalize } from '../../src/math/zScoreNormalize';

const CODES = ['IT', 'IO', 'ITO', 'ITP', 'IPO', 'IPP'] as const;
const partials = CODES.map((c) => table45.rows.map((r) => r[c]));
const base: CompositeConfig = { normalise: 'none', aggregate: 'geometric', zero: 'keep', epsilon: 0.001, directions: CODES.map(() => 'stimulant'), weights: CODES.map(() => 1) };

describe('zScoreNormalize', () => {
  it('matches R scale(c(2, 4, 6, 10)) (sample sd) within 1e-12, reversed for a destimulant', () => {
    const z = zScoreNormalize([2, 4, 6, 10], 'stimulant');
    [-1.02469507659596, -0.43915503282684, 0.14638501094228, 1.31746509848052].forEach((v, i) => expect(Math.abs(z.values[i]! - v)).toBeLessThan(1e-12));
    expect(zScoreNormalize([2, 4, 6], 'destimulant').values).toEqual([1, -0, -1]);
    expect(zScoreNormalize([3, 3], 'stimulant')).toMatchObject({ values: [0, 0], constant: true });
  });
});

describe('rankLevels (rank first, then cluster)', () => {
  it('cuts the ranking into k groups of near-equal size, ties together', () => {
    expect(rankLevels([0.9, 0.8, 0.5, 0.4, 0.1, 0], [1, 2, 3, 4, 5, 6], 3).levels).toEqual([3, 3, 2, 2, 1, 1]);
    expect(rankLevels([0.9, 0.9, 0.5, 0.1], [1, 1, 3, 4], 4).levels).toEqual([4, 4, 2, 1]);
    expect(rankLevels([0.9, 0.8, 0.5, 0.4, 0.1, 0], [1, 2, 3, 4, 5, 6], 3).bounds).toEqual([0.1, 0.5, 0.9]);
  });
});

describe('compositeIndex on the published partial indices (table 45, taken as given)', () => {
  it('zero kept: the geometric index of Ridder (ITO = ITP = 0) is 0; Oskemen is the geometric mean of its six', () => {
    const r = compositeIndex(partials, base);
    const ridder = table45.rows.findIndex((row) => row.en === 'Ridder city');
    expect(r.integral[ridder]).toBe(0);
    expect(r.zeroAt[ridder]).toEqual([2, 3]);
    // R: exp(mean(log(c(0.525, 0.605, 0.54, 0.403, 0.343, 0.211)))) = 0.413553477001168
    expect(Math.abs(r.integral[0]! - 0.413553477001168)).toBeLessThan(1e-12);
    expect(r.partial[0]).toEqual(partials[0]); // no re-normalisation
  });

  it('zero replaced by epsilon 0.001 as the source describes: Ridder 0.0223915393687956 (R), and the replacement is reported', () => {
    const r = compositeIndex(partials, { ...base, zero: 'epsilon' });
    const ridder = table45.rows.findIndex((row) => row.en === 'Ridder city');
    expect(Math.abs(r.integral[ridder]! - 0.0223915393687956)).toBeLessThan(1e-12);
    expect(r.epsilonAt[ridder]).toEqual([2, 3]);
    expect(r.zeroAt[ridder]).toEqual([]);
  });

  it('z-score with an arithmetic mean: mean of z-scores; min-max rescales the given partials', () => {
    const z = compositeIndex(partials, { ...base, normalise: 'z-score', aggregate: 'arithmetic' });
    expect(Math.abs(z.integral.reduce((s, v) => s + v, 0))).toBeLessThan(1e-9); // z-scores average to 0
    const mm = compositeIndex(partials, { ...base, normalise: 'min-max', aggregate: 'arithmetic' });
    expect(Math.max(...mm.partial[0]!)).toBe(1);
    expect(Math.min(...mm.partial[0]!)).toBe(0);
  });
});

describe('rankRobustness', () => {
  const raw = [
    [10, 9, 1, 5],
    [10, 1, 9, 5],
    [10, 5, 5, 1],
  ];
  const config: CompositeConfig = { normalise: 'min-max', aggregate: 'arithmetic', zero: 'keep', epsilon: 0.001, directions: ['stimulant', 'stimulant', 'stimulant'], weights: [1, 1, 1] };

  it('a territory best on every indicator keeps rank 1 in every draw; the others move', () => {
    const r = rankRobustness(raw, config, { draws: 400, seed: 7, weightSpread: 0.5 });
    expect(r.territories[0]).toEqual({ medianRank: 1, lower: 1, upper: 1 });
    // Territories 2 and 3 lead on different indicators: leaving one out swaps them.
    expect(r.territories[1]!.upper).toBeGreaterThan(r.territories[1]!.lower);
    expect(r.territories[2]!.upper).toBeGreaterThan(r.territories[2]!.lower);
    // Without indicator 0 (hand-computed min-max means): [1, 2/9, 2/3, 2/9] -> ranks [1, 3, 2, 3].
    expect(r.alternatives.find((a) => a.change === 'leave-out' && a.value === 0)!.ranks).toEqual([1, 3, 2, 3]);
    // Without indicator 1: [1, 2/3, 2/9, 2/9] -> [1, 2, 3, 3].
    expect(r.alternatives.find((a) => a.change === 'leave-out' && a.value === 1)!.ranks).toEqual([1, 2, 3, 3]);
    expect(r.alternatives.map((a) => a.change)).toEqual(['normalise', 'aggregate', 'leave-out', 'leave-out', 'leave-out']);
  });

  it('is reproducible with a seed and changes with another', () => {
    const a = rankRobustness(partials, { ...base, aggregate: 'arithmetic' }, { draws: 200, seed: 1, weightSpread: 0.5 });
    const b = rankRobustness(partials, { ...base, aggregate: 'arithmetic' }, { draws: 200, seed: 1, weightSpread: 0.5 });
    expect(a).toEqual(b);
    const c = rankRobustness(partials, { ...base, aggregate: 'arithmetic' }, { draws: 200, seed: 2, weightSpread: 0.5 });
    expect(c.territories).not.toEqual(a.territories);
    for (const t of a.territories) {
      expect(t.lower).toBeLessThanOrEqual(t.medianRank);
      expect(t.medianRank).toBeLessThanOrEqual(t.upper);
      expect(t.lower).toBeGreaterThanOrEqual(1);
      expect(t.upper).toBeLessThanOrEqual(table45.rows.length);
    }
  });
});
