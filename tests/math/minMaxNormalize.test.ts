import { describe, expect, it } from 'vitest';
import { minMaxNormalize } from '../../src/math/minMaxNormalize';
import territories from '../../seeds/domain/reference-data/east-kz-territories-2020.json';

const TOL = 1e-12;

describe('minMaxNormalize', () => {
  it('maps a stimulant to [0, 1] with the maximum at 1 (hand-computed)', () => {
    const r = minMaxNormalize([2, 4, 6, 3], 'stimulant');
    [0, 0.5, 1, 0.25].forEach((v, i) => expect(r.values[i]).toBeCloseTo(v, 12));
    expect(r.min).toBe(2);
    expect(r.max).toBe(6);
    expect(r.constant).toBe(false);
  });

  it('reverses a destimulant: the smallest value scores 1 (hand-computed)', () => {
    const r = minMaxNormalize([2, 4, 6, 3], 'destimulant');
    [1, 0.5, 0, 0.75].forEach((v, i) => expect(Math.abs(r.values[i]! - v)).toBeLessThan(TOL));
  });

  it('defines a constant indicator as 1 for everyone and flags it', () => {
    const r = minMaxNormalize([5, 5, 5], 'destimulant');
    expect(r.values).toEqual([1, 1, 1]);
    expect(r.constant).toBe(true);
  });

  it('reproduces the table 40 rule on X1 (unemployment, destimulant) over the 19 territories', () => {
    // Published normalisation note of table 40: min and max over the 19 territories, the regional row excluded.
    const rows = territories.rows.filter((r) => r.kind !== 'region');
    expect(rows).toHaveLength(19);
    const r = minMaxNormalize(rows.map((x) => x.X1), 'destimulant');
    expect(r.min).toBe(4.4);
    expect(r.max).toBe(5.3);
    const tarbagatai = rows.findIndex((x) => x.en === 'Tarbagatai district');
    const abai = rows.findIndex((x) => x.en === 'Abai district');
    expect(r.values[tarbagatai]).toBe(0);
    // Hand-computed: 1 - (4.8 - 4.4) / (5.3 - 4.4) = 0.5556
    expect(Math.abs(r.values[abai]! - (1 - 0.4 / 0.9))).toBeLessThan(1e-12);
  });

  it('rejects empty and non-finite input', () => {
    expect(() => minMaxNormalize([], 'stimulant')).toThrow(RangeError);
    expect(() => minMaxNormalize([1, NaN], 'stimulant')).toThrow(RangeError);
  });
});
