import { describe, expect, it } from 'vitest';
import { alphaUndefinedReason } from '../../src/math/alphaUndefinedReason';
import { delphiConsensusCompared } from '../../src/math/delphiConsensusCompared';
import { kruskalWallisFromCounts } from '../../src/math/kruskal-wallis';
import { kruskalWallisSmallGroups } from '../../src/math/kruskalWallisSmallGroups';
import { quantileType6 } from '../../src/math/quantileType6';

// Reference values: R 4.x quantile(x, p, type = 6) and type = 7.
const TOL = 12; // decimal places

describe('quantileType6', () => {
  it('matches R quantile(type = 6)', () => {
    expect(quantileType6([2, 3, 3, 4, 4, 5], 0.25)).toBeCloseTo(2.75, TOL);
    expect(quantileType6([2, 3, 3, 4, 4, 5], 0.75)).toBeCloseTo(4.25, TOL);
    expect(quantileType6([1, 2, 2, 3, 5, 5, 4], 0.25)).toBeCloseTo(2, TOL);
    expect(quantileType6([1, 2, 2, 3, 5, 5, 4], 0.75)).toBeCloseTo(5, TOL);
    expect(quantileType6([4, 4, 4, 5], 0.75)).toBeCloseTo(4.75, TOL);
  });

  it('clamps at the extremes and has no quantile for an empty sample', () => {
    expect(quantileType6([7], 0.25)).toBe(7);
    expect(quantileType6([7], 0.75)).toBe(7);
    expect(quantileType6([], 0.5)).toBeNull();
  });
});

describe('delphiConsensusCompared', () => {
  it('states when the two quartile definitions disagree', () => {
    const c = delphiConsensusCompared([2, 3, 3, 4, 4, 5])!;
    expect(c.type7.iqr).toBeCloseTo(1, TOL);
    expect(c.type7.consensus).toBe(true);
    expect(c.type6.iqr).toBeCloseTo(1.5, TOL);
    expect(c.type6.consensus).toBe(false);
    expect(c.agree).toBe(false);
  });

  it('agrees where both give the same verdict', () => {
    const c = delphiConsensusCompared([4, 4, 4, 5])!;
    expect(c.type7.iqr).toBeCloseTo(0.25, TOL);
    expect(c.type6.iqr).toBeCloseTo(0.75, TOL);
    expect(c.agree).toBe(true);
    expect(delphiConsensusCompared([])).toBeNull();
  });
});

describe('kruskalWallisSmallGroups', () => {
  it('flags a group under five ratings and ignores empty groups', () => {
    expect(kruskalWallisSmallGroups([12, 4, 30])).toEqual({ small: true, smallest: 4 });
    expect(kruskalWallisSmallGroups([5, 9, 0])).toEqual({ small: false, smallest: 5 });
    expect(kruskalWallisSmallGroups([])).toEqual({ small: false, smallest: null });
  });

  it('gets the group sizes from the test itself', () => {
    const kw = kruskalWallisFromCounts([[1, 2, 1, 0, 0], [0, 0, 1, 2, 1], [0, 0, 0, 0, 0], [0, 1, 1, 0, 2]])!;
    expect(kw.groupSizes).toEqual([4, 4, 4]);
    expect(kruskalWallisSmallGroups(kw.groupSizes).small).toBe(true);
  });
});

describe('alphaUndefinedReason', () => {
  it('names the first condition that fails', () => {
    expect(alphaUndefinedReason({ items: 1, respondents: 50, totalVariance: 2 })).toBe('oneItem');
    expect(alphaUndefinedReason({ items: 3, respondents: 1, totalVariance: null })).toBe('tooFewRespondents');
    expect(alphaUndefinedReason({ items: 3, respondents: 10, totalVariance: 0 })).toBe('zeroVariance');
    expect(alphaUndefinedReason({ items: 3, respondents: 10, totalVariance: 8.3 })).toBeNull();
  });
});
