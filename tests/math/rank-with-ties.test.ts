import { describe, expect, it } from 'vitest';
import { rankWithTies } from '../../src/math/rank-with-ties';

describe('rankWithTies', () => {
  it('ranks highest first, ties share the best rank, missing values get none', () => {
    // Hand-computed, as R rank(-x, ties.method = "min", na.last = "keep") would give.
    expect(rankWithTies([3.5, null, 4.2, 3.5, 1])).toEqual([2, null, 1, 2, 4]);
    expect(rankWithTies([7 / 2, 14 / 4])).toEqual([1, 1]);
    expect(rankWithTies([])).toEqual([]);
    expect(rankWithTies([null, null])).toEqual([null, null]);
  });
});
