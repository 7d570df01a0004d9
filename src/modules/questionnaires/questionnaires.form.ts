import { EMPTY_COLUMNS, normaliseQuestion, withOptions, type AnswerColumns, type FormQuestion, type KindQuestion, type TCondition, type TQuestionRole } from './kinds';
import type { Questionnaire, QuestionnaireCategoryRow, QuestionnaireItemRow, TProfileQuestion, TQuestionnaireDefinition, TScale } from './questionnaires.schemas';

/**
 * The one place that turns the exchange format into the questions a form asks. The original
 * format's `items` are ratings on the questionnaire's scale and its `profile` questions are
 * choice and number questions whose conventional codes give them their analysis role; the
 * `questions` array says everything itself. A file in the original format therefore means the
 * same as before.
 */

/** The category of the profile questions: not a code an author can write (codes start alphanumeric). */
export const PROFILE_CATEGORY = '_profile';
export const PROFILE_TITLE = { kk: 'Кәсіпорын туралы', ru: 'О предприятии', en: 'About the enterprise' };

/** Roles of the original format's profile questions, by code. */
const LEGACY_ROLES: Record<string, TQuestionRole> = {
  territory: 'territory',
  sector: 'sector',
  size: 'size',
  employees: 'employees',
  innovated: 'innovated',
  funding: 'funding',
};

export interface NormalisedQuestion {
  question: KindQuestion;
  categoryCode: string;
  required: boolean;
  role: TQuestionRole | null;
  allowComment: boolean;
  referenceMean: number | null;
  /** Single-choice questions whose options are the territory directory, resolved when a form is loaded. */
  optionsFrom: 'territories' | null;
  /** The conditions the question is asked under: its category's and its own. */
  showIf: TCondition[];
}

function legacyProfileQuestion(p: TProfileQuestion): KindQuestion {
  switch (p.type) {
    case 'choice-from-territories':
      return { kind: 'single-choice', code: p.code, text: p.text, options: [] };
    case 'choice':
      return { kind: 'single-choice', code: p.code, text: p.text, options: p.options };
    case 'multi-choice':
      return { kind: 'multi-choice', code: p.code, text: p.text, options: p.options };
    case 'integer':
      return { kind: 'number', code: p.code, text: p.text, integer: true, min: p.min, max: p.max };
  }
}

/**
 * Every question of a definition: the profile, then the items in file order, then the other
 * questions in file order. A category page asks its own in this order, so its ratings come
 * before its other questions; the original format keeps the positions it always had.
 */
export function normaliseDefinition(def: TQuestionnaireDefinition): NormalisedQuestion[] {
  const out: NormalisedQuestion[] = def.profile.map((p) => ({
    question: legacyProfileQuestion(p),
    categoryCode: PROFILE_CATEGORY,
    required: p.required,
    role: p.type === 'choice-from-territories' ? 'territory' : (LEGACY_ROLES[p.code] ?? null),
    allowComment: false,
    referenceMean: null,
    optionsFrom: p.type === 'choice-from-territories' ? 'territories' : null,
    showIf: [],
  }));
  const categoryCondition = (code: string) => def.categories.find((c) => c.code === code)?.showIf;
  for (const item of def.items) {
    out.push({
      question: { kind: 'rating', code: item.code, text: item.text, scale: def.scale, allowCannotJudge: Boolean(def.scale.notApplicable) && item.allowCannotJudge !== false },
      categoryCode: item.category,
      required: item.required !== false,
      role: null,
      allowComment: item.allowComment !== false,
      referenceMean: item.referenceMean ?? null,
      optionsFrom: null,
      showIf: [categoryCondition(item.category)].filter((c): c is TCondition => c !== undefined),
    });
  }
  for (const q of def.questions ?? []) {
    const n = normaliseQuestion(q, def.scale);
    out.push({
      question: n.question,
      categoryCode: q.category,
      required: q.required !== false,
      role: q.role ?? null,
      allowComment: n.allowComment ?? false,
      referenceMean: n.referenceMean ?? null,
      optionsFrom: n.optionsFrom ?? null,
      showIf: [categoryCondition(q.category), q.showIf].filter((c): c is TCondition => c !== undefined),
    });
  }
  return out;
}

/** Whether a question of the `questions` array takes its options from the territory directory. */
export function usesTerritoryDirectory(def: TQuestionnaireDefinition): boolean {
  return normaliseDefinition(def).some((n) => n.optionsFrom === 'territories' && n.categoryCode !== PROFILE_CATEGORY);
}

