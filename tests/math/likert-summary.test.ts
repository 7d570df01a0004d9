import { describe, expect, it } from 'vitest';
import * as ss from 'simple-statistics';
import { likertSummaryFromCounts } from '../../src/math/likert-summary';

function expand(counts: number[]): number[] {
  return counts.flatMap((c, i) => Array<number>(c).fill(i + 1));
}

describe('likertSummaryFromCounts', () => {
  it('matches the reference summary of a small item', () => {
    // Ratings 1,2,2,3,3,3,4,4,4,4. Hand-computed: mean 30/10 = 3; median (3+3)/2 = 3;
    // s^2 = (4 + 2*1 + 0 + 4*1)/9 = 10/9, s = 1.0540926; half-width 2.2621572 * 1.0540926 / sqrt(10)
    // = 0.7540524 -> CI [2.2459476, 3.7540524] (scipy: t.ppf(.975, 9) * std(ddof=1) / sqrt(n));
    // top-2 = 4/10 with Wilson [0.1681803, 0.6873262] (R prop.test(4, 10, correct = FALSE)).
    const s = likertSummaryFromCounts([1, 2, 3, 4, 0]);
    expect(s.n).toBe(10);
    expect(s.mean).toBeCloseTo(3, 12);
    expect(s.median).toBe(3);
    expect(s.sd).toBeCloseTo(1.0540925533894598, 12);
    expect(s.ciLow).toBeCloseTo(2.2459476124005984, 9);
    expect(s.ciHigh).toBeCloseTo(3.7540523875994016, 9);
    expect(s.top2).toBeCloseTo(0.4, 12);
    expect(s.top2Low).toBeCloseTo(0.16818032970623614, 9);
    expect(s.top2High).toBeCloseTo(0.6873262302663417, 9);
    expect(s.counts).toEqual([1, 2, 3, 4, 0]);
  });

  it('summarises a 0..10 scale on its own values: 0 is a rating, the top two points are 9 and 10', () => {
    // The ratings 0, 7, 10, 3 of the issue: mean 20/4 = 5, median (3+7)/2 = 5,
    // s^2 = (25 + 4 + 25 + 4)/3 = 58/3 (simple-statistics sampleVariance agrees), top-2 = 1/4.
    const counts = Array<number>(11).fill(0);
    for (const v of [0, 7, 10, 3]) counts[v]! += 1;
    const s = likertSummaryFromCounts(counts, 0.95, 0);
    expect(s.n).toBe(4);
    expect(s.mean).toBeCloseTo(5, 12);
    expect(s.median).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(ss.sampleVariance([0, 7, 10, 3])), 12);
    expect(s.top2).toBeCloseTo(0.25, 12);
    expect(s.lowest).toBe(0);
  });

  it('agrees with simple-statistics on the expanded ratings for odd and even n', () => {
    for (const counts of [
      [0, 0, 1, 0, 0],
      [3, 0, 0, 0, 4],
      [5, 1, 7, 2, 9],
      [0, 12, 0, 3, 1],
      [2, 2, 2, 2, 3],
    ]) {
      const raw = expand(counts);
      const s = likertSummaryFromCounts(counts);
      expect(s.n).toBe(raw.length);
      expect(s.mean).toBeCloseTo(ss.mean(raw), 12);
      expect(s.median).toBe(ss.median(raw));
      if (raw.length > 1) expect(s.sd).toBeCloseTo(ss.sampleStandardDeviation(raw), 12);
    }
  });

  it('gives nulls, not NaN, for an item nobody rated', () => {
    const s = likertSummaryFromCounts([0, 0, 0, 0, 0]);
    expect(s).toEqual({
      n: 0, mean: null, median: null, sd: null, ciLow: null, ciHigh: null, top2: null, top2Low: null, top2High: null, counts: [0, 0, 0, 0, 0], lowest: 1,
    });
  });

  it('gives a mean and median but no SD or CI for one rating', () => {
    const s = likertSummaryFromCounts([0, 0, 0, 1, 0]);
    expect(s.mean).toBe(4);
    expect(s.median).toBe(4);
    expect(s.sd).toBeNull();
    expect(s.ciLow).toBeNull();
    expect(s.ciHigh).toBeNull();
    expect(s.top2).toBe(1);
    expect(s.top2High).toBe(1);
  });

  it('gives a zero-width interval when every rating is equal', () => {
    const s = likertSummaryFromCounts([0, 0, 0, 0, 6]);
    expect(s.sd).toBe(0);
    expect(s.ciLow).toBe(5);
    expect(s.ciHigh).toBe(5);
  });

  it('stays exact for a million ratings', () => {
    // 200 000 of each value: mean 3, median 3, s^2 = 2 * (4 + 1) * 200000 / 999999 (hand-computed).
    const s = likertSummaryFromCounts([200000, 200000, 200000, 200000, 200000]);
    expect(s.mean).toBe(3);
    expect(s.median).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2000000 / 999999), 12);
    expect(s.ciHigh! - s.ciLow!).toBeLessThan(0.01);
  });

  it('refuses what is not a histogram', () => {
    expect(() => likertSummaryFromCounts([1])).toThrow(RangeError);
    expect(() => likertSummaryFromCounts([1, -1, 2])).toThrow(RangeError);
    expect(() => likertSummaryFromCounts([1, 0.5, 2])).toThrow(RangeError);
  });
});
