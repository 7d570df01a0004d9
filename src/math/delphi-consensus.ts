import { quantileOfSorted } from './quantile-type7';

/**
 * Delphi consensus on one item scored on the 1-5 scale by a panel.
 *
 * Definition: median and quartiles by R's type 7 (see quantile-type7.ts); the panel is in
 * consensus on the item when the interquartile range Q3 - Q1 <= threshold (1 scale point
 * by default). With one score the IQR is 0; callers that need at least two experts for a
 * judgement check `n` themselves.
 *
 * Reference: /work/shared/domain/README.md ("Delphi consensus on an item: interquartile
 * range <= 1 on the 1-5 scale"); H. von der Gracht, "Consensus measurement in Delphi
 * studies", Technological Forecasting & Social Change 79 (2012) 1525-1536 (IQR <= 1 on
 * 4- and 5-point scales as the most used criterion).
 *
 * Example: delphiConsensus([3, 3, 4, 5, 5]) -> median 4, q1 3, q3 5, iqr 2, consensus false;
 *   delphiConsensus([4, 4, 4, 5]) -> median 4, q1 4, q3 4.25, iqr 0.25, consensus true.
 */
export interface DelphiConsensus {
  n: number;
  median: number;
  q1: number;
  q3: number;
  iqr: number;
  consensus: boolean;
}

export function delphiConsensus(scores: readonly number[], threshold = 1): DelphiConsensus | null {
  if (scores.length === 0) return null;
  const sorted = [...scores].sort((a, b) => a - b);
  const q1 = quantileOfSorted(sorted, 0.25);
  const q3 = quantileOfSorted(sorted, 0.75);
  const iqr = q3 - q1;
  // A tiny tolerance: 1.0000000000000002 from interpolation must still count as 1.
  return { n: sorted.length, median: quantileOfSorted(sorted, 0.5), q1, q3, iqr, consensus: iqr <= threshold + 1e-9 };
}
