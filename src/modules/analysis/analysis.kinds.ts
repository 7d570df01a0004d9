import { summariseAnswers, type FormQuestion, type QuestionSummaryOf, type TLocalizedText } from '../questionnaires/kinds';
import type { AnswerGroup } from './analysis.repository';

/**
 * The analysis of questions other than ratings. What each kind contributes (choices as counts
 * and shares with Wilson intervals and cross-tabulations with a chi-square test, rankings as
 * mean rank, share ranked first, Borda score and Kendall's W, numbers as a five-number summary
 * with mean and SD, open text as a filterable list) is its own file's business in
 * questionnaires/kinds; here the answers are grouped by the breakdowns analysis offers.
 * Ratings are ranked from the analysis cells (analysis.service.ts).
 */

export const BREAKDOWNS = ['territory', 'sector', 'size'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export type { ChoiceSummary, CrossTab, OptionShare } from '../questionnaires/kinds';

interface Base {
  id: number;
  code: string;
  categoryCode: string;
  text: TLocalizedText;
}

/** One question's summary; `partial` is its kind's analysis partial (views/analysis/kinds/). */
export type QuestionSummary = QuestionSummaryOf<Base>;

function groupKey(g: AnswerGroup, by: Breakdown, territoryCode: (id: number) => string): string {
  return by === 'territory' ? (g.territoryId ? territoryCode(g.territoryId) : '') : by === 'sector' ? g.sector : g.size;
}

/** The summary of one question summarised from its answers (or texts); undefined for ratings. */
export function summariseQuestion(q: FormQuestion, groups: AnswerGroup[], territoryCode: (id: number) => string, texts: { total: number; texts: string[] }): QuestionSummary | undefined {
  const base: Base = { id: q.id, code: q.code, categoryCode: q.categoryCode, text: q.text };
  return summariseAnswers(q, base, {
    groups: groups.map((g) => ({ choice: g.choice, numberValue: g.numberValue, count: g.count, by: Object.fromEntries(BREAKDOWNS.map((by) => [by, groupKey(g, by, territoryCode)])) })),
    // A profile question is not broken down by its own role (territory by territory says nothing).
    breakdowns: BREAKDOWNS.filter((by) => by !== q.role),
    texts,
  });
}
