/**
 * A small seeded pseudo-random generator for synthetic data (demo rounds, property tests).
 * Math.random cannot be seeded, and demo data must come out the same on every first start
 * so that screenshots, documentation and tests can refer to its numbers.
 *
 * The generator itself, mulberry32, is in src/math/mulberry32.ts (k-means uses it too); it
 * passes gjrand and PractRand up to a few GB, far more than a few thousand answers need.
 * Not for secrets: tokens come from crypto.randomBytes (src/lib/tokens.ts).
 */
import { mulberry32, type Random } from '../math/mulberry32';

export { mulberry32, type Random };

/** Integer in [min, max], both ends included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element, uniformly. */
export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(random() * items.length)]!;
}

/** One key drawn with probability proportional to its weight. */
export function pickWeighted<T extends string>(random: Random, weights: Readonly<Record<T, number>>): T {
  const entries = Object.entries(weights) as Array<[T, number]>;
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [key, w] of entries) {
    x -= w;
    if (x < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

/** Standard normal deviate by Box-Muller (one of the pair is discarded: simplicity over speed). */
export function normal(random: Random, mean = 0, sd = 1): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const v = random();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Number of successes in n Bernoulli(p) trials. */
export function binomial(random: Random, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
