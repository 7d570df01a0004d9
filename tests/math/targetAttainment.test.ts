import { describe, expect, it } from 'vitest';
import { targetAttainment } from '../../src/math/targetAttainment';

const TOL = 1e-12;

describe('target attainment (actual/target or target/actual by direction)', () => {
  it('higher is better: actual / target (hand-computed: 2.3 / 2.35 = 0.978723...)', () => {
    expect(Math.abs(targetAttainment(2.3, 2.35, 'higher')! - 2.3 / 2.35)).toBeLessThan(TOL);
    expect(targetAttainment(10, 10, 'higher')).toBe(1);
    expect(targetAttainment(12, 10, 'higher')).toBeCloseTo(1.2, 12);
  });

  it('lower is better: target / actual (a GII rank of 31 against a target of 30: 30/31 = 0.967742...)', () => {
    expect(Math.abs(targetAttainment(31, 30, 'lower')! - 30 / 31)).toBeLessThan(TOL);
    expect(targetAttainment(28, 30, 'lower')).toBeCloseTo(30 / 28, 12);
  });

  it('is undefined for a zero divisor, non-finite values or a negative ratio', () => {
    expect(targetAttainment(5, 0, 'higher')).toBeNull();
    expect(targetAttainment(0, 5, 'lower')).toBeNull();
    expect(targetAttainment(Number.NaN, 5, 'higher')).toBeNull();
    expect(targetAttainment(-1, 5, 'higher')).toBeNull();
    expect(targetAttainment(0, 5, 'higher')).toBe(0);
  });
});
