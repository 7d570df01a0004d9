import { delphiConsensus, type DelphiConsensus } from './delphi-consensus';
import { quantileType6 } from './quantileType6';

/**
 * Delphi consensus (IQR <= threshold) under the quartile definition Kedergi uses (R's type 7,
 * delphi-consensus.ts) and under the other common one (type 6: SPSS, Minitab), so a panel's
 * verdict can be stated with its definition and with how it would change.
 *
 * Type 6 quartiles lie further out than type 7 ones on small panels, so its IQR is never
 * smaller: an item in consensus by type 6 is in consensus by type 7, not always the reverse.
 *
 * Reference: Hyndman & Fan (1996); von der Gracht (2012) for the IQR <= 1 criterion.
 *
 * Example (R quantile types 7 and 6): scores [2, 3, 3, 4, 4, 5]: type 7 quartiles 3 and 4,
 *   IQR 1, consensus; type 6 quartiles 2.75 and 4.25, IQR 1.5, no consensus; agree = false.
 */
export interface DelphiConsensusCompared {
  type7: DelphiConsensus;
  type6: { q1: number; q3: number; iqr: number; consensus: boolean };
  /** Both definitions give the same verdict. */
  agree: boolean;
}

export function delphiConsensusCompared(scores: readonly number[], threshold = 1): DelphiConsensusCompared | null {
  const type7 = delphiConsensus(scores, threshold);
  if (!type7) return null;
  const q1 = quantileType6(scores, 0.25)!;
  const q3 = quantileType6(scores, 0.75)!;
  const iqr = q3 - q1;
  const consensus = iqr <= threshold + 1e-9;
  return { type7, type6: { q1, q3, iqr, consensus }, agree: consensus === type7.consensus };
}
