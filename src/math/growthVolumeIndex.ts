import { minMaxNormalize, type Direction } from './minMaxNormalize';

/**
 * Growth-and-volume index of innovation activity and its complex coefficient.
 *
 * Definition (domain brief; seed dissertation on depressed districts, tables 36-38 and the
 * note in reference-data/kz-innovation-intensity-2013-2018.json): for indicator k and territory r
 * over periods 1..n,
 *   average growth rate  T_r = (x_n / x_1)^(1 / (n - 1))   (geometric mean of the chain indices)
 *   average volume       O_r = (x_1 + ... + x_n) / n
 *   It = min-max index of T over the territories, Io = min-max index of O,
 *   I = 0.5 * It + 0.5 * Io,
 * and the complex coefficient of innovation activity of a territory is the arithmetic mean of
 * its indicators' I. Min-max follows minMaxNormalize (a destimulant reverses both parts; a
 * constant indicator gives 1).
 *
 * Example (published partial indices for X1, table 38): It = 0.632, Io = 0.515 ->
 * I = 0.5 * 0.632 + 0.5 * 0.515 = 0.5735.
 */
export function growthVolumeIndex(it: number, io: number): number {
  if (!Number.isFinite(it) || !Number.isFinite(io)) throw new RangeError('growthVolumeIndex: It and Io must be finite');
  return 0.5 * it + 0.5 * io;
}

/** Geometric mean of chain growth indices: (last / first)^(1/(n-1)); needs a positive first and last value. */
export function averageGrowthRate(series: readonly number[]): number {
  if (series.length < 2) throw new RangeError('averageGrowthRate: at least two periods are needed');
  const first = series[0]!;
  const last = series[series.length - 1]!;
  if (!(first > 0) || !(last >= 0)) throw new RangeError('averageGrowthRate: the first value must be positive and the last non-negative');
  return (last / first) ** (1 / (series.length - 1));
}

export function averageVolume(series: readonly number[]): number {
  if (series.length === 0) throw new RangeError('averageVolume: no values');
  return series.reduce((s, v) => s + v, 0) / series.length;
}

export interface GrowthVolumeIndicator {
  name: string;
  direction: Direction;
  /** One series per territory, in the order of `territories`, each ordered by period. */
  series: number[][];
}

export interface GrowthVolumeResult {
  territories: Array<{
    index: number;
    perIndicator: Record<string, { growthRate: number; volume: number; it: number; io: number; i: number }>;
    complexCoefficient: number;
  }>;
}

/** It, Io and I per indicator across the territories, then the complex coefficient per territory. */
export function growthVolumeAnalysis(territoryCount: number, indicators: readonly GrowthVolumeIndicator[]): GrowthVolumeResult {
  if (indicators.length === 0) throw new RangeError('growthVolumeAnalysis: no indicators');
  const per = indicators.map((ind) => {
    if (ind.series.length !== territoryCount) throw new RangeError(`growthVolumeAnalysis: ${ind.name} needs one series per territory`);
    const growth = ind.series.map(averageGrowthRate);
    const volume = ind.series.map(averageVolume);
    const it = minMaxNormalize(growth, ind.direction).values;
    const io = minMaxNormalize(volume, ind.direction).values;
    return { name: ind.name, growth, volume, it, io };
  });
  return {
    territories: Array.from({ length: territoryCount }, (_, r) => {
      const perIndicator: GrowthVolumeResult['territories'][number]['perIndicator'] = {};
      let sum = 0;
      for (const p of per) {
        const i = growthVolumeIndex(p.it[r]!, p.io[r]!);
        perIndicator[p.name] = { growthRate: p.growth[r]!, volume: p.volume[r]!, it: p.it[r]!, io: p.io[r]!, i };
        sum += i;
      }
      return { index: r, perIndicator, complexCoefficient: sum / per.length };
    }),
  };
}

/** Complex coefficient of innovation activity from already computed I values: their mean. */
export function complexCoefficient(indices: readonly number[]): number {
  if (indices.length === 0) throw new RangeError('complexCoefficient: no indices');
  return indices.reduce((s, v) => s + v, 0) / indices.length;
}
