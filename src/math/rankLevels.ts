import type { LevelsResult } from './equalIntervalLevels';

/**
 * Levels by rank ("rank first, then cluster"): the territories are ranked by their index and
 * the ranking is cut into k consecutive groups of as equal a size as the ties allow,
 * level k holding the best ranks.
 *
 * Definition: with n territories and competition ranks r_i (1 = best),
 *   level_i = k - floor((r_i - 1) * k / n)
 * so each level holds about n / k territories, tied territories share a rank and so a level,
 * and the result does not depend on how far apart the index values are (unlike equal
 * intervals, where one outlier can empty the middle levels). `bounds` are the highest index
 * value in each level, ascending (an empty level repeats the bound below it).
 *
 * Example: values [0.9, 0.8, 0.5, 0.4, 0.1, 0.0] (ranks 1..6), k = 3 -> levels [3, 3, 2, 2, 1, 1].
 */
export function rankLevels(values: readonly number[], ranks: readonly number[], k: number): LevelsResult {
  if (!Number.isInteger(k) || k < 1) throw new RangeError('rankLevels: k must be a positive integer');
  if (values.length !== ranks.length) throw new RangeError('rankLevels: one rank per value');
  const n = values.length;
  if (n === 0) return { levels: [], bounds: [], degenerate: true };
  const levels = ranks.map((r) => k - Math.floor(((r - 1) * k) / n));
  const bounds: number[] = [];
  let below = Math.min(...values);
  for (let level = 1; level <= k; level++) {
    const inLevel = values.filter((_, i) => levels[i] === level);
    below = inLevel.length ? Math.max(...inLevel) : below;
    bounds.push(below);
  }
  return { levels, bounds, degenerate: new Set(values).size === 1 };
}
