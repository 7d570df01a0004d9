import { chiSquareUpperTail } from './survey-distributions';
import { tiedRanks } from './tied-ranks';
import type { KendallW } from './kendall-w';

/**
 * Kendall's W with ties for many raters given as distinct rank patterns with their counts:
 * the same statistic as kendallW (src/math/kendall-w.ts) on the expanded rows, without
 * expanding them, so a million respondents who ranked the top k of n options cost as much as
 * the number of distinct orders they gave.
 *
 * patterns[p].scores: one score per object (lower = more important; equal scores are ties),
 * patterns[p].count: how many raters gave that pattern. With R_i = sum_p count_p r_pi,
 * T = sum_p count_p t_p: W = 12 S / (m^2 (n^3 - n) - m T), chi2 = m (n - 1) W.
 *
 * Example: [{scores: [1, 2, 3, 4], count: 2}, {scores: [2, 2, 3, 4], count: 1}] equals
 * kendallW([[1,2,3,4],[1,2,3,4],[2,2,3,4]]).
 */
export function kendallWFromPatterns(patterns: ReadonlyArray<{ scores: readonly number[]; count: number }>): KendallW | null {
  const used = patterns.filter((p) => p.count > 0);
  const m = used.reduce((s, p) => s + p.count, 0);
  if (m < 2 || used.length === 0) return null;
  const n = used[0]!.scores.length;
  if (n < 2 || used.some((p) => p.scores.length !== n || !Number.isInteger(p.count) || p.scores.some((v) => !Number.isFinite(v)))) return null;
  const rankSums = new Array<number>(n).fill(0);
  let tieTerm = 0;
  for (const p of used) {
    const { ranks, tieTerm: t } = tiedRanks(p.scores);
    tieTerm += p.count * t;
    for (let i = 0; i < n; i++) rankSums[i]! += p.count * ranks[i]!;
  }
  const meanRankSum = (m * (n + 1)) / 2;
  const s = rankSums.reduce((acc, r) => acc + (r - meanRankSum) ** 2, 0);
  const denominator = m * m * (n * n * n - n) - m * tieTerm;
  if (denominator <= 0) return null;
  // Floating error can push a perfect agreement a hair above 1.
  const w = Math.min(1, Math.max(0, (12 * s) / denominator));
  const df = n - 1;
  const chiSquare = m * df * w;
  return { w, chiSquare, df, p: chiSquareUpperTail(chiSquare, df), raters: m, objects: n, s, tieTerm };
}
