import { z } from 'zod';
import { ValidationError, zodFieldErrors, type FieldError } from '../../errors';
import type { TCondition, TLocalizedText, TQuestion } from './kinds';
import { ZCategory, ZItem, ZQuestionnaireDefinition, type TProfileQuestion, type TQuestionnaireDefinition } from './questionnaires.schemas';

/**
 * The builder's rules, as pure functions over a draft definition. A draft has the shape of the
 * exchange format; a translation not written yet is an empty text. The draft is checked with the
 * questionnaires' own schema (ZQuestionnaireDefinition) after standing in for its missing texts:
 * an issue inside the part a change touched refuses that change, issues elsewhere (a section
 * still empty, a condition whose question was deleted) and missing translations only keep the
 * draft from being published, and are listed on the draft's page until then.
 */

export type TDraftDefinition = TQuestionnaireDefinition;
export type TCategory = z.infer<typeof ZCategory>;
type TItem = z.infer<typeof ZItem>;
export type Lang = 'kk' | 'ru' | 'en';
export const LANGS: readonly Lang[] = ['kk', 'ru', 'en'];
export type Path = Array<string | number>;

/** A question as the builder shows it: the original format's rating items appear as rating questions. */
export interface BuilderQuestion {
  source: 'items' | 'questions';
  index: number;
  question: TQuestion;
}

export function itemAsQuestion(item: TItem): TQuestion {
  const { code, category, text, referenceMean, required, allowComment, allowCannotJudge } = item;
  return {
    code,
    category,
    kind: 'rating',
    text,
    ...(required !== undefined ? { required } : {}),
    ...(referenceMean !== undefined ? { referenceMean } : {}),
    ...(allowComment !== undefined ? { allowComment } : {}),
    ...(allowCannotJudge !== undefined ? { allowCannotJudge } : {}),
  };
}

/** Back into an item, keys in the order of the original format (so an unchanged item exports the same). */
function questionAsItem(q: Extract<TQuestion, { kind: 'rating' }>): TItem {
  return {
    code: q.code,
    category: q.category,
    ...(q.referenceMean !== undefined ? { referenceMean: q.referenceMean } : {}),
    text: q.text,
    ...(q.required !== undefined ? { required: q.required } : {}),
    ...(q.allowComment !== undefined ? { allowComment: q.allowComment } : {}),
    ...(q.allowCannotJudge !== undefined ? { allowCannotJudge: q.allowCannotJudge } : {}),
  };
}

/** Every question in form order: section by section, a section's items before its other questions (as respondents see them). */
export function builderQuestions(def: TDraftDefinition): BuilderQuestion[] {
  const out: BuilderQuestion[] = [];
  for (const c of def.categories) {
    def.items.forEach((item, index) => item.category === c.code && out.push({ source: 'items', index, question: itemAsQuestion(item) }));
    (def.questions ?? []).forEach((q, index) => q.category === c.code && out.push({ source: 'questions', index, question: q }));
  }
  return out;
}

export function findQuestion(def: TDraftDefinition, code: string): BuilderQuestion | undefined {
  const i = def.items.findIndex((q) => q.code === code);
  if (i >= 0) return { source: 'items', index: i, question: itemAsQuestion(def.items[i]!) };
  const j = (def.questions ?? []).findIndex((q) => q.code === code);
  return j >= 0 ? { source: 'questions', index: j, question: def.questions![j]! } : undefined;
}

function isLocalizedText(value: unknown): value is TLocalizedText {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 3 && LANGS.every((l) => typeof (value as Record<string, unknown>)[l] === 'string');
}

export interface MissingText {
  path: Path;
  lang: Lang;
}

/** Every text of the value (a draft, a section, a question) lacking a language, with its path. */
export function missingTranslations(value: unknown, path: Path = []): MissingText[] {
  if (isLocalizedText(value)) return LANGS.filter((l) => !value[l].trim()).map((lang) => ({ path, lang }));
  if (Array.isArray(value)) return value.flatMap((v, i) => missingTranslations(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => missingTranslations(v, [...path, k]));
  return [];
}

/** The text any language gives, for a missing one while checking the rest (never stored). */
const STAND_IN = '…';

function withStandIns<T>(value: T): T {
  if (isLocalizedText(value)) {
    const out = { ...value };
    for (const l of LANGS) if (!out[l].trim()) out[l] = STAND_IN;
    return out;
  }
  if (Array.isArray(value)) return value.map(withStandIns) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStandIns(v)])) as T;
  return value;
}

