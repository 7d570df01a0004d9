/**
 * Whether a Kruskal-Wallis test has groups too small for its chi-square approximation.
 *
 * Rule: the p-value from chi-square(k - 1) is unreliable when any group has fewer than 5
 * observations (Siegel & Castellan: with 3 groups of at most 5, use the exact tables;
 * Kruskal & Wallis 1952 section 6 on the approximation's accuracy). The test is still shown,
 * marked, rather than hidden.
 *
 * Reference: S. Siegel, N. J. Castellan, "Nonparametric statistics for the behavioral
 * sciences", 2nd ed. (1988), section 8.3; W. H. Kruskal, W. A. Wallis, JASA 47 (1952) 583-621.
 *
 * Example: group sizes [12, 4, 30] -> { small: true, smallest: 4 }; [5, 9] -> small false.
 * Empty groups do not take part in the test and are ignored.
 */
export const KRUSKAL_WALLIS_MIN_GROUP = 5;

export function kruskalWallisSmallGroups(groupSizes: readonly number[], minimum = KRUSKAL_WALLIS_MIN_GROUP): { small: boolean; smallest: number | null } {
  const present = groupSizes.filter((n) => n > 0);
  if (present.length === 0) return { small: false, smallest: null };
  const smallest = Math.min(...present);
  return { small: smallest < minimum, smallest };
}
