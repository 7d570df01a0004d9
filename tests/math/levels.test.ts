import { ckmeans } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { equalIntervalLevels } from '../../src/math/equalIntervalLevels';
import { kmeans1d, mulberry32 } from '../../src/math/kmeans1d';

describe('equalIntervalLevels', () => {
  it('cuts the observed range into five equal intervals (hand-computed: width 0.2)', () => {
    const r = equalIntervalLevels([0, 0.1, 0.5, 0.79, 1, 0.2]);
    expect(r.levels).toEqual([1, 1, 3, 4, 5, 2]);
    expect(r.bounds.map((b) => Math.round(b * 1e12) / 1e12)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('puts the minimum in level 1 and the maximum in level 5 on any range', () => {
    const r = equalIntervalLevels([12, 30, 18, 25]);
    expect(r.levels[0]).toBe(1);
    expect(r.levels[1]).toBe(5);
    // 18: (18 - 12) / 3.6 = 1.67 -> level 2; 25: 3.61 -> level 4
    expect(r.levels[2]).toBe(2);
    expect(r.levels[3]).toBe(4);
  });

  it('on the unit scale uses fixed bounds 0.2, 0.4, ...', () => {
    expect(equalIntervalLevels([0.35, 0.41, 0.5], 5, 'unit').levels).toEqual([2, 3, 3]);
  });

  it('gives the middle level to all when every value is equal', () => {
    const r = equalIntervalLevels([0.4, 0.4]);
    expect(r.levels).toEqual([3, 3]);
    expect(r.degenerate).toBe(true);
  });
});

describe('kmeans1d', () => {
  const separated = [0.1, 0.12, 0.4, 0.42, 0.6, 0.61, 0.8, 0.81, 0.95, 0.97];

  it('finds well separated groups, level 5 being the highest', () => {
    expect(kmeans1d(separated).levels).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('is deterministic: same values and seed give identical results, whatever the input order', () => {
    const values = Array.from({ length: 40 }, (_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5);
    const a = kmeans1d(values, 5, { seed: 42 });
    const b = kmeans1d(values, 5, { seed: 42 });
    expect(b).toEqual(a);
    const reversed = kmeans1d([...values].reverse(), 5, { seed: 42 });
    expect([...reversed.levels].reverse()).toEqual(a.levels);
  });

  it('keeps the order of levels: a higher value never gets a lower level', () => {
    const values = Array.from({ length: 30 }, (_, i) => ((i * 37) % 101) / 101);
    const r = kmeans1d(values, 5, { seed: 3 });
    for (let i = 0; i < values.length; i++)
      for (let j = 0; j < values.length; j++) if (values[i]! > values[j]!) expect(r.levels[i]).toBeGreaterThanOrEqual(r.levels[j]!);
    expect(r.levels[values.indexOf(Math.max(...values))]).toBe(5);
    expect(r.levels[values.indexOf(Math.min(...values))]).toBe(1);
  });

  it('reaches the exact optimum of Ckmeans.1d.dp (simple-statistics) on mixed data, within 1e-9 SSE', () => {
    const values = [0.05, 0.07, 0.11, 0.3, 0.31, 0.33, 0.36, 0.5, 0.52, 0.7, 0.71, 0.72, 0.9, 0.99, 1];
    const optimal = ckmeans(values, 5);
    const optimalSse = optimal.reduce((s, cluster) => {
      const m = cluster.reduce((a, b) => a + b, 0) / cluster.length;
      return s + cluster.reduce((a, v) => a + (v - m) ** 2, 0);
    }, 0);
    const r = kmeans1d(values, 5, { seed: 1 });
    expect(Math.abs(r.sse - optimalSse)).toBeLessThan(1e-9);
  });

  it('spreads fewer distinct values than levels over 1..5 and flags it', () => {
    const r = kmeans1d([0.2, 0.8, 0.2, 0.5]);
    expect(r.levels).toEqual([1, 5, 1, 3]);
    expect(r.degenerate).toBe(true);
    expect(kmeans1d([0.4, 0.4]).levels).toEqual([3, 3]);
  });

  it('mulberry32 is a deterministic generator in [0, 1)', () => {
    const a = mulberry32(99);
    const b = mulberry32(99);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
