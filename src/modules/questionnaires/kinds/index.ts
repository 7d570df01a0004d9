import { z } from 'zod';
import type { FieldError } from '../../../errors';
import type { AnswerColumns, ExportCell, ExportColumn, KindModule, Language, RawValue, TCondition, TLocalizedText, TQuestionRole } from './common';
import type { KindEditor } from './editor';
import { multiChoice, multiChoiceEditor, ZMultiChoiceQuestion, type MultiChoiceQuestion, type MultiChoiceValue } from './multi-choice';
import { number, numberEditor, ZNumberQuestion, type NumberQuestion, type NumberValue } from './number';
import { ranking, rankingEditor, ZRankingQuestion, type RankingQuestion, type RankingValue } from './ranking';
import { rating, ratingEditor, ZRatingQuestion, type RatingQuestion, type RatingValue } from './rating';
import { singleChoice, singleChoiceEditor, ZSingleChoiceQuestion, type SingleChoiceQuestion, type SingleChoiceValue } from './single-choice';
import { text, textEditor, ZTextQuestion, type TextQuestion, type TextValue } from './text';

/**
 * The question kinds. Each kind's file supplies its exchange-format schema, parsing of a posted
 * value, storage encoding, export columns and view partial; this file only lists them. Adding a
 * kind: its file, its view partial (views/responses/kinds/), its catalogue keys, an entry in
 * the three lists below; the compiler then names every consumer that switches on the kind.
 */

/** A question of the `questions` array of the exchange format. */
export const ZQuestion = z.discriminatedUnion('kind', [ZRatingQuestion, ZSingleChoiceQuestion, ZMultiChoiceQuestion, ZRankingQuestion, ZNumberQuestion, ZTextQuestion]);
export type TQuestion = z.infer<typeof ZQuestion>;

/** A question as the form uses it: defaults applied, the rating scale and territory options resolved. */
export type KindQuestion = RatingQuestion | SingleChoiceQuestion | MultiChoiceQuestion | RankingQuestion | NumberQuestion | TextQuestion;
export type QuestionKind = KindQuestion['kind'];

/** The answer of each kind, by kind. */
export interface KindValues {
  rating: RatingValue;
  'single-choice': SingleChoiceValue;
  'multi-choice': MultiChoiceValue;
  ranking: RankingValue;
  number: NumberValue;
  text: TextValue;
}

type Modules = { [K in QuestionKind]: KindModule<Extract<KindQuestion, { kind: K }>, KindValues[K]> };

export const KINDS: Modules = {
  rating,
  'single-choice': singleChoice,
  'multi-choice': multiChoice,
  ranking,
  number,
  text,
};

export const QUESTION_KINDS = Object.keys(KINDS) as QuestionKind[];

/** The builder's form reader of each kind (views/questionnaires/builder/kinds/ has its fields). */
export const KIND_EDITORS: { [K in QuestionKind]: KindEditor } = {
  rating: ratingEditor,
  'single-choice': singleChoiceEditor,
  'multi-choice': multiChoiceEditor,
  ranking: rankingEditor,
  number: numberEditor,
  text: textEditor,
};

/** For a `switch (q.kind)` that must handle every kind: the compiler rejects the call when one is missing. */
export function assertNever(value: never): never {
  throw new Error(`unhandled question kind: ${JSON.stringify(value)}`);
}

// The kind modules are typed by their own question; dispatching on a question of the union
// needs one cast, here, instead of one per consumer.
function moduleOf(q: KindQuestion): KindModule<KindQuestion, unknown> {
  return KINDS[q.kind] as unknown as KindModule<KindQuestion, unknown>;
}

/** An answer of some kind; `kind` says which. */
export type AnswerValue = { [K in QuestionKind]: { kind: K; value: KindValues[K] } }[QuestionKind];

export function parseAnswer(q: KindQuestion, raw: RawValue, other?: string): { blank: true } | { value: unknown } | { error: Omit<FieldError, 'path'> } {
  return moduleOf(q).parse(q, raw, other);
}

export function encodeAnswer(q: KindQuestion, value: unknown): AnswerColumns {
  return moduleOf(q).encode(q, value);
}

export function decodeAnswer(q: KindQuestion, columns: AnswerColumns): unknown {
  return moduleOf(q).decode(q, columns);
}

export function answerFormValue(q: KindQuestion, value: unknown): RawValue {
  return moduleOf(q).formValue(q, value);
}

export function displayAnswer(q: KindQuestion, value: unknown, lang: Language): string {
  return moduleOf(q).display(q, value, lang);
}

export function exportColumns(q: KindQuestion): ExportColumn[] {
  return moduleOf(q).exportColumns(q);
}

export function exportCells(q: KindQuestion, value: unknown): ExportCell[] {
  return moduleOf(q).exportCells(q, value);
}

export function partialOf(q: KindQuestion): string {
  return `kinds/${moduleOf(q).partial}`;
}

export function checkQuestion(q: KindQuestion, issue: (path: Array<string | number>, key: string, params?: Record<string, unknown>) => void): void {
  moduleOf(q).check(q, issue);
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

export type { AnswerColumns, ExportCell, ExportColumn, RawValue, TCondition, TQuestionRole } from './common';
export { conditionHolds, ZCondition, CANNOT_JUDGE_CODE, EMPTY_COLUMNS, QUESTION_ROLES, ZCode, ZLocalizedText, ZQuestionRole, type TLocalizedText } from './common';
export { FormReader, flattenForm, type FlatForm, type KindEditor } from './editor';
export { ZScale, readScale, scalePoints, type TScale, type RatingQuestion, type RatingValue } from './rating';
export type { SingleChoiceQuestion, SingleChoiceValue } from './single-choice';
export type { MultiChoiceQuestion, MultiChoiceValue } from './multi-choice';
export { rankingDepth, type RankingQuestion, type RankingValue } from './ranking';
export type { NumberQuestion, NumberValue } from './number';
export type { TextQuestion, TextValue } from './text';
