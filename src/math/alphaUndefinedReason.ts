/**
 * Why Cronbach's alpha of a scale is undefined, so a page can say so instead of a bare dash.
 *
 * alpha = k / (k - 1) * (1 - sum var(X_i) / var(T)) (cronbach-alpha.ts) needs at least two
 * items (k - 1 > 0), at least two respondents who rated every item (variances with divisor
 * n - 1), and a total score that varies (var(T) > 0). The first failing condition is named.
 *
 * Reference: Cronbach (1951); R psych::alpha and SPSS RELIABILITY refuse the same cases.
 *
 * Example: { items: 3, respondents: 10, totalVariance: 0 } -> 'zeroVariance' (every complete
 *   respondent gave the same total); { items: 1, ... } -> 'oneItem'; a defined alpha -> null.
 */
export type AlphaUndefinedReason = 'oneItem' | 'tooFewRespondents' | 'zeroVariance';

export function alphaUndefinedReason(scale: { items: number; respondents: number; totalVariance: number | null }): AlphaUndefinedReason | null {
  if (scale.items < 2) return 'oneItem';
  if (scale.respondents < 2) return 'tooFewRespondents';
  if (!(scale.totalVariance !== null && scale.totalVariance > 1e-12)) return 'zeroVariance';
  return null;
}
