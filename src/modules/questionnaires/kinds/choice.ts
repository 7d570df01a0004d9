import { chiSquareIndependence, type ChiSquareIndependence } from '../../../math/chiSquareIndependence';
import { wilsonInterval } from '../../../math/wilson-interval';
import { splitCodes, type AnalysisInput, type ChoiceOption } from './common';

/**
 * What the two choice kinds share in the analysis: counts and shares with Wilson intervals,
 * and a cross-tabulation per breakdown with a chi-square test (single choice: options x
 * groups; multi-choice: per option, chosen or not x groups).
 */

export interface OptionShare {
  code: string;
  text: ChoiceOption['text'];
  count: number;
  /** Of the respondents who answered the question. */
  share: number | null;
  low: number | null;
  high: number | null;
}

export interface CrossTab {
  /** The breakdown (territory, sector, size, ...). */
  by: string;
  /** Group keys ('' = not stated) in order of size. */
  groups: string[];
  /** counts[option][group] = respondents in the group who chose the option. */
  counts: number[][];
  /** Respondents in each group who answered the question. */
  totals: number[];
  tests: Array<{ option: string | null; test: ChiSquareIndependence | null }>;
}

export interface ChoiceSummary {
  n: number;
  options: OptionShare[];
  crossTabs: CrossTab[];
}

export function shareOf(count: number, n: number): Pick<OptionShare, 'share' | 'low' | 'high'> {
  const ci = wilsonInterval(count, n);
  return { share: n > 0 ? count / n : null, low: ci?.low ?? null, high: ci?.high ?? null };
}

export function choiceSummary(multiple: boolean, options: ChoiceOption[], { groups, breakdowns }: AnalysisInput): ChoiceSummary {
  const chosen = groups.map((g) => splitCodes(g.choice));
  const n = groups.reduce((s, g) => s + g.count, 0);
  const counts = options.map((o) => groups.reduce((s, g, i) => s + (chosen[i]!.includes(o.code) ? g.count : 0), 0));
  const crossTabs = breakdowns.map((by) => {
    const key = (i: number) => groups[i]!.by[by] ?? '';
    const totalsBy = new Map<string, number>();
    groups.forEach((g, i) => totalsBy.set(key(i), (totalsBy.get(key(i)) ?? 0) + g.count));
    const keys = [...totalsBy.keys()].sort((a, b) => totalsBy.get(b)! - totalsBy.get(a)! || a.localeCompare(b));
    const table = options.map((o) => keys.map((k) => groups.reduce((s, g, i) => s + (key(i) === k && chosen[i]!.includes(o.code) ? g.count : 0), 0)));
    const totals = keys.map((k) => totalsBy.get(k)!);
    // "Not stated" is a group of its own in the table but not in the test.
    const stated = keys.map((k, j) => (k === '' ? -1 : j)).filter((j) => j >= 0);
    const tests = multiple
      ? options.map((o, i) => ({ option: o.code, test: chiSquareIndependence([stated.map((j) => table[i]![j]!), stated.map((j) => totals[j]! - table[i]![j]!)]) }))
      : [{ option: null, test: chiSquareIndependence(table.map((row) => stated.map((j) => row[j]!))) }];
    return { by, groups: keys, counts: table, totals, tests };
  });
  return { n, options: options.map((o, i) => ({ code: o.code, text: o.text, count: counts[i]!, ...shareOf(counts[i]!, n) })), crossTabs };
}

/** An option index, earlier options likelier (options are usually listed most common first). */
export function sampleIndex(n: number, random: () => number): number {
  const total = (n * (n + 1)) / 2;
  let r = random() * total;
  for (let i = 0; i < n; i++) {
    r -= n - i;
    if (r < 0) return i;
  }
  return n - 1;
}
