import { describe, expect, it } from 'vitest';
import { quantitativeSwot, towsStrategy } from '../../src/math/swot';

const TOL = 1e-12;

describe('quantitativeSwot', () => {
  it('matches the hand-computed example', () => {
    /*
     * S: S1 w4 s5, S2 w2 s3          sum w 6:  v = 4/6, 2/6   f = 20/6, 6/6       S = 26/6 = 4.3333
     * W: W1 w5 s4, W2 w3 s2, W3 w2 s5 sum 10:  v = .5,.3,.2   f = 2.0, 0.6, 1.0  W = 3.6
     * O: O1 w3 s4                     sum 3:   v = 1          f = 4              O = 4
     * T: T1 w1 s5, T2 w3 s3           sum 4:   v = .25,.75    f = 1.25, 2.25     T = 3.5
     * x = 26/6 - 3.6 = 0.7333..., y = 4 - 3.5 = 0.5 -> SO (aggressive)
     */
    const r = quantitativeSwot([
      { code: 'S1', quadrant: 'S', weight: 4, strength: 5 },
      { code: 'S2', quadrant: 'S', weight: 2, strength: 3 },
      { code: 'W1', quadrant: 'W', weight: 5, strength: 4 },
      { code: 'W2', quadrant: 'W', weight: 3, strength: 2 },
      { code: 'W3', quadrant: 'W', weight: 2, strength: 5 },
      { code: 'O1', quadrant: 'O', weight: 3, strength: 4 },
      { code: 'T1', quadrant: 'T', weight: 1, strength: 5 },
      { code: 'T2', quadrant: 'T', weight: 3, strength: 3 },
    ]);
    const byCode = Object.fromEntries(r.factors.map((f) => [f.code, f]));
    expect(byCode.S1!.normalisedWeight).toBeCloseTo(4 / 6, 12);
    expect(byCode.S1!.score).toBeCloseTo(20 / 6, 12);
    expect(byCode.W2!.normalisedWeight).toBeCloseTo(0.3, 12);
    expect(byCode.W2!.score).toBeCloseTo(0.6, 12);
    expect(byCode.T2!.score).toBeCloseTo(2.25, 12);
    expect(Math.abs(r.totals.S - 26 / 6)).toBeLessThan(TOL);
    expect(Math.abs(r.totals.W - 3.6)).toBeLessThan(TOL);
    expect(Math.abs(r.totals.O - 4)).toBeLessThan(TOL);
    expect(Math.abs(r.totals.T - 3.5)).toBeLessThan(TOL);
    expect(Math.abs(r.x - (26 / 6 - 3.6))).toBeLessThan(TOL);
    expect(Math.abs(r.y - 0.5)).toBeLessThan(TOL);
    expect(r.strategy).toBe('SO');
    expect(r.onBoundary).toBe(false);
  });

  it('names the TOWS strategy by quadrant and resolves zero to the cautious side', () => {
    expect(towsStrategy(1, 1)).toBe('SO');
    expect(towsStrategy(-1, 1)).toBe('WO');
    expect(towsStrategy(1, -1)).toBe('ST');
    expect(towsStrategy(-1, -1)).toBe('WT');
    expect(towsStrategy(0, 1)).toBe('WO');
    expect(towsStrategy(1, 0)).toBe('ST');
    expect(towsStrategy(0, 0)).toBe('WT');
  });

  it('gives zero totals for empty quadrants and flags the boundary', () => {
    const r = quantitativeSwot([]);
    expect(r.totals).toEqual({ S: 0, W: 0, O: 0, T: 0 });
    expect(r.strategy).toBe('WT');
    expect(r.onBoundary).toBe(true);
  });
});
