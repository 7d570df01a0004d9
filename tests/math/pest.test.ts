import { describe, expect, it } from 'vitest';
import { pestInfluence } from '../../src/math/pest';

const TOL = 1e-12;

describe('pestInfluence', () => {
  it('matches the hand-computed example (v normalised over the whole group)', () => {
    /*
     * P: P+1 w4 s4, P+2 w2 s3, P-1 w3 s5, P-2 w1 s2; sum w = 10 (both polarities)
     *    v = .4, .2, .3, .1; positive = .4*4 + .2*3 = 2.2; negative = .3*5 + .1*2 = 1.7; balance 0.5
     * E: E+1 w5 s2, E-1 w5 s4; v = .5, .5; positive 1, negative 2, balance -1
     * S: only S+1 w2 s3; v = 1; positive 3, negative 0, balance 3
     * T: no factors -> 0, 0, 0
     */
    const r = pestInfluence([
      { code: 'P+1', group: 'P', polarity: '+', weight: 4, strength: 4 },
      { code: 'P+2', group: 'P', polarity: '+', weight: 2, strength: 3 },
      { code: 'P-1', group: 'P', polarity: '-', weight: 3, strength: 5 },
      { code: 'P-2', group: 'P', polarity: '-', weight: 1, strength: 2 },
      { code: 'E+1', group: 'E', polarity: '+', weight: 5, strength: 2 },
      { code: 'E-1', group: 'E', polarity: '-', weight: 5, strength: 4 },
      { code: 'S+1', group: 'S', polarity: '+', weight: 2, strength: 3 },
    ]);
    const g = Object.fromEntries(r.groups.map((x) => [x.group, x]));
    expect(Math.abs(g.P!.positive - 2.2)).toBeLessThan(TOL);
    expect(Math.abs(g.P!.negative - 1.7)).toBeLessThan(TOL);
    expect(Math.abs(g.P!.balance - 0.5)).toBeLessThan(TOL);
    expect(Math.abs(g.E!.balance + 1)).toBeLessThan(TOL);
    expect(Math.abs(g.S!.positive - 3)).toBeLessThan(TOL);
    expect(g.T).toEqual({ group: 'T', positive: 0, negative: 0, balance: 0 });
    expect(r.groups.map((x) => x.group)).toEqual(['P', 'E', 'S', 'T']);
    const p1 = r.factors.find((f) => f.code === 'P-1')!;
    expect(p1.normalisedWeight).toBeCloseTo(0.3, 12);
    expect(p1.score).toBeCloseTo(1.5, 12);
  });
});
