import { z } from 'zod';
import type { FieldError } from '../../../errors';
import type { AnalysisInput, AnswerColumns, ChoiceOption, DefinitionIssue, ExportCell, ExportColumn, KindDef, Language, Normalised, RawValue, SampleContext, TCondition, TLocalizedText, TQuestionRole, TScale } from './common';
import type { KindEditor } from './editor';
import { multiChoice } from './multi-choice';
import { number } from './number';
import { ranking } from './ranking';
import { rating } from './rating';
import { singleChoice } from './single-choice';
import { text } from './text';

/**
 * The registry of question kinds. Each kind's file exports one definition (KindDef) that
 * supplies everything about it: exchange-format schema, normalisation, definition checks,
 * parsing of a posted value, storage, review display, export columns and codebook entries,
 * analysis, demo answers, view partials. Everything else calls through the functions below and
 * never switches on the kind.
 *
 * Adding a kind: its file, its view partials (views/responses/kinds/, views/analysis/kinds/),
 * its catalogue keys, and its entry in this list. The types below are derived from the list,
 * so the union of questions, the exchange-format schema and every dispatch follow; KindDef
 * makes the compiler name each member the new kind must supply.
 */
const DEFINITIONS = [rating, singleChoice, multiChoice, ranking, number, text] as const;

type AnyDef = (typeof DEFINITIONS)[number];
export type QuestionKind = AnyDef['kind'];
type DefOf<K extends QuestionKind> = Extract<AnyDef, { kind: K }>;
type QuestionOf<D> = D extends KindDef<infer Q, infer _V, infer _X, infer _S> ? Q : never;
type ValueOf<D> = D extends KindDef<infer _Q, infer V, infer _X, infer _S> ? V : never;
type ExchangeOf<D> = D extends KindDef<infer _Q, infer _V, infer X, infer _S> ? X : never;
type SummaryOf<D> = D extends KindDef<infer _Q, infer _V, infer _X, infer S> ? S : never;

/** One definition per kind, by kind: the mapped type makes a missing or mislabelled entry a compile error. */
export const KINDS: { [K in QuestionKind]: DefOf<K> } = Object.fromEntries(DEFINITIONS.map((d) => [d.kind, d])) as { [K in QuestionKind]: DefOf<K> };
export const QUESTION_KINDS = DEFINITIONS.map((d) => d.kind) as QuestionKind[];

/** The builder's form reader of a kind (its fields: views/questionnaires/builder/kinds/). */
export function editorOf(kind: QuestionKind): KindEditor {
  return KINDS[kind].editor;
}

/** A question of the `questions` array of the exchange format. */
export type TQuestion = { [K in QuestionKind]: ExchangeOf<DefOf<K>> }[QuestionKind];
export const ZQuestion = z.discriminatedUnion(
  'kind',
  DEFINITIONS.map((d) => d.schema) as unknown as [z.ZodObject<{ kind: z.ZodLiteral<string> }>, ...Array<z.ZodObject<{ kind: z.ZodLiteral<string> }>>],
) as unknown as z.ZodType<TQuestion>;

/** A question as the form uses it: defaults applied, the rating scale and territory options resolved. */
export type KindQuestion = { [K in QuestionKind]: QuestionOf<DefOf<K>> }[QuestionKind];

/** The answer of each kind, by kind. */
export type KindValues = { [K in QuestionKind]: ValueOf<DefOf<K>> };

/** An answer of some kind; `kind` says which. */
export type AnswerValue = { [K in QuestionKind]: { kind: K; value: KindValues[K] } }[QuestionKind];

/** What each kind summarised in the analysis contributes (kinds ranked from the cells contribute nothing here). */
export type KindSummaries = { [K in QuestionKind]: SummaryOf<DefOf<K>> };

// The definitions are typed by their own question; dispatching on a question of the union needs
// one cast, here, instead of one per consumer.
type Erased = KindDef<KindQuestion, unknown, TQuestion, unknown>;
function defOf(kind: QuestionKind): Erased {
  const def = KINDS[kind] as unknown as Erased | undefined;
  if (!def) throw new Error(`unknown question kind: ${JSON.stringify(kind)}`);
  return def;
}

export function kindDef(q: { kind: QuestionKind }): Erased {
  return defOf(q.kind);
}

export function normaliseQuestion(q: TQuestion, scale: TScale): Normalised<KindQuestion> {
  return defOf(q.kind).normalise(q, scale);
}

export function checkQuestion(q: TQuestion, issue: DefinitionIssue, scale: TScale): void {
  defOf(q.kind).check(q, issue, scale);
}

/** The options of a question whose options are the territory directory; the question itself otherwise. */
export function withOptions(q: KindQuestion, options: ChoiceOption[]): KindQuestion {
  const def = defOf(q.kind);
  return def.withOptions ? def.withOptions(q, options) : q;
}

