import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kruskalWallisFromCounts } from '../../src/math/kruskal-wallis';

/**
 * Independent textbook implementation from raw vectors: sort all values, give tied values
 * their mean position, H = 12/(N(N+1)) sum R_g^2/n_g - 3(N+1), divided by 1 - sum(t^3-t)/(N^3-N).
 */
function kruskalWallisRaw(groups: number[][]): { h: number; df: number } {
  const all = groups.flatMap((g, gi) => g.map((value) => ({ value, gi }))).sort((a, b) => a.value - b.value);
  const n = all.length;
  const rankSums = groups.map(() => 0);
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.value === all[i]!.value) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) rankSums[all[k]!.gi]! += mid;
    const t = j - i + 1;
    ties += t ** 3 - t;
    i = j + 1;
  }
  const h = (12 / (n * (n + 1))) * groups.reduce((s, g, gi) => s + rankSums[gi]! ** 2 / g.length, 0) - 3 * (n + 1);
  return { h: h / (1 - ties / (n ** 3 - n)), df: groups.length - 1 };
}

/** counts over ordered levels from raw values, levels = the sorted distinct values. */
function toCounts(groups: number[][]): number[][] {
  const levels = [...new Set(groups.flat())].sort((a, b) => a - b);
  return groups.map((g) => levels.map((l) => g.filter((v) => v === l).length));
}

function likertCounts(groups: number[][]): number[][] {
  return groups.map((g) => [1, 2, 3, 4, 5].map((v) => g.filter((x) => x === v).length));
}

describe('kruskalWallisFromCounts', () => {
  it("reproduces R's documented example without ties", () => {
    // R 4.x ?kruskal.test (Hollander & Wolfe 1973, p. 116):
    // kruskal.test(list(x, y, z)) -> Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68.
    // Hand check: rank sums 36, 36, 33; H = 12/210 * (36^2/5 + 36^2/4 + 33^2/5) - 45 = 0.771429.
    // scipy 1.17.1 stats.kruskal gives H = 0.7714285714285722, p = 0.6799647735788936.
    const x = [2.9, 3.0, 2.5, 2.6, 3.2];
    const y = [3.8, 2.7, 4.0, 2.4];
    const z = [2.8, 3.4, 3.7, 2.2, 2.0];
    const r = kruskalWallisFromCounts(toCounts([x, y, z]))!;
    expect(r.h).toBeCloseTo(0.7714285714285722, 10);
    expect(r.df).toBe(2);
    expect(r.p).toBeCloseTo(0.6799647735788936, 10);
    expect(r.tieCorrection).toBe(1);
  });

  it('applies the tie correction to Likert ratings', () => {
    // Hand-computed: groups [1,2,2,3], [3,4,4,5], [2,3,5,5]; level totals 1,3,3,2,3 with mid-ranks
    // 1, 3, 6, 8.5, 11; rank sums 13, 34, 31; H = 12/156 * (13^2 + 34^2 + 31^2)/4 - 39 = 4.961538;
    // C = 1 - 78/1716 = 0.954545; H/C = 5.197802, p = exp(-5.197802/2) = 0.074355.
    // scipy 1.17.1 stats.kruskal: statistic 5.197802197802203, p 0.0743552423932627.
    const r = kruskalWallisFromCounts(likertCounts([[1, 2, 2, 3], [3, 4, 4, 5], [2, 3, 5, 5]]))!;
    expect(r.h).toBeCloseTo(5.197802197802203, 10);
    expect(r.p).toBeCloseTo(0.0743552423932627, 10);
    expect(r.tieCorrection).toBeCloseTo(1 - 78 / 1716, 12);
    expect(r.n).toBe(12);
    // scipy 1.17.1 stats.kruskal([1,1,2,5,5,4],[3,3,3,2,1],[5,4,4,4,4,4,4]): 5.7937169312169345, p 0.05519634919773543.
    const r2 = kruskalWallisFromCounts(likertCounts([[1, 1, 2, 5, 5, 4], [3, 3, 3, 2, 1], [5, 4, 4, 4, 4, 4, 4]]))!;
    expect(r2.h).toBeCloseTo(5.7937169312169345, 10);
    expect(r2.p).toBeCloseTo(0.05519634919773543, 10);
  });

  it('ignores empty groups and returns null when there is nothing to compare', () => {
    const withEmpty = kruskalWallisFromCounts([[1, 2, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 2, 1]])!;
    const without = kruskalWallisFromCounts([[1, 2, 1, 0, 0], [0, 0, 1, 2, 1]])!;
    expect(withEmpty.df).toBe(1);
    expect(withEmpty.h).toBeCloseTo(without.h, 12);
    expect(kruskalWallisFromCounts([])).toBeNull();
    expect(kruskalWallisFromCounts([[0, 3, 1, 0, 0]])).toBeNull();
    expect(kruskalWallisFromCounts([[0, 0, 2, 0, 0], [0, 0, 5, 0, 0]])).toBeNull(); // every rating equal
    // scipy 1.17.1 stats.kruskal([3,3],[3,4]) -> H = 1.0 (to 1e-15), p = 0.3173105078629113.
    const tiny = kruskalWallisFromCounts([[0, 0, 2, 0, 0], [0, 0, 1, 1, 0]])!;
    expect(tiny.h).toBeCloseTo(1, 12);
    expect(tiny.p).toBeCloseTo(0.3173105078629113, 10);
  });

  it('equals the raw-vector implementation on random Likert data', () => {
    const group = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(fc.array(group, { minLength: 2, maxLength: 6 }), (groups) => {
        const fromCounts = kruskalWallisFromCounts(likertCounts(groups));
        if (new Set(groups.flat()).size < 2) return fromCounts === null;
        const raw = kruskalWallisRaw(groups);
        return fromCounts !== null && Math.abs(fromCounts.h - raw.h) < 1e-9 * Math.max(1, raw.h) && fromCounts.df === raw.df;
      }),
      { numRuns: 200, seed: 20261122 },
    );
  });
});
