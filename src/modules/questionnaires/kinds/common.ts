import { z } from 'zod';
import type { FieldError } from '../../../errors';
import type { KindEditor } from './editor';

/**
 * What every question kind shares: the exchange-format building blocks, the stored form of an
 * answer, and the contract (KindModule) each kind's own file fulfils. The kinds import this
 * file only; questionnaires.schemas.ts re-exports the text and code schemas.
 */

const ZText = z.string().trim().min(1).max(2000);
export const ZLocalizedText = z.strictObject({ kk: ZText, ru: ZText, en: ZText });
export type TLocalizedText = z.infer<typeof ZLocalizedText>;

export const ZCode = z.string().min(1).max(60).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);

/** What an answer to a question is used for in analysis and monitoring, beside its own summary. */
export const QUESTION_ROLES = ['territory', 'sector', 'size', 'employees', 'innovated', 'funding'] as const;
export const ZQuestionRole = z.enum(QUESTION_ROLES);
export type TQuestionRole = z.infer<typeof ZQuestionRole>;

/**
 * Show a question or a category only when an earlier answer (a profile question or a choice
 * question on an earlier page) includes one of `anyOf`. Evaluated on the server between pages.
 */
export const ZCondition = z.strictObject({ question: ZCode, anyOf: z.array(ZCode).min(1).max(100) });
export type TCondition = z.infer<typeof ZCondition>;

/** Whether a condition holds for the answers given so far (question code -> chosen option codes). */
export function conditionHolds(condition: TCondition | null | undefined, chosen: ReadonlyMap<string, readonly string[]>): boolean {
  if (!condition) return true;
  const answer = chosen.get(condition.question);
  return answer !== undefined && answer.some((code) => condition.anyOf.includes(code));
}

/** Fields of every question in the `questions` array of the exchange format (kind-specific ones follow). */
export const questionBase = {
  code: ZCode,
  category: z.string().min(1),
  text: ZLocalizedText,
  /** Absent means required. */
  required: z.boolean().optional(),
  role: ZQuestionRole.optional(),
  showIf: ZCondition.optional(),
};

export const ZOption = z.strictObject({ code: ZCode, text: ZLocalizedText });
export const ZExclusiveOption = z.strictObject({ code: ZCode, exclusive: z.boolean().optional(), text: ZLocalizedText });
export type TOption = z.infer<typeof ZExclusiveOption>;

/** "Other, please specify": the label of the extra option; its text is stored beside the codes. */
export const ZOther = z.strictObject({ code: ZCode, text: ZLocalizedText, maxLength: z.number().int().min(1).max(2000).optional() });
export type TOther = z.infer<typeof ZOther>;
export const OTHER_DEFAULT_LENGTH = 300;

/**
 * One stored answer, whatever the kind: the columns of the `answers` table. "Cannot judge" is
 * its own flag, never a value: a 0-10 scale's 0 is a rating.
 */
export interface AnswerColumns {
  value: number | null;
  cannotJudge: boolean;
  numberValue: number | null;
  /** Option codes, space-separated (codes have no spaces): one for single-choice, chosen ones for multi-choice, the order for ranking. */
  choice: string | null;
  text: string | null;
}

export const EMPTY_COLUMNS: AnswerColumns = { value: null, cannotJudge: false, numberValue: null, choice: null, text: null };

/** A raw value as a form or a JSON client posts it: a field, repeated fields, or fields keyed by option. */
export type RawValue = string | number | null | undefined | string[] | Record<string, string>;

export type ParseResult<V> = { blank: true } | { value: V } | { error: Omit<FieldError, 'path'> };

/** An issue found in a question's definition: path relative to the question, message key. */
export type DefinitionIssue = (path: Array<string | number>, key: string, params?: Record<string, unknown>) => void;

export type Language = 'kk' | 'ru' | 'en';

/** One column of the responses export with its label per language (the codebook's variable label). */
export interface ExportColumn {
  code: string;
  label: TLocalizedText;
  /** number: cells are numbers (or the missing codes); text: free text. */
  type: 'number' | 'text';
  /** Value labels of a coded column; empty for counts, free numbers and text. */
  values: Array<{ code: number; label: TLocalizedText }>;
}

