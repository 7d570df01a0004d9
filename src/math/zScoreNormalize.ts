import type { Direction } from './minMaxNormalize';

/**
 * z-score partial index of one indicator over the compared territories.
 *
 * Definition (OECD/JRC Handbook on Constructing Composite Indicators, 2008, section 5,
 * "standardisation"): z_i = (x_i - mean) / sd with the sample standard deviation
 * sd = sqrt(sum (x_i - mean)^2 / (n - 1)); a destimulant is reversed, z_i = -(x_i - mean) / sd,
 * so a higher partial index is always better. The values have mean 0 and sd 1 and are
 * negative for below-average territories, so they suit an arithmetic mean, not a geometric one.
 *
 * An indicator with one territory or no spread (sd = 0) does not tell territories apart:
 * every z is 0 and `constant` is set.
 *
 * Example: stimulant [2, 4, 6] -> mean 4, sd 2 -> [-1, 0, 1]; destimulant -> [1, 0, -1].
 */
export interface ZScoreResult {
  values: number[];
  mean: number;
  sd: number;
  constant: boolean;
}

export function zScoreNormalize(raw: readonly number[], direction: Direction): ZScoreResult {
  if (raw.length === 0) throw new RangeError('zScoreNormalize: no values');
  for (const v of raw) if (!Number.isFinite(v)) throw new RangeError('zScoreNormalize: values must be finite numbers');
  const n = raw.length;
  const mean = raw.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(raw.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  if (!(sd > 0)) return { values: raw.map(() => 0), mean, sd: 0, constant: true };
  const sign = direction === 'stimulant' ? 1 : -1;
  return { values: raw.map((v) => (sign * (v - mean)) / sd), mean, sd, constant: false };
}