export interface DraftIssue {
  path: Path;
  key: string;
  params?: Record<string, unknown>;
}

/** What the questionnaires' schema finds wrong with the draft, besides its missing translations. */
export function draftIssues(def: unknown): DraftIssue[] {
  const result = ZQuestionnaireDefinition.safeParse(withStandIns(def));
  if (result.success) return [];
  const messages = zodFieldErrors(result.error);
  return result.error.issues.map((issue, i) => ({ path: issue.path as Path, key: messages[i]!.key, ...(messages[i]!.params ? { params: messages[i]!.params } : {}) }));
}

/** Issues that only say the draft is not finished: they never refuse a change. */
const UNFINISHED = new Set(['questionnaires:errors.emptyCategory', 'questionnaires:errors.noQuestions']);

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.every((p, i) => String(path[i]) === String(p));
}

/** A change's form fields are named by paths relative to the part it edits. */
function relative(path: Path, strip: number): string {
  const rest = path.slice(strip).map(String);
  // A condition's options are one group of checkboxes.
  if (rest[0] === 'showIf' && rest[1] === 'anyOf') return 'showIf.option';
  return rest.join('.');
}

/**
 * Refuse a change whose own part has issues: the messages are returned with the paths of the
 * form that made the change, beside the problems the form reader found (malformed numbers).
 */
function refuseIssuesIn(def: TDraftDefinition, scopes: Path[], strip: number, readErrors: FieldError[]): void {
  const own = draftIssues(def).filter((i) => scopes.some((scope) => startsWith(i.path, scope)) && !UNFINISHED.has(i.key));
  const fields: FieldError[] = [...readErrors];
  for (const issue of own) {
    const path = relative(issue.path, strip);
    // A number that could not be read is reported once, as unreadable, not again as the wrong type.
    if (!fields.some((f) => f.path === path)) fields.push({ path, key: issue.key, ...(issue.params ? { params: issue.params } : {}) });
  }
  if (fields.length) throw new ValidationError(fields, 'builder:errors.notSaved');
}

export type MoveDirection = 'up' | 'down';

export type DraftChange =
  | { type: 'title'; title: TLocalizedText; source: string | undefined }
  | { type: 'scale'; scale: unknown; readErrors: FieldError[] }
  | { type: 'saveSection'; at: string | null; section: TCategory }
  | { type: 'moveSection'; code: string; direction: MoveDirection }
  | { type: 'deleteSection'; code: string }
  | { type: 'saveQuestion'; at: string | null; question: TQuestion; readErrors: FieldError[] }
  | { type: 'moveQuestion'; code: string; direction: MoveDirection }
  | { type: 'deleteQuestion'; code: string }
  | { type: 'saveProfile'; code: string; edit: ProfileEdit; readErrors: FieldError[] };

/**
 * What the builder changes in a profile question of the original format: its wording, its
 * options' wording, whether it must be answered, and a number's limits. Its code and type give it
 * its role (territory, sector, size, employees, innovated, funding), and its option codes are what
 * invitation lists, the analysis filters and breakdowns and the monitoring targets match on ("none"
 * is how "did not innovate" is known), so those stay as they are.
 */
export interface ProfileEdit {
  text: TLocalizedText;
  required: boolean;
  /** The options' texts, in the options' order (choice and multi-choice). */
  optionTexts?: TLocalizedText[];
  /** A number's limits as read (a string when it could not be read; undefined when left blank). */
  min?: number | string;
  max?: number | string;
}

/** The profile question with an edit applied; everything the edit does not cover is kept, in the same key order. */
export function editedProfileQuestion(p: TProfileQuestion, edit: ProfileEdit): TProfileQuestion {
  const out = { ...p, text: edit.text, required: edit.required } as TProfileQuestion;
  if ((out.type === 'choice' || out.type === 'multi-choice') && edit.optionTexts) {
    out.options = out.options.map((o, i) => ({ ...o, text: edit.optionTexts![i] ?? o.text })) as typeof out.options;
  }
  // A limit left blank or unreadable is kept as given, so the schema (or the reader) reports it at its field.
  if (out.type === 'integer') Object.assign(out, { min: edit.min, max: edit.max });
  return out;
}

