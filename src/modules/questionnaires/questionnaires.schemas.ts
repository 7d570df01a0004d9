import { z } from 'zod';

/**
 * The questionnaire exchange format: the shape of seeds/domain/questionnaire-barriers.json, plus an
 * optional `questions` array of every kind (kinds/) and `showIf` conditions, as in
 * seeds/content/questionnaire-sme-innovation.json. Objects are strict so that a misspelt key is reported at its path instead of silently dropped,
 * and nothing gets a default: what is imported is what is exported.
 */
export { ZLocalizedText, ZScale, type TLocalizedText, type TScale } from './kinds';
import { ZCode, ZCondition, ZLocalizedText, ZQuestion, ZScale, checkQuestion, conditionOptions, type FormQuestion, type QuestionKind, type TQuestionRole } from './kinds';

export const ZCategory = z.strictObject({
  code: ZCode,
  pest: z.enum(['P', 'E', 'S', 'T']).optional(),
  title: ZLocalizedText,
  showIf: ZCondition.optional(),
});

export const ZItem = z.strictObject({
  code: ZCode,
  category: z.string().min(1),
  referenceMean: z.number().optional(),
  text: ZLocalizedText,
  /** Defaults when absent: required, comment allowed, "cannot judge" offered when the scale has it. */
  required: z.boolean().optional(),
  allowComment: z.boolean().optional(),
  allowCannotJudge: z.boolean().optional(),
});

const ZOption = z.strictObject({ code: ZCode, text: ZLocalizedText });
const ZMultiOption = z.strictObject({ code: ZCode, exclusive: z.boolean().optional(), text: ZLocalizedText });

// Keys are listed in the order of the seed file so that an export reads like what was imported.
const ZProfileText = { required: z.boolean(), text: ZLocalizedText };
export const ZProfileQuestion = z.discriminatedUnion('type', [
  z.strictObject({ code: ZCode, type: z.literal('choice-from-territories'), ...ZProfileText }),
  z.strictObject({ code: ZCode, type: z.literal('choice'), ...ZProfileText, options: z.array(ZOption).min(2).max(100) }),
  z.strictObject({ code: ZCode, type: z.literal('multi-choice'), ...ZProfileText, options: z.array(ZMultiOption).min(2).max(100) }),
  z.strictObject({ code: ZCode, type: z.literal('integer'), min: z.number().int(), max: z.number().int(), ...ZProfileText }),
]);
export type TProfileQuestion = z.infer<typeof ZProfileQuestion>;

function duplicates(codes: string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  codes.forEach((code, i) => {
    if (seen.has(code)) out.push(i);
    seen.add(code);
  });
  return out;
}

/** Which kinds may carry a role: the role's consumers read answers of these kinds only. */
const ROLE_KINDS: Record<string, QuestionKind[]> = {
  territory: ['single-choice'],
  sector: ['single-choice'],
  size: ['single-choice'],
  employees: ['number'],
  innovated: ['multi-choice'],
  funding: ['single-choice', 'multi-choice'],
};

