import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tiedRanks } from '../../src/math/tied-ranks';

describe('tiedRanks', () => {
  it('gives mid-ranks to ties and the tie term sum(t^3 - t) (hand-computed)', () => {
    expect(tiedRanks([1, 3, 3, 3])).toEqual({ ranks: [1, 3, 3, 3], tieTerm: 24 });
    expect(tiedRanks([2, 2, 3, 4])).toEqual({ ranks: [1.5, 1.5, 3, 4], tieTerm: 6 });
    // Unsorted input keeps its order: 5 -> 4, 1 -> 1, the two 2s share positions 2 and 3.
    expect(tiedRanks([5, 1, 2, 2])).toEqual({ ranks: [4, 1, 2.5, 2.5], tieTerm: 6 });
    expect(tiedRanks([])).toEqual({ ranks: [], tieTerm: 0 });
  });

  it('ranks always sum to n(n+1)/2', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 }), (values) => {
        const sum = tiedRanks(values).ranks.reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo((values.length * (values.length + 1)) / 2, 9);
      }),
    );
  });
});
