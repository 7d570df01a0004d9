import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/math/wilson-interval';

// Reference values: scipy 1.17.1 stats.binomtest(k, n).proportion_ci(0.95, method='wilson'),
// the same as R prop.test(k, n, correct = FALSE)$conf.int.
const TOL = 10; // decimal places

describe('wilsonInterval', () => {
  it('matches the reference for an interior proportion', () => {
    const ci = wilsonInterval(4, 10)!;
    expect(ci.low).toBeCloseTo(0.16818032970623614, TOL);
    expect(ci.high).toBeCloseTo(0.6873262302663417, TOL);
    const half = wilsonInterval(150, 300)!;
    expect(half.low).toBeCloseTo(0.4437795161339169, TOL);
    expect(half.high).toBeCloseTo(0.5562204838660831, TOL);
  });

  it('stays within [0, 1] at k = 0 and k = n, also for n = 1', () => {
    expect(wilsonInterval(0, 1)).toEqual({ low: 0, high: expect.closeTo(0.7934506856227626, TOL) });
    expect(wilsonInterval(1, 1)).toEqual({ low: expect.closeTo(0.20654931437723745, TOL), high: 1 });
    expect(wilsonInterval(7, 7)!.low).toBeCloseTo(0.6456695649333126, TOL);
  });

  it('has no interval without observations and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });
});
