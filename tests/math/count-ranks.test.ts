import { describe, expect, it } from 'vitest';
import { midRanksFromCounts } from '../../src/math/count-ranks';

describe('midRanksFromCounts', () => {
  it('gives the mid-ranks and tie term of a histogram', () => {
    // Hand-computed: level totals 1,3,3,2,3 occupy positions 1 | 2-4 | 5-7 | 8-9 | 10-12,
    // mid-ranks 1, 3, 6, 8.5, 11; tie term 0 + 24 + 24 + 6 + 24 = 78.
    expect(midRanksFromCounts([1, 3, 3, 2, 3])).toEqual({ ranks: [1, 3, 6, 8.5, 11], tieTerm: 78, n: 12 });
  });

  it('handles empty levels and an empty histogram', () => {
    // An empty level's "mid-rank" sits between its neighbours and is never weighted.
    expect(midRanksFromCounts([0, 2, 0, 1])).toEqual({ ranks: [0.5, 1.5, 2.5, 3], tieTerm: 6, n: 3 });
    expect(midRanksFromCounts([0, 0])).toEqual({ ranks: [0.5, 0.5], tieTerm: 0, n: 0 });
    expect(() => midRanksFromCounts([1, -2])).toThrow(RangeError);
  });
});
