/**
 * Five (or k) levels by equal intervals of an index.
 *
 * Definition (domain brief, "Classification into five levels"; equal-interval classing as in
 * Jenks & Caspall 1971, "Error on choroplethic maps"): the range [lo, hi] is cut into k intervals of
 * width h = (hi - lo) / k; a value v falls into level floor((v - lo) / h) + 1, the top
 * boundary belonging to level k. Level 1 is the lowest, level k the highest.
 *
 * The range is, by default, the observed one (lo = min, hi = max of the compared values),
 * matching min-max partial indices: the lowest territory is level 1 and the highest level k.
 * `scale: 'unit'` uses the fixed range [0, 1] instead (0-0.2 lowest ... 0.8-1 very high),
 * which makes levels comparable between separate calculations.
 *
 * When all values are equal (h = 0) there is nothing to separate: every value gets the
 * middle level, ceil(k / 2) (3 of 5), and `degenerate` is set.
 *
 * Example: [0, 0.1, 0.5, 0.79, 1] with k = 5 -> [1, 1, 3, 4, 5] (width 0.2).
 */
export interface LevelsResult {
  levels: number[];
  /** Upper bound of each level (k numbers, ascending); for k-means the cluster centres' midpoints. */
  bounds: number[];
  degenerate: boolean;
}

export function equalIntervalLevels(values: readonly number[], k = 5, scale: 'observed' | 'unit' = 'observed'): LevelsResult {
  if (!Number.isInteger(k) || k < 1) throw new RangeError('equalIntervalLevels: k must be a positive integer');
  if (values.length === 0) return { levels: [], bounds: [], degenerate: true };
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError('equalIntervalLevels: values must be finite');
  const lo = scale === 'unit' ? 0 : Math.min(...values);
  const hi = scale === 'unit' ? 1 : Math.max(...values);
  if (hi === lo) {
    const middle = Math.ceil(k / 2);
    return { levels: values.map(() => middle), bounds: Array.from({ length: k }, () => hi), degenerate: true };
  }
  const width = (hi - lo) / k;
  const bounds = Array.from({ length: k }, (_, i) => (i === k - 1 ? hi : lo + width * (i + 1)));
  const levels = values.map((v) => {
    // Values outside a fixed unit range are clamped to the extreme levels.
    const level = Math.floor((v - lo) / width) + 1;
    return Math.min(k, Math.max(1, level));
  });
  return { levels, bounds, degenerate: false };
}
