import { describe, expect, it } from 'vitest';
import counts from '../../seeds/domain/reference-data/east-kz-innovation-counts-2020.json';
import table17 from '../../seeds/domain/reference-data/east-kz-innovation-activity-2010-2020.json';
import tech from '../../seeds/domain/reference-data/kz-technological-innovation-2016-2020.json';
import { deriveIndicators, FormulaError, type DeriveRow } from '../../src/math/deriveIndicators';

const series: DeriveRow[] = [
  { territory: 'A', year: 2018, x: 100, pop: 50_000 },
  { territory: 'A', year: 2019, x: 110, pop: 50_000 },
  { territory: 'A', year: 2020, x: 121, pop: 55_000 },
  { territory: 'B', year: 2018, x: 40, pop: 10_000 },
  { territory: 'B', year: 2020, x: 90, pop: 12_000 },
];

function problem(rows: DeriveRow[], formula: string, name = 'd'): FormulaError {
  try {
    deriveIndicators(rows, [{ name, formula }]);
  } catch (e) {
    if (e instanceof FormulaError) return e;
    throw e;
  }
  throw new Error('no FormulaError');
}

describe('deriveIndicators', () => {
  it('the issue example: Lact = innovating / active * 100 -> 12.5', () => {
    const [row] = deriveIndicators([{ territory: 'A', year: 2020, active: 120, innovating: 15 }], [{ name: 'Lact', formula: 'innovating / active * 100' }]);
    expect(row!.Lact).toBe(12.5);
  });

  it('lag, chain, growth and base index by year within a territory (hand-computed)', () => {
    const out = deriveIndicators(series, [
      { name: 'prev', formula: 'lag(x)' },
      { name: 'c', formula: 'chain(x)' },
      { name: 'g', formula: 'growth(x)' },
      { name: 'b', formula: 'base(x, 2018)' },
      { name: 'two', formula: 'lag(x, 2)' },
    ]);
    expect(out.map((r) => r.prev)).toEqual([null, 100, 110, null, null]); // B has no 2019: no lag for 2020
    expect(out[1]!.c).toBeCloseTo(110, 12);
    expect(out[2]!.g).toBeCloseTo(10, 12);
    expect(out[2]!.b).toBeCloseTo(121, 12);
    expect(out[4]!.b).toBeCloseTo(225, 12);
    expect(out[4]!.two).toBe(40);
    expect(out[0]!.c).toBeNull();
  });

  it('average annual growth is the geometric mean of chain indices; per 1,000, share, total and period mean', () => {
    const out = deriveIndicators(series, [
      { name: 'avg', formula: 'avggrowth(x)' },
      { name: 'perK', formula: 'per1000(x, pop)' },
      { name: 'tot', formula: 'total(x)' },
      { name: 'sh', formula: 'share(x, total(x))' },
      { name: 'vol', formula: 'periodmean(x)' },
    ]);
    // A: (121/100)^(1/2) - 1 = 10 %; B: (90/40)^(1/2) - 1 = 50 % (gap years count)
    expect(out[0]!.avg).toBeCloseTo(10, 10);
    expect(out[3]!.avg).toBeCloseTo(50, 10);
    expect(out[0]!.perK).toBeCloseTo(2, 12);
    expect(out[2]!.tot).toBe(211);
    expect(out[1]!.tot).toBe(110); // only A reports 2019
    expect(out[4]!.sh).toBeCloseTo((90 / 211) * 100, 12);
    expect(out[0]!.vol).toBeCloseTo(110.33333333333333, 12);
  });

  it('unevenness over territories in a year: mean, sample sd, min, max (hand-computed)', () => {
    const rows: DeriveRow[] = [2, 4, 6, 8].map((x, k) => ({ territory: `T${k}`, year: 2020, x }));
    const out = deriveIndicators(rows, [
      { name: 'cv', formula: 'territorysd(x) / territorymean(x) * 100' },
      { name: 'spread', formula: 'territorymax(x) / territorymin(x)' },
    ]);
    // mean 5, sd sqrt(20/3) = 2.581989 -> cv 51.6398 %; max/min = 4
    expect(out[0]!.cv).toBeCloseTo((Math.sqrt(20 / 3) / 5) * 100, 10);
    expect(out[3]!.spread).toBe(4);
  });

  it('a value that cannot be computed is null, never Infinity or NaN', () => {
    const out = deriveIndicators([{ territory: 'A', year: 1, a: 1, b: 0 }, { territory: 'B', year: 1, a: -4, b: 2 }, { territory: 'C', year: 1, a: null, b: 1 }], [
      { name: 'q', formula: 'a / b' },
      { name: 'r', formula: 'sqrt(a)' },
      { name: 's', formula: 'a + 1' },
    ]);
    expect(out.map((r) => r.q)).toEqual([null, -2, null]);
    expect(out[1]!.r).toBeNull();
    expect(out[2]!.s).toBeNull();
  });

  it('derived columns can use the ones before them; Kazakh and Russian names parse', () => {
    const out = deriveIndicators([{ year: 2020, Іө: 10, Тш: 4 }], [
      { name: 'Iж', formula: 'Іө / Тш' },
      { name: 'double', formula: '2 * Iж' },
    ]);
    expect(out[0]!.double).toBe(5);
  });

  it('refuses anything but named indicators, numbers, arithmetic and the documented functions', () => {
    const rows: DeriveRow[] = [{ territory: 'A', year: 2020, a: 1 }];
    expect(problem(rows, 'a.constructor').problem).toBe('notAllowed');
    expect(problem(rows, 'f(x) = 1').problem).toBe('notAllowed');
    expect(problem(rows, 'a = 2').problem).toBe('notAllowed');
    expect(problem(rows, '[1, 2]').problem).toBe('notAllowed');
    expect(problem(rows, '"text"').problem).toBe('notAllowed');
    expect(problem(rows, 'a > 1 ? 1 : 0').problem).toBe('notAllowed');
    expect(problem(rows, 'a!').problem).toBe('notAllowed');
    expect(problem(rows, 'evaluate("1")').problem).toBe('unknownFunction');
    expect(problem(rows, 'constructor(a)').problem).toBe('unknownFunction');
    expect(problem(rows, 'import(a)').problem).toBe('unknownFunction');
    expect(problem(rows, 'b + 1')).toMatchObject({ problem: 'unknownName', params: { name: 'b' }, field: 'formula', index: 0 });
    expect(problem(rows, 'a +').problem).toBe('syntax');
    expect(problem(rows, 'lag(a, b)').problem).toBe('constantArgument');
    expect(problem(rows, 'lag(a, 0)').problem).toBe('constantArgument');
    expect(problem(rows, 'base(a)')).toMatchObject({ problem: 'arityExact', params: { name: 'base', count: 2 } });
    expect(problem(rows, 'lag(a, 1, 2)')).toMatchObject({ problem: 'arity', params: { name: 'lag', min: 1, max: 2, count: 2 } });
    expect(problem([{ a: 1 }], 'growth(a)').problem).toBe('needsYear');
    expect(problem(rows, '1', 'a').problem).toBe('nameTaken');
    expect(problem(rows, '1', 'lag').problem).toBe('nameTaken');
    expect(problem(rows, '1', '2x').problem).toBe('badName');
    const later = (() => {
      try {
        deriveIndicators(rows, [{ name: 'p', formula: 'q + 1' }, { name: 'q', formula: 'a' }]);
      } catch (e) {
        return e as FormulaError;
      }
    })();
    expect(later).toMatchObject({ problem: 'laterName', index: 0 });
  });
});

