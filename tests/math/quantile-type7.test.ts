import { describe, expect, it } from 'vitest';
import { fiveNumberSummary, iqrType7, medianType7, quantileType7 } from '../../src/math/quantile-type7';
import { delphiConsensus } from '../../src/math/delphi-consensus';

const TOL = 1e-12;

describe('quantileType7 (R default, type 7)', () => {
  it('matches R / numpy "linear" reference values', () => {
    // numpy.quantile([1,2,3,4], [.25,.5,.75], method="linear") = 1.75, 2.5, 3.25 (SciPy 1.17 env);
    // R: quantile(1:4) gives the same (type 7 is R's default).
    expect(quantileType7([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
    expect(medianType7([1, 2, 3, 4])).toBeCloseTo(2.5, 12);
    expect(quantileType7([1, 2, 3, 4], 0.75)).toBeCloseTo(3.25, 12);
    expect(iqrType7([1, 2, 3, 4])).toBeCloseTo(1.5, 12);
    // R: quantile(1:10, 0.25) = 3.25 (h = 9 * 0.25 + 1 = 3.25).
    expect(quantileType7([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.25)).toBeCloseTo(3.25, 12);
    expect(quantileType7([7], 0.9)).toBe(7);
    expect(quantileType7([], 0.5)).toBeNull();
    expect(iqrType7([])).toBeNull();
    expect(fiveNumberSummary([5, 1, 3])).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('delphiConsensus (IQR <= 1)', () => {
  it('judges consensus from the type-7 IQR', () => {
    // Hand-computed: [3,3,4,5,5]: h(.25) = 2 -> 3, h(.75) = 4 -> 5, IQR 2: no consensus.
    const a = delphiConsensus([5, 3, 4, 3, 5])!;
    expect(a.median).toBe(4);
    expect(a.q1).toBe(3);
    expect(a.q3).toBe(5);
    expect(a.iqr).toBe(2);
    expect(a.consensus).toBe(false);
    // [4,4,4,5]: q3 at h = 3.25 (1-based): 4 + .25 (5 - 4) = 4.25, IQR .25: consensus.
    const b = delphiConsensus([4, 4, 4, 5])!;
    expect(b.iqr).toBeCloseTo(0.25, 12);
    expect(b.consensus).toBe(true);
    // Two experts: IQR = |a - b| / 2, so scores 2 apart are exactly at the threshold.
    expect(delphiConsensus([2, 4])!.iqr).toBeCloseTo(1, 12);
    expect(delphiConsensus([2, 4])!.consensus).toBe(true);
    expect(delphiConsensus([1, 4])!.consensus).toBe(false);
    expect(Math.abs(delphiConsensus([1, 4])!.iqr - 1.5)).toBeLessThan(TOL);
    expect(delphiConsensus([])).toBeNull();
  });
});
