import { rankDescending } from '../../math/rankDescending';
import type { AnalysisRound } from './analysis.service';
import type { RoundComparison } from './analysis.service';

/**
 * Change between two rounds per barrier: the difference of means (this round minus the
 * other) and the rank in each round among the barriers both rounds rated (competition
 * ranking, highest mean first), so a rise in rank is a positive rankChange. Barriers without
 * ratings in a round have no rank there.
 */
export interface ItemChange {
  meanChange: number | null;
  rankNow: number | null;
  rankThen: number | null;
  /** rankThen - rankNow: positive when the barrier moved up. */
  rankChange: number | null;
}

function ranksOf(means: Array<number | null>): Array<number | null> {
  const present = means.map((m, i) => ({ m, i })).filter((x): x is { m: number; i: number } => x.m !== null);
  const ranks = rankDescending(present.map((x) => x.m));
  const out: Array<number | null> = means.map(() => null);
  present.forEach((x, k) => (out[x.i] = ranks[k]!));
  return out;
}

export function comparisonChanges(cmp: RoundComparison): Map<string, ItemChange> {
  const now = ranksOf(cmp.items.map((c) => c.current.mean));
  const then = ranksOf(cmp.items.map((c) => c.other.mean));
  return new Map(
    cmp.items.map((c, i) => [
      c.code,
      {
        meanChange: c.current.mean !== null && c.other.mean !== null ? c.current.mean - c.other.mean : null,
        rankNow: now[i]!,
        rankThen: then[i]!,
        rankChange: now[i] !== null && then[i] !== null ? then[i]! - now[i]! : null,
      },
    ]),
  );
}

/** A round as the comparison selector names it: full title, dates or creation day, status and id, so equal titles differ. */
export function roundOptionLabel(r: AnalysisRound): string {
  const day = (iso: string | null) => (iso ? iso.slice(0, 10) : null);
  const span = r.opensAt || r.closesAt ? `${day(r.opensAt) ?? '…'} – ${day(r.closesAt) ?? '…'}` : day(r.createdAt);
  return `${r.title} (${span}; ${r.status}; #${r.id})`;
}
