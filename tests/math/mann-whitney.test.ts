import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitneyFromCounts } from '../../src/math/mann-whitney';

function toCounts(a: number[], b: number[]): [number[], number[]] {
  const levels = [...new Set([...a, ...b])].sort((x, y) => x - y);
  return [levels.map((l) => a.filter((v) => v === l).length), levels.map((l) => b.filter((v) => v === l).length)];
}

/** Independent definition: U counts the pairs (x, y) with x > y, ties one half. */
function uByPairs(a: number[], b: number[]): number {
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  return u;
}

describe('mannWhitneyFromCounts', () => {
  it("gives R's W on the documented example and the normal-approximation p", () => {
    // R 4.x ?wilcox.test: wilcox.test(x, y, alternative = "g") prints W = 35.
    // No ties: sigma^2 = 10*5*16/12 = 66.667, z = (35 - 25)/8.164966 = 1.224745;
    // scipy 1.17.1 mannwhitneyu(x, y, use_continuity=False, method='asymptotic') p = 0.22067136191984693
    // (= R wilcox.test(x, y, correct = FALSE, exact = FALSE)).
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyFromCounts(...toCounts(x, y))!;
    expect(r.u).toBe(35);
    expect(r.z).toBeCloseTo(1.224744871391589, 10);
    expect(r.p).toBeCloseTo(0.22067136191984693, 10);
    expect(r.rankBiserial).toBeCloseTo(2 * 35 / 50 - 1, 12);
  });

  it('applies the tie correction on Likert counts and gives the effect sizes', () => {
    // a = [1,2,2,3,3,4,5], b = [3,4,4,5,5,5]; scipy 1.17.1 mannwhitneyu(a, b, use_continuity=False,
    // method='asymptotic'): U = 7.5, p = 0.04759516277593916. Hand check: R_a = 35.5, U = 35.5 - 28 = 7.5,
    // tie term 114, sigma = sqrt(42/12 * (14 - 114/156)) = 6.814859, z = (7.5 - 21)/6.814859 = -1.980965;
    // r = z/sqrt(13) = -0.549421; rank-biserial 15/42 - 1 = -0.642857.
    const r = mannWhitneyFromCounts([1, 2, 2, 1, 1], [0, 0, 1, 2, 3])!;
    expect(r.u).toBe(7.5);
    expect(r.n1).toBe(7);
    expect(r.n2).toBe(6);
    expect(r.z).toBeCloseTo(-1.9809653208687101, 10);
    expect(r.p).toBeCloseTo(0.04759516277593916, 10);
    expect(r.r).toBeCloseTo(-0.5494209261006238, 10);
    expect(r.rankBiserial).toBeCloseTo(-0.6428571428571428, 12);
    expect(r.probabilityOfSuperiority).toBeCloseTo(7.5 / 42, 12);
  });

  it('is antisymmetric in its samples', () => {
    const ab = mannWhitneyFromCounts([1, 2, 2, 1, 1], [0, 0, 1, 2, 3])!;
    const ba = mannWhitneyFromCounts([0, 0, 1, 2, 3], [1, 2, 2, 1, 1])!;
    expect(ba.u).toBe(42 - 7.5);
    expect(ba.z).toBeCloseTo(-ab.z, 12);
    expect(ba.p).toBeCloseTo(ab.p, 12);
    expect(ba.rankBiserial).toBeCloseTo(-ab.rankBiserial, 12);
  });

  it('returns null for an empty sample or when all ratings are equal', () => {
    expect(mannWhitneyFromCounts([0, 0, 0, 0, 0], [1, 2, 0, 0, 0])).toBeNull();
    expect(mannWhitneyFromCounts([0, 0, 3, 0, 0], [0, 0, 2, 0, 0])).toBeNull();
    expect(mannWhitneyFromCounts([0, 0, 1, 0, 0], [0, 0, 0, 1, 0])).not.toBeNull();
  });

  it('counts U as the pairs where the first sample is higher, on random data', () => {
    const sample = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const counts = (v: number[]) => [1, 2, 3, 4, 5].map((l) => v.filter((x) => x === l).length);
        const r = mannWhitneyFromCounts(counts(a), counts(b));
        if (new Set([...a, ...b]).size < 2) return r === null;
        return r !== null && Math.abs(r.u - uByPairs(a, b)) < 1e-9;
      }),
      { numRuns: 200, seed: 20261122 },
    );
  });
});
