/**
 * mulberry32: Tommy Ettinger's 32-bit seeded pseudo-random generator (public domain), period
 * 2^32, passes gjrand and PractRand up to a few GB. Seeded, so that synthetic data and
 * randomised algorithms (k-means starts) come out the same on every run. Not for secrets:
 * tokens come from crypto.randomBytes (src/lib/tokens.ts).
 */
export type Random = () => number;

/** A generator of floats in [0, 1) fully determined by `seed`. mulberry32(1)() === 0.6270739405881613. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