export const ZQuestionnaireDefinition = z
  .strictObject({
    code: ZCode,
    title: ZLocalizedText,
    source: z.string().max(5000).optional(),
    scale: ZScale,
    categories: z.array(ZCategory).min(1).max(100),
    /** Ratings on the questionnaire's scale (the original format); `questions` holds every other kind. */
    items: z.array(ZItem).max(500),
    profile: z.array(ZProfileQuestion).max(50),
    questions: z.array(ZQuestion).max(500).optional(),
  })
  .superRefine((def, ctx) => {
    for (const i of duplicates(def.categories.map((c) => c.code))) {
      ctx.addIssue({ code: 'custom', path: ['categories', i, 'code'], params: { key: 'questionnaires:errors.duplicateCode' } });
    }
    // Item, profile and question codes name answers and export columns together: one namespace.
    const questions = def.questions ?? [];
    const named = [
      ...def.items.map((q, i) => ({ code: q.code, path: ['items', i, 'code'] })),
      ...def.profile.map((q, i) => ({ code: q.code, path: ['profile', i, 'code'] })),
      ...questions.map((q, i) => ({ code: q.code, path: ['questions', i, 'code'] })),
    ];
    for (const i of duplicates(named.map((n) => n.code))) {
      ctx.addIssue({ code: 'custom', path: named[i]!.path, params: { key: 'questionnaires:errors.duplicateCode' } });
    }
    if (def.items.length + questions.length === 0) ctx.addIssue({ code: 'custom', path: ['items'], params: { key: 'questionnaires:errors.noQuestions' } });
    const categories = new Set(def.categories.map((c) => c.code));
    def.items.forEach((item, i) => {
      if (!categories.has(item.category)) {
        ctx.addIssue({ code: 'custom', path: ['items', i, 'category'], params: { key: 'questionnaires:errors.unknownCategory' } });
      }
      if (item.referenceMean !== undefined && (item.referenceMean < def.scale.min || item.referenceMean > def.scale.max)) {
        ctx.addIssue({ code: 'custom', path: ['items', i, 'referenceMean'], params: { key: 'questionnaires:errors.meanOutside' } });
      }
      if (item.allowCannotJudge && !def.scale.notApplicable) {
        ctx.addIssue({ code: 'custom', path: ['items', i, 'allowCannotJudge'], params: { key: 'questionnaires:errors.noNotApplicable' } });
      }
    });
    const roles = new Map<string, number>();
    questions.forEach((q, i) => {
      if (!categories.has(q.category)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'category'], params: { key: 'questionnaires:errors.unknownCategory' } });
      const issue = (path: Array<string | number>, key: string, params?: Record<string, unknown>) =>
        ctx.addIssue({ code: 'custom', path: ['questions', i, ...path], params: { key, ...(params ? { params } : {}) } });
      if (q.role) {
        if (!ROLE_KINDS[q.role]!.includes(q.kind)) issue(['role'], 'questionnaires:errors.roleKind', { kinds: ROLE_KINDS[q.role]!.join(', ') });
        // The territory answers are territory codes: the question offers the directory.
        if (q.role === 'territory' && !('optionsFrom' in q && q.optionsFrom === 'territories')) issue(['role'], 'questionnaires:errors.territoriesRole');
        if (roles.has(q.role)) issue(['role'], 'questionnaires:errors.roleTwice');
        roles.set(q.role, i);
      }
      checkQuestion(q, issue, def.scale);
    });
    // A condition refers to a choice question asked on an earlier page (the profile or an
    // earlier category), with options it has: it is evaluated between pages.
    const categoryIndex = new Map(def.categories.map((c, i) => [c.code, i]));
    const choiceSources = new Map<string, { page: number; options: string[] }>();
    for (const p of def.profile) if (p.type === 'choice' || p.type === 'multi-choice') choiceSources.set(p.code, { page: -1, options: p.options.map((o) => o.code) });
    for (const q of questions) {
      const options = conditionOptions(q);
      if (options) choiceSources.set(q.code, { page: categoryIndex.get(q.category) ?? Infinity, options });
    }
    const checkCondition = (condition: { question: string; anyOf: string[] } | undefined, page: number, path: Array<string | number>) => {
      if (!condition) return;
      const source = choiceSources.get(condition.question);
      if (!source || source.page >= page) ctx.addIssue({ code: 'custom', path: [...path, 'showIf', 'question'], params: { key: 'questionnaires:errors.conditionSource' } });
      else condition.anyOf.forEach((code, j) => {
        if (!source.options.includes(code)) ctx.addIssue({ code: 'custom', path: [...path, 'showIf', 'anyOf', j], params: { key: 'questionnaires:errors.conditionOption' } });
      });
    };
    def.categories.forEach((c, i) => checkCondition(c.showIf, i, ['categories', i]));
    questions.forEach((q, i) => checkCondition(q.showIf, categoryIndex.get(q.category) ?? -1, ['questions', i]));

    // The ratings of one category are pooled (category statistics, Cronbach's alpha): one scale per category.
    const scaleOfCategory = new Map<string, string>();
    for (const item of def.items) scaleOfCategory.set(item.category, `${def.scale.min}-${def.scale.max}`);
    questions.forEach((q, i) => {
      if (q.kind !== 'rating') return;
      const scale = q.scale ?? def.scale;
      const key = `${scale.min}-${scale.max}`;
      const seen = scaleOfCategory.get(q.category);
      if (seen !== undefined && seen !== key) ctx.addIssue({ code: 'custom', path: ['questions', i, 'scale'], params: { key: 'questionnaires:errors.mixedScales' } });
      else scaleOfCategory.set(q.category, key);
    });
    const emptyCategories = def.categories
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => !def.items.some((item) => item.category === c.code) && !questions.some((q) => q.category === c.code));
    for (const { i } of emptyCategories) {
      ctx.addIssue({ code: 'custom', path: ['categories', i, 'code'], params: { key: 'questionnaires:errors.emptyCategory' } });
    }
    def.profile.forEach((q, i) => {
      if (q.type === 'integer' && q.max < q.min) {
        ctx.addIssue({ code: 'custom', path: ['profile', i, 'max'], params: { key: 'questionnaires:errors.integerRange' } });
      }
      if (q.type === 'choice' || q.type === 'multi-choice') {
        for (const j of duplicates(q.options.map((o) => o.code))) {
          ctx.addIssue({ code: 'custom', path: ['profile', i, 'options', j, 'code'], params: { key: 'questionnaires:errors.duplicateCode' } });
        }
      }
    });
    if (def.profile.filter((q) => q.type === 'choice-from-territories').length > 1) {
      ctx.addIssue({ code: 'custom', path: ['profile'], params: { key: 'questionnaires:errors.oneTerritoryQuestion' } });
    }
  });
