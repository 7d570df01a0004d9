import * as ss from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { chiSquareIndependence } from '../../src/math/chiSquareIndependence';
import { kendallW } from '../../src/math/kendall-w';
import { kendallWFromPatterns } from '../../src/math/kendallWFromPatterns';
import { numberSummaryFromCounts } from '../../src/math/numberSummaryFromCounts';

describe('chiSquareIndependence', () => {
  it('matches R chisq.test(matrix(c(12, 5, 7, 9), 2), correct = FALSE)', () => {
    // R 4 (run here): X-squared = 2.430576, df = 1, p-value = 0.1189892. Rows are (12, 7) and (5, 9).
    const r = chiSquareIndependence([[12, 7], [5, 9]])!;
    expect(r.chiSquare).toBeCloseTo(2.430576, 5);
    expect(r.df).toBe(1);
    expect(r.p).toBeCloseTo(0.1189892, 6);
    expect(r.n).toBe(33);
    expect(r.cramersV).toBeCloseTo(Math.sqrt(2.430576 / 33), 5);
  });

  it('matches a 3x3 table by hand and drops empty rows and columns', () => {
    // R: chisq.test(matrix(c(10,20,30, 20,20,20, 30,20,10), 3, byrow = TRUE)): X-squared = 20, df = 4, p = 0.0004993992 (run here).
    const r = chiSquareIndependence([[10, 20, 30, 0], [20, 20, 20, 0], [0, 0, 0, 0], [30, 20, 10, 0]])!;
    expect(r.chiSquare).toBeCloseTo(20, 10);
    expect(r.df).toBe(4);
    expect(r.p).toBeCloseTo(0.0004994, 6);
    expect(chiSquareIndependence([[1, 2]])).toBeNull();
  });
});

describe('kendallWFromPatterns', () => {
  it('equals kendallW on the expanded rows', () => {
    const patterns = [
      { scores: [1, 2, 3, 4], count: 2 },
      { scores: [2, 2, 3, 4], count: 1 },
      { scores: [4, 3, 1.5, 1.5], count: 3 },
    ];
    const expanded = patterns.flatMap((p) => Array.from({ length: p.count }, () => p.scores));
    const a = kendallWFromPatterns(patterns)!;
    const b = kendallW(expanded)!;
    expect(a.w).toBeCloseTo(b.w, 12);
    expect(a.chiSquare).toBeCloseTo(b.chiSquare, 10);
    expect(a.p).toBeCloseTo(b.p, 10);
    expect(a.raters).toBe(6);
  });

  it('reproduces the documented example of kendallW', () => {
    const r = kendallWFromPatterns([{ scores: [1, 2, 3, 4], count: 1 }, { scores: [2, 2, 3, 4], count: 1 }, { scores: [1, 3, 3, 3], count: 1 }])!;
    expect(r.w).toBeCloseTo(0.84, 10);
  });
});

describe('numberSummaryFromCounts', () => {
  it('matches R quantile (type 7) and sd on the expanded values', () => {
    const r = numberSummaryFromCounts([{ value: 10, count: 1 }, { value: 2, count: 2 }, { value: 1, count: 1 }]);
    expect(r).toMatchObject({ n: 4, min: 1, max: 10 });
    expect(r.mean).toBeCloseTo(3.75, 12);
    expect(r.median).toBeCloseTo(2, 12);
    expect(r.q1).toBeCloseTo(1.75, 12);
    expect(r.q3).toBeCloseTo(4, 12);
    expect(r.sd).toBeCloseTo(ss.sampleStandardDeviation([1, 2, 2, 10]), 12);
    for (const p of [0.25, 0.5, 0.75]) expect(ss.quantileSorted([1, 2, 2, 10], p)).toBeDefined();
  });

  it('gives nulls for no values and no SD for one', () => {
    expect(numberSummaryFromCounts([]).mean).toBeNull();
    expect(numberSummaryFromCounts([{ value: 3.5, count: 1 }])).toMatchObject({ n: 1, mean: 3.5, median: 3.5, sd: null });
  });
});

describe('spearmanCorrelation', () => {
  it('matches R cor(method = "spearman") with and without ties', async () => {
    const { spearmanCorrelation } = await import('../../src/math/spearmanCorrelation');
    // R 4 (run here): 0.9746794 and 0.988613.
    expect(spearmanCorrelation([4.5, 3.2, 3.8, 3.5, 3.7], [4.1, 3.0, 3.9, 3.6, 3.6])).toBeCloseTo(0.9746794, 6);
    expect(spearmanCorrelation([513, 23, 100, 31, 19, 25, 15, 16, 108, 90, 505], [40, 3, 12, 5, 2, 4, 1, 2, 10, 9, 35])).toBeCloseTo(0.988613, 6);
    expect(spearmanCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});
