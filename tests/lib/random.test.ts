import { describe, expect, it } from 'vitest';
import { binomial, mulberry32, normal, pick, pickWeighted, randomInt, shuffled } from '../../src/lib/random';

describe('mulberry32', () => {
  it('reproduces the reference sequence', () => {
    // Confirmed with an independent Python transcription of Tommy Ettinger's C code (uint32 arithmetic):
    // seed 1 -> 0.6270739405881613, 0.002735721180215478, 0.5274470399599522; seed 20261122 -> 0.8369944463483989.
    const r = mulberry32(1);
    expect(r()).toBe(0.6270739405881613);
    expect(r()).toBe(0.002735721180215478);
    expect(r()).toBe(0.5274470399599522);
    expect(mulberry32(20261122)()).toBe(0.8369944463483989);
  });

  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 10_000 }, () => b()));
    expect(xs.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => c()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Uniform mean 1/2, sd of the mean sqrt(1/12/10000) = 0.0029: 5 sd tolerance.
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.015);
  });
});

describe('distributions', () => {
  it('binomial(4, p) has mean 4p (the identity the demo ratings rely on)', () => {
    const r = mulberry32(3);
    const n = 20_000;
    const p = 0.875; // 1 + 4p = 4.5, the published mean of B01
    const mean = Array.from({ length: n }, () => binomial(r, 4, p)).reduce((s, x) => s + x, 0) / n;
    // sd of one draw sqrt(4 p (1-p)) = 0.66; of the mean 0.0047; tolerance 5 sd.
    expect(Math.abs(mean - 4 * p)).toBeLessThan(0.025);
  });

  it('pickWeighted follows the weights', () => {
    const r = mulberry32(5);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30_000; i++) counts[pickWeighted(r, { a: 1, b: 2, c: 7 })]++;
    // Expected shares 0.1, 0.2, 0.7; sd of a share at most 0.003: tolerance 0.015.
    expect(Math.abs(counts.a / 30_000 - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(counts.c / 30_000 - 0.7)).toBeLessThan(0.015);
  });

  it('normal has the requested mean and sd', () => {
    const r = mulberry32(9);
    const xs = Array.from({ length: 20_000 }, () => normal(r, 2, 0.5));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    expect(Math.abs(mean - 2)).toBeLessThan(0.02);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.02);
  });

  it('randomInt covers both ends, pick and shuffled keep the elements', () => {
    const r = mulberry32(11);
    const seen = new Set(Array.from({ length: 500 }, () => randomInt(r, 1, 5)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(['x', 'y']).toContain(pick(r, ['x', 'y']));
    expect(() => pick(r, [])).toThrow();
    const list = [1, 2, 3, 4, 5, 6, 7, 8];
    const mixed = shuffled(r, list);
    expect([...mixed].sort((a, b) => a - b)).toEqual(list);
    expect(list).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
