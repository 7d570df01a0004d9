import { alphaUndefinedReason, type AlphaUndefinedReason } from '../../math/alphaUndefinedReason';
import { holmAdjust } from '../../math/holmAdjust';
import { KRUSKAL_WALLIS_MIN_GROUP, kruskalWallisSmallGroups } from '../../math/kruskalWallisSmallGroups';
import type { RoundRanking } from './analysis.service';

/**
 * What a ranking page and its API owe the reader beside the raw statistics: Holm-adjusted
 * p-values for each family of tests the page shows at once (Kruskal-Wallis over the items,
 * Mann-Whitney over the items), the items whose Kruskal-Wallis groups are too small for the
 * chi-square approximation, and why a category's alpha is undefined. Computed from the
 * ranking alone, so every view and export states the same thing.
 */
export interface HonestStatistics {
  kruskalWallisHolm: Map<string, number | null>;
  kruskalWallisSmallGroups: Map<string, number>;
  kruskalWallisTests: number;
  mannWhitneyHolm: Map<string, number | null>;
  mannWhitneyTests: number;
  alphaUndefined: Map<string, AlphaUndefinedReason>;
  minGroup: number;
}

function holmByCode(rows: Array<{ code: string; p: number | null }>): { adjusted: Map<string, number | null>; tests: number } {
  const adjusted = holmAdjust(rows.map((r) => r.p));
  return { adjusted: new Map(rows.map((r, i) => [r.code, adjusted[i] ?? null])), tests: adjusted.filter((p) => p !== null).length };
}

export function honestStatistics(r: RoundRanking): HonestStatistics {
  const kw = holmByCode(r.items.map((i) => ({ code: i.code, p: i.kruskalWallis?.p ?? null })));
  const mw = holmByCode((r.comparison?.items ?? []).map((c) => ({ code: c.code, p: c.mannWhitney?.p ?? null })));
  const small = new Map<string, number>();
  for (const i of r.items) {
    if (!i.kruskalWallis) continue;
    const check = kruskalWallisSmallGroups(i.kruskalWallis.groupSizes);
    if (check.small && check.smallest !== null) small.set(i.code, check.smallest);
  }
  const alphaUndefined = new Map<string, AlphaUndefinedReason>();
  for (const c of r.categories) {
    if (c.alpha !== null) continue;
    const k = c.itemCodes.length;
    const totalVariance = c.scaleSd === null ? null : (c.scaleSd * k) ** 2;
    const reason = alphaUndefinedReason({ items: k, respondents: c.completeResponses, totalVariance });
    if (reason) alphaUndefined.set(c.code, reason);
  }
  return {
    kruskalWallisHolm: kw.adjusted,
    kruskalWallisSmallGroups: small,
    kruskalWallisTests: kw.tests,
    mannWhitneyHolm: mw.adjusted,
    mannWhitneyTests: mw.tests,
    alphaUndefined,
    minGroup: KRUSKAL_WALLIS_MIN_GROUP,
  };
}
