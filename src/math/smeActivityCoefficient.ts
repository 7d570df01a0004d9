/**
 * SME activity coefficient Ka and its bands.
 *
 * Definition (domain brief; seed dissertation on SME innovation): Ka = (d_1 + ... + d_n) / n,
 * the mean of the shares of small and medium business in GRP, in the number of enterprises,
 * in tax receipts and in employment, each a share in (0, 1]. Bands: Ka < 0.4 weak,
 * 0.4 <= Ka <= 0.6 stable, Ka > 0.6 active.
 *
 * Shares given in per cent (any value above 1) are rejected rather than guessed at.
 *
 * Example: shares 0.3, 0.9, 0.25, 0.45 -> Ka = 1.9 / 4 = 0.475, "stable".
 */
export type SmeActivityBand = 'weak' | 'stable' | 'active';

export function smeActivityCoefficient(shares: readonly number[]): { ka: number; band: SmeActivityBand } {
  if (shares.length === 0) throw new RangeError('smeActivityCoefficient: no shares');
  for (const s of shares) {
    if (!Number.isFinite(s) || s < 0 || s > 1) throw new RangeError('smeActivityCoefficient: each share must be between 0 and 1');
  }
  const ka = shares.reduce((sum, s) => sum + s, 0) / shares.length;
  return { ka, band: smeActivityBand(ka) };
}

export function smeActivityBand(ka: number): SmeActivityBand {
  if (ka < 0.4) return 'weak';
  if (ka <= 0.6) return 'stable';
  return 'active';
}
