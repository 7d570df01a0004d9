import { wilsonInterval } from '../../math/wilson-interval';
import type { FormQuestion, MultiChoiceQuestion, TLocalizedText } from '../questionnaires/kinds';
import type { AnswerGroup } from './analysis.repository';

/**
 * The level of innovation activity (the share of enterprises that introduced an innovation, as
 * the national statistics define it) by innovation type and by enterprise size, from the answers
 * to the question with the role "innovated" (a multi-choice of types with an exclusive "none").
 * The base is the respondents who answered that question; each level has its Wilson interval.
 */

export interface InnovationLevel {
  /** Respondents in the group who answered the question. */
  respondents: number;
  innovating: number;
  level: number | null;
  low: number | null;
  high: number | null;
}

export interface InnovationLevels {
  questionCode: string;
  /** Size groups in the size question's order, then codes only the data has; '' = size not stated. */
  sizes: Array<{ code: string; text: TLocalizedText | null }>;
  /** Any innovation first (type null), then each type in the question's order. */
  rows: Array<{ type: string | null; text: TLocalizedText | null; overall: InnovationLevel; bySize: InnovationLevel[] }>;
}

function level(innovating: number, respondents: number): InnovationLevel {
  const ci = wilsonInterval(innovating, respondents);
  return { respondents, innovating, level: respondents > 0 ? innovating / respondents : null, low: ci?.low ?? null, high: ci?.high ?? null };
}

export function innovationLevels(question: MultiChoiceQuestion & { code: string }, groups: AnswerGroup[], sizeQuestion: FormQuestion | undefined): InnovationLevels {
  const types = question.options.filter((o) => !o.exclusive);
  const chosen = (g: AnswerGroup) => (g.choice ?? '').split(' ').filter(Boolean);
  const known = sizeQuestion && sizeQuestion.kind === 'single-choice' ? sizeQuestion.options : [];
  const present = [...new Set(groups.map((g) => g.size))];
  const sizes = [
    ...known.filter((o) => present.includes(o.code)).map((o) => ({ code: o.code, text: o.text as TLocalizedText | null })),
    ...present.filter((c) => c !== '' && !known.some((o) => o.code === c)).sort().map((code) => ({ code, text: null })),
    ...(present.includes('') ? [{ code: '', text: null }] : []),
  ];
  const count = (of: AnswerGroup[], hit: (codes: string[]) => boolean) => of.reduce((s, g) => s + (hit(chosen(g)) ? g.count : 0), 0);
  const row = (type: string | null, text: TLocalizedText | null) => {
    const hit = (codes: string[]) => (type === null ? codes.some((c) => types.some((t) => t.code === c)) : codes.includes(type));
    const of = (size: string | null) => groups.filter((g) => size === null || g.size === size);
    const total = (xs: AnswerGroup[]) => xs.reduce((s, g) => s + g.count, 0);
    return {
      type,
      text,
      overall: level(count(of(null), hit), total(of(null))),
      bySize: sizes.map((s) => level(count(of(s.code), hit), total(of(s.code)))),
    };
  };
  return { questionCode: question.code, sizes, rows: [row(null, null), ...types.map((t) => row(t.code, t.text))] };
}

export interface FundingShare {
  count: number;
  share: number | null;
  low: number | null;
  high: number | null;
}

/**
 * The distribution of funding sources: the answers to the question with the role "funding", among
 * every respondent who answered it and among those who introduced an innovation (their answer to
 * the "innovated" question, the response's cell key), each share with its Wilson interval.
 */
export interface FundingSources {
  questionCode: string;
  text: TLocalizedText;
  /** Respondents who answered the question; of them, innovating ones. */
  n: number;
  nInnovating: number;
  options: Array<{ code: string; text: TLocalizedText; all: FundingShare; innovating: FundingShare }>;
}

function share(count: number, n: number): FundingShare {
  const ci = wilsonInterval(count, n);
  return { count, share: n > 0 ? count / n : null, low: ci?.low ?? null, high: ci?.high ?? null };
}

export function fundingSources(question: FormQuestion, groups: AnswerGroup[]): FundingSources | null {
  if (question.kind !== 'single-choice' && question.kind !== 'multi-choice') return null;
  const options = [...question.options, ...(question.other ? [question.other] : [])];
  const chosen = (g: AnswerGroup) => (g.choice ?? '').split(' ').filter(Boolean);
  const answered = groups.filter((g) => chosen(g).length > 0);
  const innovating = answered.filter((g) => g.innovated === 1);
  const total = (xs: AnswerGroup[]) => xs.reduce((s, g) => s + g.count, 0);
  const n = total(answered);
  const nInnovating = total(innovating);
  return {
    questionCode: question.code,
    text: question.text,
    n,
    nInnovating,
    options: options.map((o) => ({
      code: o.code,
      text: o.text,
      all: share(total(answered.filter((g) => chosen(g).includes(o.code))), n),
      innovating: share(total(innovating.filter((g) => chosen(g).includes(o.code))), nInnovating),
    })),
  };
}
