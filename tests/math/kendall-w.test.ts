import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kendallW } from '../../src/math/kendall-w';

describe('kendallW', () => {
  const TOL = 1e-9;

  it('matches the hand-computed example with ties', () => {
    /*
     * m = 3 experts rank n = 4 factors:
     *   A: 1 2 3 4  -> ranks 1   2   3 4   T_A = 0
     *   B: 2 2 3 4  -> ranks 1.5 1.5 3 4   T_B = 2^3 - 2 = 6
     *   C: 1 3 3 3  -> ranks 1   3   3 3   T_C = 3^3 - 3 = 24        sum T = 30
     * R = (3.5, 6.5, 9, 11); mean R = m(n+1)/2 = 7.5
     * S = 4^2 + 1^2 + 1.5^2 + 3.5^2 = 16 + 1 + 2.25 + 12.25 = 31.5
     * denominator = m^2 (n^3 - n) - m sum T = 9 * 60 - 3 * 30 = 450
     * W = 12 * 31.5 / 450 = 378 / 450 = 0.84; chi2 = m (n-1) W = 9 * 0.84 = 7.56, df 3
     * p = P(chi2_3 >= 7.56) = 0.0560366724 (confirmed with SciPy 1.17 chi2.sf(7.56, 3)).
     * Without the tie correction W would be 378 / 540 = 0.7.
     */
    const r = kendallW([
      [1, 2, 3, 4],
      [2, 2, 3, 4],
      [1, 3, 3, 3],
    ])!;
    expect(r.s).toBeCloseTo(31.5, 12);
    expect(r.tieTerm).toBe(30);
    expect(r.w).toBeCloseTo(0.84, 12);
    expect(r.chiSquare).toBeCloseTo(7.56, 12);
    expect(r.df).toBe(3);
    expect(Math.abs(r.p - 0.05603667238985611)).toBeLessThan(1e-7);
  });

  it('matches an independent computation on a 5 x 6 panel of weight*strength products', () => {
    // Reference: SciPy 1.17, computed independently of this code:
    //   R = rankdata(X, axis=1).sum(0); S = ((R - m*(n+1)/2)**2).sum();
    //   T = sum over rows of sum(c**3 - c) for c in np.unique(row, return_counts=True)[1];
    //   W = 12*S/(m*m*(n**3-n) - m*T); p = chi2.sf(m*(n-1)*W, n-1)
    // R = (20, 29, 10, 15, 25, 6), S = 389.5, sum T = 12, W = 0.900578034682081,
    // chi2 = 22.514450867052023, p = 0.00041788601174874663.
    const r = kendallW([
      [12, 20, 6, 9, 16, 4],
      [15, 20, 4, 9, 12, 6],
      [12, 25, 8, 8, 16, 3],
      [10, 16, 6, 12, 20, 4],
      [12, 20, 6, 6, 15, 4],
    ])!;
    expect(r.s).toBeCloseTo(389.5, 9);
    expect(r.tieTerm).toBe(12);
    expect(Math.abs(r.w - 0.900578034682081)).toBeLessThan(TOL);
    expect(Math.abs(r.chiSquare - 22.514450867052023)).toBeLessThan(1e-8);
    expect(Math.abs(r.p - 0.00041788601174874663)).toBeLessThan(1e-8);
  });

  it('is 1 for identical rankings, with ties too (the point of the correction)', () => {
    expect(kendallW([[1, 2, 2, 5], [1, 2, 2, 5], [1, 2, 2, 5]])!.w).toBeCloseTo(1, 12);
    expect(kendallW([[3, 1, 2], [3, 1, 2]])!.w).toBeCloseTo(1, 12);
  });

  it('is 0 for two exactly opposite rankings', () => {
    // m = 2, opposite ranks: every R_i = n + 1 = m(n+1)/2, so S = 0.
    expect(kendallW([[1, 2, 3, 4], [4, 3, 2, 1]])!.w).toBeCloseTo(0, 12);
  });

  it('is undefined with fewer than 2 raters or objects, ragged rows, or all ties', () => {
    expect(kendallW([[1, 2, 3]])).toBeNull();
    expect(kendallW([[1], [2]])).toBeNull();
    expect(kendallW([[1, 2], [1, 2, 3]])).toBeNull();
    expect(kendallW([[3, 3, 3], [2, 2, 2]])).toBeNull();
  });

  it('without ties equals the mean Spearman rho identity rho = (mW - 1)/(m - 1)', () => {
    // Kendall & Babington Smith (1939): the average Spearman correlation over all pairs of
    // raters is (mW - 1)/(m - 1) for untied rankings.
    const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 8 }).chain((n) => fc.array(permutation(n), { minLength: 2, maxLength: 6 })),
        (rankings) => {
          const m = rankings.length;
          const n = rankings[0]!.length;
          let sum = 0;
          let pairs = 0;
          for (let a = 0; a < m; a++)
            for (let b = a + 1; b < m; b++) {
              const d2 = rankings[a]!.reduce((acc, r, i) => acc + (r - rankings[b]![i]!) ** 2, 0);
              sum += 1 - (6 * d2) / (n * (n * n - 1));
              pairs++;
            }
          const w = kendallW(rankings)!.w;
          expect((m * w - 1) / (m - 1)).toBeCloseTo(sum / pairs, 9);
        },
      ),
    );
  });
});