/** The option codes conditions may test on an exchange-format question; undefined when conditions cannot refer to it. */
export function conditionOptions(q: TQuestion): string[] | undefined {
  return defOf(q.kind).condition?.options(q);
}

/** The option codes a stored answer chose, for conditions; undefined when the kind offers none or nothing is stored. */
export function chosenCodes(q: KindQuestion, columns: AnswerColumns): string[] | undefined {
  const def = defOf(q.kind);
  if (!def.condition) return undefined;
  const value = def.decode(q, columns);
  return value === undefined ? undefined : def.condition.chosen(value);
}

export function parseAnswer(q: KindQuestion, raw: RawValue, other?: string): { blank: true } | { value: unknown } | { error: Omit<FieldError, 'path'> } {
  return defOf(q.kind).parse(q, raw, other);
}

export function requiredKey(q: KindQuestion): string {
  return defOf(q.kind).requiredKey;
}

export function encodeAnswer(q: KindQuestion, value: unknown): AnswerColumns {
  return defOf(q.kind).encode(q, value);
}

export function decodeAnswer(q: KindQuestion, columns: AnswerColumns): unknown {
  return defOf(q.kind).decode(q, columns);
}

export function answerFormValue(q: KindQuestion, value: unknown): RawValue {
  return defOf(q.kind).formValue(q, value);
}

export function displayAnswer(q: KindQuestion, value: unknown, lang: Language): string {
  return defOf(q.kind).display(q, value, lang);
}

export function exportColumns(q: KindQuestion): ExportColumn[] {
  return defOf(q.kind).exportColumns(q);
}

export function exportCells(q: KindQuestion, value: unknown): ExportCell[] {
  return defOf(q.kind).exportCells(q, value);
}

/** The respondent page's partial of the question (views/responses/). */
export function partialOf(q: KindQuestion): string {
  return `kinds/${defOf(q.kind).partial}`;
}

/** A plausible valid answer, stored as its kind stores it (demo data, tests). */
export function sampleAnswer(q: KindQuestion, ctx: SampleContext): AnswerColumns {
  const def = defOf(q.kind);
  return def.encode(q, def.sample(q, ctx));
}

/** Where the analysis takes a question's answers from: the rating cells, grouped answers or texts. */
export function analysisSource(q: KindQuestion): 'ranking' | 'answers' | 'texts' {
  return defOf(q.kind).analysis.source;
}

/** A question summarised from its answers, with the analysis partial (views/analysis/kinds/) that shows it. */
export type QuestionSummaryOf<Base> = {
  [K in QuestionKind]: [KindSummaries[K]] extends [never] ? never : Base & { kind: K; partial: string } & KindSummaries[K];
}[QuestionKind];

/** The summary of a question summarised from its answers or texts; undefined for kinds ranked from the cells. */
export function summariseAnswers<Base extends object>(q: KindQuestion, base: Base, input: AnalysisInput): QuestionSummaryOf<Base> | undefined {
  const analysis = defOf(q.kind).analysis;
  if (analysis.source === 'ranking') return undefined;
  return { ...base, kind: q.kind, partial: `kinds/${analysis.partial}`, ...(analysis.summarise(q, input) as object) } as QuestionSummaryOf<Base>;
}

/** Form-level facts about a question that are not the kind's business. */
export interface FormQuestionMeta {
  /** The questionnaire_items row. */
  id: number;
  categoryCode: string;
  position: number;
  required: boolean;
  role: TQuestionRole | null;
  allowComment: boolean;
  referenceMean: number | null;
  text: TLocalizedText;
  /** Asked only when this holds (its own condition and its category's). */
  showIf: TCondition[];
}

export type FormQuestion = KindQuestion & FormQuestionMeta;

export type { AnalysisGroup, AnalysisInput, AnswerColumns, ChoiceOption, ExportCell, ExportColumn, KindDef, Normalised, RawValue, SampleContext, TCondition, TQuestionRole, TScale } from './common';
export { conditionHolds, ZCondition, CANNOT_JUDGE_CODE, EMPTY_COLUMNS, QUESTION_ROLES, ZCode, ZLocalizedText, ZQuestionRole, type TLocalizedText } from './common';
export { FormReader, flattenForm, type FlatForm, type KindEditor } from './editor';
export { ZScale, readScale, scalePoints, type RatingQuestion, type RatingValue } from './rating';
export type { SingleChoiceQuestion, SingleChoiceValue } from './single-choice';
export type { MultiChoiceQuestion, MultiChoiceValue } from './multi-choice';
export { rankingDepth, type RankingQuestion, type RankingValue, type RankingSummary } from './ranking';
export type { NumberQuestion, NumberValue } from './number';
export type { TextQuestion, TextValue } from './text';
export type { ChoiceSummary, CrossTab, OptionShare } from './choice';