function swap<T>(list: T[], i: number, j: number): void {
  const a = list[i]!;
  list[i] = list[j]!;
  list[j] = a;
}

function notFound(path: string): never {
  throw new ValidationError([{ path, key: 'builder:errors.gone' }], 'builder:errors.notSaved');
}

function duplicate(): never {
  throw new ValidationError([{ path: 'code', key: 'questionnaires:errors.duplicateCode' }], 'builder:errors.notSaved');
}

/** Conditions naming `from` name `to` instead (a question's code was changed). */
function renameInConditions(def: TDraftDefinition, from: string, to: string): void {
  const rename = (c: TCondition | undefined) => (c && c.question === from ? { ...c, question: to } : c);
  def.categories = def.categories.map((c) => (c.showIf?.question === from ? { ...c, showIf: rename(c.showIf) } : c));
  if (def.questions) def.questions = def.questions.map((q) => (q.showIf?.question === from ? { ...q, showIf: rename(q.showIf) } : q));
}

/** Sections and questions whose condition names the question `code`. */
export function dependentsOf(def: TDraftDefinition, code: string): string[] {
  return [...def.categories.filter((c) => c.showIf?.question === code).map((c) => c.code), ...(def.questions ?? []).filter((q) => q.showIf?.question === code).map((q) => q.code)];
}

/** Option codes left blank get the next free number, so an author can write the texts only. */
/**
 * The posted question form with one option row moved up or down past its nearest filled row (blank
 * spare rows are skipped); unchanged at either end or for a blank row. Conditions name options by
 * code, so moving an option never breaks one.
 */
export function moveOptionRow(body: Record<string, unknown>, index: number, direction: MoveDirection): Record<string, unknown> {
  const rowOf = (key: string) => /^options\.(\d+)\./.exec(key);
  const filled = [...new Set(Object.entries(body).flatMap(([k, v]) => {
    const m = rowOf(k);
    return m && typeof v === 'string' && v.trim() !== '' && !k.endsWith('.exclusive') ? [Number(m[1])] : [];
  }))].sort((a, b) => a - b);
  const at = filled.indexOf(index);
  const other = at < 0 ? undefined : filled[direction === 'up' ? at - 1 : at + 1];
  if (other === undefined) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const m = rowOf(k);
    const row = m ? Number(m[1]) : -1;
    const to = row === index ? other : row === other ? index : row;
    out[m && to !== row ? `options.${to}.${k.slice(m[0].length)}` : k] = v;
  }
  return out;
}

export function numberBlankOptionCodes<T extends { code: string }>(options: T[]): T[] {
  const used = new Set(options.map((o) => o.code).filter(Boolean));
  let next = 1;
  return options.map((o) => {
    if (o.code) return o;
    while (used.has(String(next))) next++;
    used.add(String(next));
    return { ...o, code: String(next) };
  });
}

/**
 * Apply one change to a copy of the draft. Returns the new draft and, for a saved section or
 * question, its code (the page to come back to). A change whose own part is invalid is refused
 * with a ValidationError whose paths are the form's field names.
 */
