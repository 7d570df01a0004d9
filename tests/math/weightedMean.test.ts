import { describe, expect, it } from 'vitest';
import { weightedArithmeticMean, weightedGeometricMean, weightedMean } from '../../src/math/weightedMean';

const TOL = 1e-12;

describe('weighted means (integral index)', () => {
  it('arithmetic mean with equal weights is the plain mean (hand-computed)', () => {
    expect(Math.abs(weightedArithmeticMean([0.2, 0.4, 0.9], [1, 1, 1]).value - 0.5)).toBeLessThan(TOL);
  });

  it('arithmetic mean respects weights: (2*0.2 + 1*0.8) / 3 = 0.4 (hand-computed)', () => {
    expect(Math.abs(weightedArithmeticMean([0.2, 0.8], [2, 1]).value - 0.4)).toBeLessThan(TOL);
  });

  it('scaling all weights does not change the index', () => {
    const a = weightedMean('geometric', [0.3, 0.7, 0.9], [1, 2, 3]).value;
    const b = weightedMean('geometric', [0.3, 0.7, 0.9], [10, 20, 30]).value;
    expect(Math.abs(a - b)).toBeLessThan(TOL);
  });

  it('geometric mean: sqrt(0.25 * 1) = 0.5 and weighted 0.25^(2/3) * 1^(1/3) (hand-computed)', () => {
    expect(Math.abs(weightedGeometricMean([0.25, 1], [1, 1]).value - 0.5)).toBeLessThan(TOL);
    expect(Math.abs(weightedGeometricMean([0.25, 1], [2, 1]).value - 0.25 ** (2 / 3))).toBeLessThan(TOL);
  });

  it('a zero partial index makes the geometric mean zero and is reported, not hidden', () => {
    const r = weightedGeometricMean([0.5, 0, 0.9, 0], [1, 1, 1, 1]);
    expect(r.value).toBe(0);
    expect(r.zeroAt).toEqual([1, 3]);
  });

  it('a zero with weight 0 does not count in the geometric mean', () => {
    const r = weightedGeometricMean([0.25, 0, 1], [1, 0, 1]);
    expect(r.zeroAt).toEqual([]);
    expect(Math.abs(r.value - 0.5)).toBeLessThan(TOL);
  });

  it('arithmetic >= geometric (AM-GM) on positive values', () => {
    const v = [0.1, 0.5, 0.8, 0.95];
    const w = [1, 3, 2, 1];
    expect(weightedArithmeticMean(v, w).value).toBeGreaterThan(weightedGeometricMean(v, w).value);
  });

  it('rejects negative or all-zero weights and mismatched lengths', () => {
    expect(() => weightedArithmeticMean([1, 2], [1, -1])).toThrow(RangeError);
    expect(() => weightedArithmeticMean([1, 2], [0, 0])).toThrow(RangeError);
    expect(() => weightedGeometricMean([1, 2], [1])).toThrow(RangeError);
  });
});
