import { pearsonCorrelation } from './pearsonCorrelation';
import { tiedRanks } from './tied-ranks';

/**
 * Spearman's rank correlation: Pearson's r of the mid-ranks of x and of y, so ties are
 * handled as R's cor(x, y, method = "spearman") handles them. NaN when either series is
 * constant; a RangeError below two pairs.
 *
 * Example (R 4, run here): x = 4.5, 3.2, 3.8, 3.5, 3.7 and y = 4.1, 3.0, 3.9, 3.6, 3.6 give
 * rho = 0.9746794.
 */
export function spearmanCorrelation(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) throw new RangeError('spearmanCorrelation: two series of equal length >= 2 are needed');
  return pearsonCorrelation(tiedRanks(x).ranks, tiedRanks(y).ranks);
}