export function applyChange(current: TDraftDefinition, change: DraftChange): { def: TDraftDefinition; code?: string } {
  const def: TDraftDefinition = structuredClone(current);
  switch (change.type) {
    case 'title': {
      def.title = change.title;
      if (change.source) def.source = change.source;
      else delete def.source;
      refuseIssuesIn(def, [['title'], ['source']], 0, []);
      return { def };
    }
    case 'scale': {
      def.scale = change.scale as TDraftDefinition['scale'];
      refuseIssuesIn(def, [['scale']], 0, change.readErrors);
      return { def };
    }
    case 'saveSection': {
      const at = change.at === null ? def.categories.length : def.categories.findIndex((c) => c.code === change.at);
      if (at < 0) notFound('code');
      if (def.categories.some((c, i) => i !== at && c.code === change.section.code)) duplicate();
      const old = def.categories[at];
      def.categories[at] = change.section;
      if (old && old.code !== change.section.code) {
        // Its questions move with it, and conditions on it keep pointing at it.
        def.items = def.items.map((i) => (i.category === old.code ? { ...i, category: change.section.code } : i));
        if (def.questions) def.questions = def.questions.map((q) => (q.category === old.code ? { ...q, category: change.section.code } : q));
      }
      refuseIssuesIn(def, [['categories', at]], 2, []);
      return { def, code: change.section.code };
    }
    case 'moveSection': {
      const i = def.categories.findIndex((c) => c.code === change.code);
      if (i < 0) notFound('code');
      const j = change.direction === 'up' ? i - 1 : i + 1;
      if (j >= 0 && j < def.categories.length) swap(def.categories, i, j);
      return { def, code: change.code };
    }
    case 'deleteSection': {
      const i = def.categories.findIndex((c) => c.code === change.code);
      if (i < 0) notFound('code');
      def.categories.splice(i, 1);
      def.items = def.items.filter((q) => q.category !== change.code);
      if (def.questions) def.questions = def.questions.filter((q) => q.category !== change.code);
      return { def };
    }
    case 'saveQuestion': {
      const q = change.question;
      const found = change.at === null ? undefined : findQuestion(def, change.at);
      if (change.at !== null && !found) notFound('code');
      const taken = [...def.items.map((i) => i.code), ...(def.questions ?? []).map((x) => x.code), ...def.profile.map((p) => p.code)];
      if (q.code !== found?.question.code && taken.includes(q.code)) duplicate();
      let scope: Path;
      if (found?.source === 'items') {
        // An item of the original format stays an item (same place in the file, same analysis);
        // the form offers it no fields an item cannot have.
        def.items[found.index] = questionAsItem(q as Extract<TQuestion, { kind: 'rating' }>);
        scope = ['items', found.index];
      } else {
        def.questions = def.questions ?? [];
        const index = found ? found.index : def.questions.length;
        def.questions[index] = q;
        scope = ['questions', index];
      }
      if (found && found.question.code !== q.code) renameInConditions(def, found.question.code, q.code);
      refuseIssuesIn(def, [scope], 2, change.readErrors);
      return { def, code: q.code };
    }
    case 'moveQuestion': {
      const found = findQuestion(def, change.code);
      if (!found) notFound('code');
      // Within its own list and section: a section's items always come before its other questions.
      const list = (found.source === 'items' ? def.items : def.questions!) as Array<{ category: string }>;
      const category = list[found.index]!.category;
      const step = change.direction === 'up' ? -1 : 1;
      for (let j = found.index + step; j >= 0 && j < list.length; j += step) {
        if (list[j]!.category === category) {
          swap(list, found.index, j);
          break;
        }
      }
      return { def, code: change.code };
    }
    case 'saveProfile': {
      const i = def.profile.findIndex((p) => p.code === change.code);
      if (i < 0) notFound('code');
      def.profile[i] = editedProfileQuestion(def.profile[i]!, change.edit);
      refuseIssuesIn(def, [['profile', i]], 2, change.readErrors);
      return { def, code: change.code };
    }
    case 'deleteQuestion': {
      const found = findQuestion(def, change.code);
      if (!found) notFound('code');
      if (found.source === 'items') def.items.splice(found.index, 1);
      else def.questions!.splice(found.index, 1);
      return { def };
    }
  }
}

/** Whether a question can move up / down within its section (see moveQuestion). */
export function canMove(def: TDraftDefinition, code: string): { up: boolean; down: boolean } {
  const found = findQuestion(def, code);
  if (!found) return { up: false, down: false };
  const list = (found.source === 'items' ? def.items : def.questions!) as Array<{ category: string }>;
  const category = list[found.index]!.category;
  return {
    up: list.slice(0, found.index).some((x) => x.category === category),
    down: list.slice(found.index + 1).some((x) => x.category === category),
  };
}

/** A new questionnaire: its code, title, and a scale whose labels are still to be written. */
export function newDraftDefinition(code: string, title: TLocalizedText, min: number, max: number): TDraftDefinition {
  const labels: Record<string, TLocalizedText> = {};
  for (let v = min; v <= max; v++) labels[String(v)] = { kk: '', ru: '', en: '' };
  return { code, title, scale: { min, max, labels }, categories: [], items: [], profile: [], questions: [] };
}
