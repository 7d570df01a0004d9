import { describe, expect, it } from 'vitest';
import { ols, OlsError } from '../../src/math/ols';
import { pearsonCorrelation } from '../../src/math/pearsonCorrelation';
import { studentTTwoSidedP } from '../../src/math/studentT';

/**
 * NIST Statistical Reference Datasets, linear regression "Longley" (higher difficulty):
 * https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml. Certified values to 15 digits.
 * Columns: y (employment), x1..x6 (GNP deflator, GNP, unemployed, armed forces, population, year).
 */
const LONGLEY = `60323 83.0 234289 2356 1590 107608 1947
61122 88.5 259426 2325 1456 108632 1948
60171 88.2 258054 3682 1616 109773 1949
61187 89.5 284599 3351 1650 110929 1950
63221 96.2 328975 2099 3099 112075 1951
63639 98.1 346999 1932 3594 113270 1952
64989 99.0 365385 1870 3547 115094 1953
63761 100.0 363112 3578 3350 116219 1954
66019 101.2 397469 2904 3048 117388 1955
67857 104.6 419180 2822 2857 118734 1956
68169 108.4 442769 2936 2798 120445 1957
66513 110.8 444546 4681 2637 121950 1958
68655 112.6 482704 3813 2552 123366 1959
69564 114.2 502601 3931 2514 125368 1960
69331 115.7 518173 4806 2572 127852 1961
70551 116.9 554894 4007 2827 130081 1962`
  .split('\n')
  .map((line) => line.trim().split(/\s+/).map(Number));

const CERTIFIED = {
  beta: [-3482258.63459582, 15.0618722713733, -0.358191792925910e-1, -2.02022980381683, -1.03322686717359, -0.511041056535807e-1, 1829.15146461355],
  se: [890420.383607373, 84.9149257747669, 0.334910077722432e-1, 0.488399681651699, 0.214274163161675, 0.226073200069370, 455.478499142212],
  residualSd: 304.854073561965,
  r2: 0.995479004577296,
};

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('ols', () => {
  it('reproduces the NIST StRD Longley certified values (relative error < 1e-8)', () => {
    const y = LONGLEY.map((r) => r[0]!);
    const columns = [1, 2, 3, 4, 5, 6].map((k) => LONGLEY.map((r) => r[k]!));
    const r = ols(y, columns);
    const beta = [r.intercept, ...r.coefficients];
    beta.forEach((b, k) => expect(rel(b, CERTIFIED.beta[k]!)).toBeLessThan(1e-8));
    r.standardErrors.forEach((se, k) => expect(rel(se, CERTIFIED.se[k]!)).toBeLessThan(1e-8));
    expect(rel(r.residualStandardError, CERTIFIED.residualSd)).toBeLessThan(1e-8);
    expect(Math.abs(r.r2 - CERTIFIED.r2)).toBeLessThan(1e-10);
    expect(r.degreesOfFreedom).toBe(9);
    r.tStatistics.forEach((t, k) => expect(rel(t, CERTIFIED.beta[k]! / CERTIFIED.se[k]!)).toBeLessThan(1e-8));
  });

  it('simple regression by hand: y = 1 + 2x + e', () => {
    // x = 1..5, y = 3.1, 4.9, 7.2, 8.8, 11.1: slope = Sxy/Sxx = 19.9/10 = 1.99, intercept = 7.02 - 1.99*3 = 1.05
    const r = ols([3.1, 4.9, 7.2, 8.8, 11.1], [[1, 2, 3, 4, 5]]);
    expect(Math.abs(r.coefficients[0]! - 1.99)).toBeLessThan(1e-12);
    expect(Math.abs(r.intercept - 1.05)).toBeLessThan(1e-12);
    // residuals: 0.06, -0.13, 0.18, -0.21, 0.1 -> SSE 0.107, s^2 = 0.107/3, SE(slope) = sqrt(s^2/10)
    expect(Math.abs(r.standardErrors[1]! - Math.sqrt(0.107 / 3 / 10))).toBeLessThan(1e-12);
    expect(Math.abs(r.r2 - (1 - 0.107 / 39.708))).toBeLessThan(1e-12);
  });

  it('refuses too few observations and collinear regressors', () => {
    expect(() => ols([1, 2, 3], [[1, 2, 3], [2, 1, 0]])).toThrow(OlsError);
    try {
      ols([1, 2, 3, 5, 4], [[1, 2, 3, 4, 5], [2, 4, 6, 8, 10]]);
      expect.unreachable();
    } catch (e) {
      expect((e as OlsError).reason).toBe('collinear');
    }
  });
});

describe('pearsonCorrelation and t p-values', () => {
  it('r of [1,2,3] and [2,4,7] = 2.5/sqrt(1*6.3333) (hand-computed)', () => {
    expect(Math.abs(pearsonCorrelation([1, 2, 3], [2, 4, 7]) - 2.5 / Math.sqrt(6.333333333333333))).toBeLessThan(1e-12);
    expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('two-sided p of t = 2.262 with 9 df is 0.05 (t tables), within 1e-4', () => {
    expect(Math.abs(studentTTwoSidedP(2.262, 9) - 0.05)).toBeLessThan(1e-4);
    expect(Math.abs(studentTTwoSidedP(-1.96, 1e6) - 0.05)).toBeLessThan(1e-4);
  });
});