export type ExportCell = string | number | null;

/**
 * Codes of the export that are not answers. A respondent who could not judge gets a code of
 * its own, never confused with a question left unanswered (empty cell).
 */
export const CANNOT_JUDGE_CODE = -99;

/** What every normalised question has, whatever its kind. */
export interface QuestionCore {
  code: string;
  text: TLocalizedText;
}

/** A kind's question as the form asks it, plus the form-level facts only some kinds have. */
export interface Normalised<Q> {
  question: Q;
  /** A comment box under the question (ratings). */
  allowComment?: boolean;
  /** A published mean to compare the round with (ratings). */
  referenceMean?: number | null;
  /** The options come from the territory directory, resolved when a form is loaded. */
  optionsFrom?: 'territories';
}

/** An option a choice question offers (territories resolved to options by code). */
export interface ChoiceOption {
  code: string;
  text: TLocalizedText;
}

/**
 * What a kind's analysis receives: the submitted answers to one question, grouped by stored
 * value and by breakdown group (analysis decides the breakdowns; '' = not stated), and for
 * kinds summarised from texts, the texts that match the page's filter.
 */
export interface AnalysisGroup {
  choice: string | null;
  numberValue: number | null;
  by: Record<string, string>;
  count: number;
}

export interface AnalysisInput {
  groups: AnalysisGroup[];
  breakdowns: readonly string[];
  texts: { total: number; texts: string[] };
}

/**
 * A kind's part in the analysis. `ranking`: its answers are ranked from the pre-aggregated cells
 * (ratings, analysis.service). Otherwise `summarise` turns the grouped answers ('answers') or the
 * texts ('texts') into the summary that the kind's analysis partial (views/analysis/kinds/) shows
 * and the API returns.
 */
export type KindAnalysis<Q, S> =
  | { source: 'ranking' }
  | { source: 'answers' | 'texts'; partial: string; summarise(q: Q, input: AnalysisInput): S & { n: number } };

/** What drawing a plausible answer needs (demo data, property tests): a uniform [0, 1) source and sample texts. */
export interface SampleContext {
  random: () => number;
  texts: readonly string[];
}

/**
 * Everything about one question kind, in the kind's own file. The registry (index.ts) lists
 * the definitions; every consumer (import, form, answering, storage, review, analysis, exports,
 * demo data, the builder) calls through it, so a new kind is its file, its entry in that list,
 * its view partials (respondent, builder editor, analysis unless it reuses one) and its
 * catalogue keys. The compiler names every member a new kind must supply.
 *
 * Q: the question as the form uses it (defaults applied, scale and territory options resolved).
 * V: a parsed answer. X: the question as the exchange format (`questions` array) writes it.
 * S: what the kind contributes to the analysis.
 */
export interface KindDef<Q extends QuestionCore & { kind: string }, V, X extends { kind: Q['kind'] }, S> {
  kind: Q['kind'];
  /** The exchange-format schema of a question of this kind (`questions` array). */
  schema: z.ZodType<X>;
  /** The exchange-format question -> the question the form asks; `scale` is the questionnaire's. */
  normalise(x: X, scale: TScale): Normalised<Q>;
  /** Checks of one question beyond its shape (ranges, duplicate option codes, scale-dependent fields). */
  check(x: X, issue: DefinitionIssue, scale: TScale): void;
  /** Fills the options of a question that takes them from the territory directory. */
  withOptions?(q: Q, options: ChoiceOption[]): Q;
  /**
   * A question whose answers later conditions (`showIf`) can test: the option codes it offers
   * (as written in the file) and the codes an answer chose. Absent: conditions cannot refer to it.
   */
  condition?: { options(x: X): string[]; chosen(value: V): string[] };
  /** The view partial (views/responses/kinds/) that renders the question on a respondent page. */
  partial: string;
  /** The message beside a required question left blank. */
  requiredKey: string;
  /** A posted value (and the posted "other" text) -> an answer, blank, or the reason it is refused. */
  parse(q: Q, raw: RawValue, other: string | undefined): ParseResult<V>;
  encode(q: Q, value: V): AnswerColumns;
  /** Undefined when the stored columns do not hold an answer of this question (e.g. an option since removed). */
  decode(q: Q, columns: AnswerColumns): V | undefined;
  /** What the respondent's form shows for a stored answer: the raw value(s) again. */
  formValue(q: Q, value: V): RawValue;
  /** A one-line reading of the answer for the review page and the response view. */
  display(q: Q, value: V, lang: Language): string;
  exportColumns(q: Q): ExportColumn[];
  /** Cells aligned with exportColumns; undefined = not answered (empty cells). */
  exportCells(q: Q, value: V | undefined): ExportCell[];
  analysis: KindAnalysis<Q, S>;
  /** A plausible valid answer: demo rounds and the property tests answer with it. */
  sample(q: Q, ctx: SampleContext): V;
  /** How the kind travels in an XLSForm (questionnaires.xlsform.ts); absent: it cannot be exported or imported. */
  xlsform?: KindXlsForm<X>;
  /** How the builder reads this kind's own fields (options, limits, scale) from its form. */
  editor: KindEditor;
}

