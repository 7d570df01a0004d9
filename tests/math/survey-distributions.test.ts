import { describe, expect, it } from 'vitest';
import { chiSquareUpperTail, normalTwoSidedP, standardNormalCdf, standardNormalQuantile, studentTQuantile } from '../../src/math/survey-distributions';

describe('survey distributions', () => {
  it('gives the t quantiles of the 95 % interval', () => {
    // scipy 1.17.1 stats.t.ppf(0.975, df) (the same values as R qt(0.975, df) and printed t tables);
    // tolerance 5e-9 absolute (jStat's t CDF is good to a few 1e-9 at large df; irrelevant for a CI of a 1-5 mean).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736175, 8);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157162798, 8);
    expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.045229642133, 8);
    expect(studentTQuantile(0.975, 99)).toBeCloseTo(1.984216951586, 8);
  });

  it('gives chi-square upper tails', () => {
    // scipy stats.chi2.sf: 5.991465 at df 2 and 3.841459 at df 1 are the 5 % critical values.
    expect(chiSquareUpperTail(5.991464547107979, 2)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(0.77142857142857, 2)).toBeCloseTo(0.679964773579, 9);
    expect(chiSquareUpperTail(0, 3)).toBe(1);
    expect(() => chiSquareUpperTail(1, 0)).toThrow(RangeError);
  });

  it('gives normal tails and quantiles', () => {
    expect(standardNormalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(standardNormalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(normalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(normalTwoSidedP(-1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(normalTwoSidedP(0)).toBe(1);
    // Tail: scipy 2 * norm.sf(5) = 5.733031437583866e-07; relative tolerance 1e-8.
    expect(normalTwoSidedP(5) / 5.733031437583866e-7).toBeCloseTo(1, 8);
  });
});
