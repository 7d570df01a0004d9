/**
 * When a Delphi panel may stop running rounds.
 *
 * Definition (our rule, stated on the agreement page): stop after round k when
 *   consensusShare_k >= 0.8   (at least 80 % of the factors have IQR <= 1)
 *   AND ( W_k >= 0.7          (strong concordance of the experts' rankings)
 *         OR k >= 2 AND |W_k - W_{k-1}| < 0.05 )  (agreement has stabilised: another
 *                                                   round would not change much).
 * Consensus on most items is required in every case: a stable but low agreement alone
 * is not a result worth stopping for unless the items themselves converged. A round whose
 * W or consensus share is undefined (fewer than two complete experts) never meets the rule.
 *
 * Reference: R. C. Schmidt, "Managing Delphi surveys using nonparametric statistical
 * techniques", Decision Sciences 28 (1997) 763-774 (W >= 0.7 as strong agreement, stopping
 * when W stabilises between rounds); H. von der Gracht (2012) for IQR-based consensus.
 *
 * Example: delphiStopRule({ w: 0.62, previousW: 0.6, consensusShare: 0.85 }) -> met,
 *   reason 'stable'; delphiStopRule({ w: 0.75, previousW: null, consensusShare: 0.5 }) -> not met.
 */
export const STOP_RULE = { minConsensusShare: 0.8, strongW: 0.7, stableDeltaW: 0.05 } as const;

export interface StopRuleInput {
  w: number | null;
  previousW: number | null;
  consensusShare: number | null;
}

export interface StopRuleResult {
  met: boolean;
  reason: 'strong' | 'stable' | null;
}

export function delphiStopRule(input: StopRuleInput, rule = STOP_RULE): StopRuleResult {
  const { w, previousW, consensusShare } = input;
  if (w === null || consensusShare === null || consensusShare < rule.minConsensusShare) return { met: false, reason: null };
  if (w >= rule.strongW) return { met: true, reason: 'strong' };
  if (previousW !== null && Math.abs(w - previousW) < rule.stableDeltaW) return { met: true, reason: 'stable' };
  return { met: false, reason: null };
}
