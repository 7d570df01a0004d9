import { chiSquareIndependence, type ChiSquareIndependence } from '../../math/chiSquareIndependence';
import { kendallWFromPatterns } from '../../math/kendallWFromPatterns';
import type { KendallW } from '../../math/kendall-w';
import { numberSummaryFromCounts, type NumberSummary } from '../../math/numberSummaryFromCounts';
import { wilsonInterval } from '../../math/wilson-interval';
import { assertNever, rankingDepth, type FormQuestion, type TLocalizedText } from '../questionnaires/kinds';
import type { AnswerGroup } from './analysis.repository';

/**
 * What each question kind other than a rating contributes to the analysis, computed from its
 * answers grouped by stored value (AnswerGroup): choices as counts and shares with Wilson
 * intervals and cross-tabulations with a chi-square test, rankings as mean rank, share ranked
 * first, Borda score and Kendall's W, numbers as a five-number summary with mean and SD.
 * Ratings are ranked from the analysis cells (analysis.service.ts); open text is listed.
 */

export const BREAKDOWNS = ['territory', 'sector', 'size'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface OptionShare {
  code: string;
  text: TLocalizedText;
  count: number;
  /** Of the respondents who answered the question. */
  share: number | null;
  low: number | null;
  high: number | null;
}

export interface CrossTab {
  by: Breakdown;
  /** Group keys ('' = not stated) in order of size. */
  groups: string[];
  /** counts[option][group] = respondents in the group who chose the option. */
  counts: number[][];
  /** Respondents in each group who answered the question. */
  totals: number[];
  /** Single choice: options x groups. Multi-choice: per option, chosen or not x groups. */
  tests: Array<{ option: string | null; test: ChiSquareIndependence | null }>;
}

interface Base {
  id: number;
  code: string;
  categoryCode: string;
  text: TLocalizedText;
  /** Respondents who answered. */
  n: number;
}

export type QuestionSummary =
  | (Base & { kind: 'single-choice' | 'multi-choice'; options: OptionShare[]; crossTabs: CrossTab[] })
  | (Base & { kind: 'ranking'; pick: number; options: Array<{ code: string; text: TLocalizedText; timesRanked: number; meanRank: number | null; shareFirst: number | null; borda: number; bordaPerRespondent: number | null }>; kendall: KendallW | null })
  | (Base & { kind: 'number'; unit: TLocalizedText | null; summary: NumberSummary })
  | (Base & { kind: 'text'; total: number; texts: string[] });

function shareOf(count: number, n: number): Pick<OptionShare, 'share' | 'low' | 'high'> {
  const ci = wilsonInterval(count, n);
  return { share: n > 0 ? count / n : null, low: ci?.low ?? null, high: ci?.high ?? null };
}

function groupKey(g: AnswerGroup, by: Breakdown, territoryCode: (id: number) => string): string {
  return by === 'territory' ? (g.territoryId ? territoryCode(g.territoryId) : '') : by === 'sector' ? g.sector : g.size;
}

function choiceSummary(q: Extract<FormQuestion, { kind: 'single-choice' | 'multi-choice' }>, groups: AnswerGroup[], territoryCode: (id: number) => string) {
  const options = [...q.options, ...(q.other ? [q.other] : [])];
  const chosenOf = (g: AnswerGroup) => (g.choice ?? '').split(' ').filter(Boolean);
  const n = groups.reduce((s, g) => s + g.count, 0);
  const counts = options.map((o) => groups.reduce((s, g) => s + (chosenOf(g).includes(o.code) ? g.count : 0), 0));
  const crossTabs: CrossTab[] = BREAKDOWNS.map((by) => {
    const totalsBy = new Map<string, number>();
    for (const g of groups) totalsBy.set(groupKey(g, by, territoryCode), (totalsBy.get(groupKey(g, by, territoryCode)) ?? 0) + g.count);
    const keys = [...totalsBy.keys()].sort((a, b) => totalsBy.get(b)! - totalsBy.get(a)! || a.localeCompare(b));
    const table = options.map((o) => keys.map((k) => groups.filter((g) => groupKey(g, by, territoryCode) === k && chosenOf(g).includes(o.code)).reduce((s, g) => s + g.count, 0)));
    const totals = keys.map((k) => totalsBy.get(k)!);
    // "Not stated" is a group of its own in the table but not in the test.
    const stated = keys.map((k, j) => (k === '' ? -1 : j)).filter((j) => j >= 0);
    const tests =
      q.kind === 'single-choice'
        ? [{ option: null, test: chiSquareIndependence(table.map((row) => stated.map((j) => row[j]!))) }]
        : options.map((o, i) => ({ option: o.code, test: chiSquareIndependence([stated.map((j) => table[i]![j]!), stated.map((j) => totals[j]! - table[i]![j]!)]) }));
    return { by, groups: keys, counts: table, totals, tests };
  });
  return { options: options.map((o, i) => ({ code: o.code, text: o.text, count: counts[i]!, ...shareOf(counts[i]!, n) })), crossTabs, n };
}

function rankingSummary(q: Extract<FormQuestion, { kind: 'ranking' }>, groups: AnswerGroup[]) {
  const k = rankingDepth(q);
  const size = q.options.length;
  // An option left out of the top k shares the remaining places k+1..n: its mid-rank.
  const unranked = (k + 1 + size) / 2;
  const patterns = new Map<string, number>();
  for (const g of groups) if (g.choice) patterns.set(g.choice, (patterns.get(g.choice) ?? 0) + g.count);
  const n = [...patterns.values()].reduce((s, c) => s + c, 0);
  const scored = [...patterns].map(([choice, count]) => {
    const order = choice.split(' ');
    return { count, scores: q.options.map((o) => (order.includes(o.code) ? order.indexOf(o.code) + 1 : unranked)), order };
  });
  const options = q.options.map((o, i) => {
    const timesRanked = scored.reduce((s, p) => s + (p.order.includes(o.code) ? p.count : 0), 0);
    const first = scored.reduce((s, p) => s + (p.order[0] === o.code ? p.count : 0), 0);
    // Borda: k points for first place down to 1 for place k, nothing when not ranked.
    const borda = scored.reduce((s, p) => s + (p.order.includes(o.code) ? p.count * (k - p.order.indexOf(o.code)) : 0), 0);
    const meanRank = n > 0 ? scored.reduce((s, p) => s + p.count * p.scores[i]!, 0) / n : null;
    return { code: o.code, text: o.text, timesRanked, meanRank, shareFirst: n > 0 ? first / n : null, borda, bordaPerRespondent: n > 0 ? borda / n : null };
  });
  return { n, options, kendall: kendallWFromPatterns(scored) };
}

/** The summary of one question of a kind other than rating; text answers come from `texts`. */
export function summariseQuestion(
  q: Exclude<FormQuestion, { kind: 'rating' }>,
  groups: AnswerGroup[],
  territoryCode: (id: number) => string,
  texts: { total: number; texts: string[] },
): QuestionSummary {
  const base = { id: q.id, code: q.code, categoryCode: q.categoryCode, text: q.text };
  switch (q.kind) {
    case 'single-choice':
    case 'multi-choice':
      return { ...base, kind: q.kind, ...choiceSummary(q, groups, territoryCode) };
    case 'ranking':
      return { ...base, kind: 'ranking', pick: rankingDepth(q), ...rankingSummary(q, groups) };
    case 'number': {
      const summary = numberSummaryFromCounts(groups.filter((g) => g.numberValue !== null).map((g) => ({ value: g.numberValue!, count: g.count })));
      return { ...base, kind: 'number', n: summary.n, unit: q.unit ?? null, summary };
    }
    case 'text':
      return { ...base, kind: 'text', n: texts.total, total: texts.total, texts: texts.texts };
    default:
      return assertNever(q);
  }
}