describe('published checks', () => {
  it('Lact of East Kazakhstan 2016-2020 from table 11 counts equals the INact column of table 17 (both printed to 0.1: tolerance 0.05)', () => {
    // Sources: seed dissertation on SME innovation, table 11 (reference-data/kz-technological-innovation-2016-2020.json,
    // EKR_innovating / EKR_active) and table 17 (reference-data/east-kz-innovation-activity-2010-2020.json, INact).
    const out = deriveIndicators(
      tech.rows.map((r) => ({ territory: 'East Kazakhstan', year: r.year, active: r.EKR_active, innovating: r.EKR_innovating })),
      [{ name: 'Lact', formula: 'innovating / active * 100' }],
    );
    expect(out).toHaveLength(5);
    for (const row of out) {
      const published = table17.rows.find((r) => r.year === row.year)!.INact;
      expect(Math.abs((row.Lact as number) - published)).toBeLessThanOrEqual(0.05);
    }
  });

  it('Lact of the region in 2020 from table 15 (1831 enterprises, 236 with innovation) is 12.9 as in table 17', () => {
    const region = counts.rows.find((r) => r.kind === 'region')!;
    const [row] = deriveIndicators([{ territory: region.en, year: 2020, active: region.active, innovating: region.innovating }], [{ name: 'Lact', formula: 'innovating / active * 100' }]);
    expect(Math.abs((row!.Lact as number) - 12.9)).toBeLessThanOrEqual(0.05);
    // Districts sum to the region (the table's own total row).
    const districts = counts.rows.filter((r) => r.kind !== 'region').map((r) => ({ territory: r.en, year: 2020, active: r.active }));
    expect(deriveIndicators(districts, [{ name: 'all', formula: 'total(active)' }])[0]!.all).toBe(region.active);
  });
});