/* ------------------------------------------------------------------------------------------
 * XLSForm (https://xlsform.org). questionnaires.xlsform.ts writes and reads the sheets, names,
 * languages, sections, conditions and "other, please specify" rows; each kind says which row
 * types are its own and how its settings travel.
 * ---------------------------------------------------------------------------------------- */

/** A choice of an XLSForm choice list. */
export interface XlsChoice {
  name: string;
  text: TLocalizedText;
}

/** Columns for Kedergi facts XLSForm has no column for (pyxform keeps unknown columns and ignores them). */
export const KEDERGI_COLUMNS = ['kedergi_role', 'kedergi_reference_mean', 'kedergi_comment', 'kedergi_pick', 'kedergi_pest'] as const;
export type KedergiColumn = (typeof KEDERGI_COLUMNS)[number];

/** What a kind writes on the survey sheet for one of its questions. */
export interface XlsWrite {
  /** The type without its list: select_one, select_multiple, rank, integer, decimal, text, select_one_from_file <file>. */
  type: string;
  /** The list the type names: the questionnaire's rating scale (`shared`), or the question's own choices. */
  list?: { shared: true } | { choices: XlsChoice[]; suffix?: string };
  /** Terms joined with `and`. */
  constraint?: string[];
  appearance?: string;
  choiceFilter?: string;
  hint?: TLocalizedText;
  kedergi?: Partial<Record<KedergiColumn, string | number | boolean>>;
  /** "Other, please specify": its choice ends the list and a text row relevant on it follows. */
  other?: TOther;
}

/** A survey row as a kind reads it (names, labels, required, relevant and role already read). */
export interface XlsRead {
  /** select_one, select_multiple, rank, integer, decimal, text, select_one_from_file. */
  type: string;
  /** The file of select_one_from_file. */
  file?: string;
  /** The list the row names, without the choice that became `other`. */
  list?: { name: string; choices: XlsChoice[]; shared: boolean };
  appearance: string[];
  constraint: string[];
  choiceFilter: string;
  hint?: TLocalizedText;
  other?: TOther;
  kedergi(column: KedergiColumn): string;
}

/** The fields every question has, read by questionnaires.xlsform.ts. */
export interface XlsBase {
  code: string;
  category: string;
  text: TLocalizedText;
  required?: false;
  role?: TQuestionRole;
  showIf?: TCondition;
}

/** An issue with one column of the row being read (`constraint`, `hint`, `kedergi_pick`...). */
export type XlsIssue = (column: string, key: string, params?: Record<string, unknown>) => void;

export interface KindXlsForm<X> {
  /** The row types the kind reads; the first kind in the registry whose `reads` holds reads the row. */
  reads(row: Pick<XlsRead, 'type' | 'appearance'>): boolean;
  /** Its list is a rating scale: the first such list becomes the questionnaire's scale. */
  scaleList?: boolean;
  read(row: XlsRead, base: XlsBase, issue: XlsIssue): X | undefined;
  /** `scale` is the questionnaire's (a rating without its own uses the shared list). */
  write(x: X, scale: TScale): XlsWrite;
}

