import { describe, expect, it } from 'vitest';
import { holmAdjust } from '../../src/math/holmAdjust';

// Reference values: R 4.x, p.adjust(p, method = "holm"), printed with digits = 17.
const TOL = 12; // decimal places

describe('holmAdjust', () => {
  it('matches R p.adjust(method = "holm"), NA left alone and not counted', () => {
    const got = holmAdjust([0.0123, 0.0456, 0.0311, 0.00052, 0.2718, null, 0.0456, 0.8]);
    const want = [0.0738, 0.1824, 0.1555, 0.00364, 0.5436, null, 0.1824, 0.8];
    got.forEach((g, i) => (want[i] === null ? expect(g).toBeNull() : expect(g).toBeCloseTo(want[i]!, TOL)));
  });

  it('keeps the running maximum over ties and caps at 1', () => {
    const got = holmAdjust([0.01, 0.04, 0.03, 0.005, 0.2, Number.NaN, 0.04]);
    const want = [0.05, 0.12, 0.12, 0.03, 0.2, null, 0.12];
    got.forEach((g, i) => (want[i] === null ? expect(g).toBeNull() : expect(g).toBeCloseTo(want[i]!, TOL)));
    expect(holmAdjust([0.5, 0.9, 0.001])).toEqual([1, 1, expect.closeTo(0.003, TOL)]);
  });

  it('leaves a single test and an empty family as they are', () => {
    expect(holmAdjust([0.02])).toEqual([0.02]);
    expect(holmAdjust([])).toEqual([]);
  });
});