export type TQuestionnaireDefinition = z.infer<typeof ZQuestionnaireDefinition>;

export interface QuestionnaireSummary {
  id: number;
  code: string;
  version: number;
  title_kk: string;
  title_ru: string;
  title_en: string;
  createdAt: string;
  itemCount: number;
  roundCount: number;
}

export interface QuestionnaireCategoryRow {
  id: number;
  code: string;
  pest: string | null;
  position: number;
  title_kk: string;
  title_ru: string;
  title_en: string;
}

export interface QuestionnaireItemRow {
  id: number;
  code: string;
  kind: QuestionKind;
  categoryId: number;
  categoryCode: string;
  position: number;
  text_kk: string;
  text_ru: string;
  text_en: string;
  allowCannotJudge: boolean;
  allowComment: boolean;
  required: boolean;
  referenceMean: number | null;
  /** What analysis and monitoring use the answers for (territory, sector, size, innovated, ...). */
  role: TQuestionRole | null;
}

/** What getQuestionnaire() gives other modules: the parsed definition and the rows answers refer to. */
export interface Questionnaire {
  id: number;
  code: string;
  version: number;
  title_kk: string;
  title_ru: string;
  title_en: string;
  createdAt: string;
  definition: TQuestionnaireDefinition;
  categories: QuestionnaireCategoryRow[];
  items: QuestionnaireItemRow[];
  /** The category pages' questions of every kind, in form order, with their item ids. */
  questions: FormQuestion[];
  /**
   * The profile questions (the first page) with their item ids: their answers are answer rows
   * like any other. Territory options are left empty (the directory is the territories module's).
   */
  profileQuestions: FormQuestion[];
}

/** An item of a version as answers refer to it (what `versionItems` gives). */
export type VersionItem = Pick<QuestionnaireItemRow, 'id' | 'code' | 'kind' | 'role' | 'categoryId' | 'categoryCode' | 'position'>;

/**
 * Which items of a version are its questions and which are its profile's. A profile question
 * always has a role; a question of the `questions` array may have one too and still stands on
 * its category page (and is answered there), so the split is by page, and each item says its role.
 */
export interface VersionItems {
  /** The category pages' items in page order (category, then position): what `answers` answer. */
  questions: VersionItem[];
  /** The profile page's items in form order: what `profile` answers. */
  profile: VersionItem[];
}

export const ZQuestionnaireId = z.coerce.number().int().positive();

/** The admin import form: a pasted JSON text (or an uploaded file, read into the same field). */
export const ZImportForm = z.strictObject({ json: z.string().max(2_000_000).optional() });

/** The comparison page: `to` is the later version; without `from`, the version before it. */
export const ZCompareQuery = z.object({ from: ZQuestionnaireId.optional(), to: ZQuestionnaireId });