export interface TerritoryOption {
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
}

/**
 * The category pages' questions with their item ids and form-level facts. `territories` are
 * the options of a question that takes them from the directory.
 */
export function formQuestions(def: TQuestionnaireDefinition, items: Array<{ id: number; code: string; position: number }>, territories: TerritoryOption[] = []): FormQuestion[] {
  const rows = new Map(items.map((i) => [i.code, i]));
  const out: FormQuestion[] = [];
  for (const n of normaliseDefinition(def)) {
    const row = rows.get(n.question.code);
    if (!row) continue;
    const question =
      n.optionsFrom === 'territories' ? withOptions(n.question, territories.map((t) => ({ code: t.code, text: { kk: t.name_kk, ru: t.name_ru, en: t.name_en } }))) : n.question;
    out.push({ ...question, id: row.id, position: row.position, categoryCode: n.categoryCode, required: n.required, role: n.role, allowComment: n.allowComment, referenceMean: n.referenceMean, showIf: n.showIf });
  }
  return out;
}

/** A profile answer as the respondent flow and the exports handle it: a code, codes, or a number. */
export type ProfileValue = string | string[] | number;

/**
 * How a profile answer is stored: as the answer of its item, in the columns of the kind the
 * profile question has (legacyProfileQuestion): a territory's or option's code as a single
 * choice, several codes space-separated in the definition's order, a number.
 */
export function profileAnswerColumns(type: TProfileQuestion['type'], value: ProfileValue): AnswerColumns {
  switch (type) {
    case 'choice-from-territories':
    case 'choice':
      return { ...EMPTY_COLUMNS, choice: String(value) };
    case 'multi-choice':
      return { ...EMPTY_COLUMNS, choice: (Array.isArray(value) ? value : [String(value)]).join(' ') };
    case 'integer':
      return { ...EMPTY_COLUMNS, numberValue: Number(value) };
  }
}

/** The stored answer of a profile question read back; undefined when it holds nothing. */
export function profileAnswerValue(type: TProfileQuestion['type'], columns: AnswerColumns): ProfileValue | undefined {
  if (type === 'integer') return columns.numberValue ?? undefined;
  if (type === 'multi-choice') {
    const codes = (columns.choice ?? '').split(' ').filter(Boolean);
    return codes.length ? codes : undefined;
  }
  return columns.choice || undefined;
}

/** A category page of the respondent's form. */
export type FormCategory = Omit<QuestionnaireCategoryRow, 'pest'>;

/** A question of the respondent's form: its questionnaire_items row, what it asks and when. */
export type FormItem = Omit<QuestionnaireItemRow, 'referenceMean'> & {
  /** What the item asks and how its answers are parsed, stored and shown (its kind's definition). */
  question: KindQuestion;
  /** Asked only when every condition holds for the earlier answers. */
  showIf: TCondition[];
};

/** One questionnaire version as the respondent meets it. */
export interface QuestionnaireForm {
  id: number;
  code: string;
  title_kk: string;
  title_ru: string;
  title_en: string;
  scale: TScale;
  profile: TProfileQuestion[];
  /** The item of each profile question, by its code: profile answers are answer rows of these items. */
  profileItemIds: Record<string, number>;
  categories: FormCategory[];
  /** In page order: by category, then by position. */
  items: FormItem[];
}

/** The respondent's form of a questionnaire version; `territories` are the options of a question that takes them from the directory. */
export function respondentForm(q: Questionnaire, territories: TerritoryOption[]): QuestionnaireForm {
  const questions = new Map(formQuestions(q.definition, q.items, territories).map((fq) => [fq.id, fq]));
  const categoryPosition = new Map(q.categories.map((c) => [c.id, c.position]));
  const items = [...q.items].sort((a, b) => categoryPosition.get(a.categoryId)! - categoryPosition.get(b.categoryId)! || a.position - b.position || a.id - b.id);
  return {
    id: q.id,
    code: q.code,
    title_kk: q.title_kk,
    title_ru: q.title_ru,
    title_en: q.title_en,
    scale: q.definition.scale,
    profile: q.definition.profile,
    profileItemIds: Object.fromEntries(q.profileQuestions.map((p) => [p.code, p.id])),
    categories: [...q.categories].sort((a, b) => a.position - b.position || a.id - b.id).map(({ pest: _pest, ...c }) => c),
    items: items.map(({ referenceMean: _mean, ...item }) => {
      const question = questions.get(item.id)!;
      return { ...item, question, showIf: question.showIf };
    }),
  };
}