/** A constraint term `. >= a` or `. <= b`: the bound, or undefined when the term is something else. */
export function xlsBound(term: string): { op: '>=' | '<='; value: number } | undefined {
  const m = /^\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)$/.exec(term);
  return m ? { op: m[1] as '>=' | '<=', value: Number(m[2]) } : undefined;
}

/** Columns a kind does not use must be empty on its rows. */
export function xlsOnly(row: XlsRead, issue: XlsIssue, allowed: readonly KedergiColumn[], type: string): void {
  for (const c of KEDERGI_COLUMNS) if (c !== 'kedergi_role' && c !== 'kedergi_pest' && !allowed.includes(c) && row.kedergi(c)) issue(c, 'exchange:xlsform.columnNotForType', { column: c, type });
}

/** Choices of an XLSForm list as options; a name that is not a Kedergi code is reported. */
export function xlsOptions(row: XlsRead, issue: XlsIssue): Array<{ code: string; text: TLocalizedText }> {
  const choices = row.list?.choices ?? [];
  for (const c of choices) if (!ZCode.safeParse(c.name).success) issue('choices', 'exchange:xlsform.choiceName', { name: c.name });
  return choices.map((c) => ({ code: c.name, text: c.text }));
}

/** The rating scale (the questionnaire's or a question's own); defined with the rating kind's schema. */
export interface TScale {
  min: number;
  max: number;
  labels: Record<string, TLocalizedText>;
  notApplicable?: TLocalizedText;
}

export function localized(text: TLocalizedText, lang: Language): string {
  return text[lang] || text.kk;
}

export function isBlankRaw(raw: RawValue): boolean {
  if (raw === undefined || raw === null) return true;
  if (typeof raw === 'string') return raw.trim() === '';
  if (typeof raw === 'number') return false;
  if (Array.isArray(raw)) return raw.every((v) => typeof v === 'string' && v.trim() === '');
  return Object.values(raw).every((v) => typeof v !== 'string' || v.trim() === '');
}

/** A posted list of option codes: repeated form fields, a single field, or a JSON array. */
export function rawList(raw: RawValue): string[] | null {
  // Nothing posted (no box ticked, no radio chosen) is a blank answer, not a malformed one.
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return raw.trim() === '' ? [] : [raw.trim()];
  if (Array.isArray(raw)) return raw.filter((v) => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
  return null;
}

export function duplicateIndexes(codes: string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  codes.forEach((code, i) => {
    if (seen.has(code)) out.push(i);
    seen.add(code);
  });
  return out;
}

export function checkOptions(options: Array<{ code: string }>, other: TOther | undefined, issue: DefinitionIssue): void {
  for (const i of duplicateIndexes(options.map((o) => o.code))) issue(['options', i, 'code'], 'questionnaires:errors.duplicateCode');
  if (other && options.some((o) => o.code === other.code)) issue(['other', 'code'], 'questionnaires:errors.duplicateCode');
}

/** "Other" text: trimmed, CRLF folded, within its limit. */
export function otherText(other: TOther, raw: string | undefined): ParseResult<string> {
  const text = (raw ?? '').trim().replace(/\r\n/g, '\n');
  if (!text) return { error: { key: 'respond:errors.otherRequired' } };
  const max = other.maxLength ?? OTHER_DEFAULT_LENGTH;
  if (text.length > max) return { error: { key: 'respond:errors.textTooLong', params: { max, count: max } } };
  return { value: text };
}

/** A plausible "other" text within its limit, as parsing would keep it (trimmed). */
export function otherSample(other: TOther, texts: readonly string[]): string {
  return (texts[0] ?? 'other').slice(0, other.maxLength ?? OTHER_DEFAULT_LENGTH).trim() || 'x';
}

export function splitCodes(choice: string | null): string[] {
  return choice ? choice.split(' ').filter(Boolean) : [];
}
