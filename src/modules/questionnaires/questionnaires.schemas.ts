import { z } from 'zod';

/**
 * The questionnaire exchange format: exactly the shape of seeds/domain/questionnaire-barriers.json.
 * Objects are strict so that a misspelt key is reported at its path instead of silently dropped,
 * and nothing gets a default: what is imported is what is exported.
 */
const ZText = z.string().trim().min(1).max(2000);
export const ZLocalizedText = z.strictObject({ kk: ZText, ru: ZText, en: ZText });
export type TLocalizedText = z.infer<typeof ZLocalizedText>;

const ZCode = z.string().min(1).max(60).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);

export const ZScale = z
  .strictObject({
    min: z.number().int().min(0).max(10),
    max: z.number().int().min(1).max(10),
    labels: z.record(z.string().regex(/^\d+$/), ZLocalizedText),
    notApplicable: ZLocalizedText.optional(),
  })
  .superRefine((scale, ctx) => {
    if (scale.max <= scale.min) {
      ctx.addIssue({ code: 'custom', path: ['max'], params: { key: 'questionnaires:errors.scaleRange' } });
      return;
    }
    for (let v = scale.min; v <= scale.max; v++) {
      if (!scale.labels[String(v)]) {
        ctx.addIssue({ code: 'custom', path: ['labels', String(v)], params: { key: 'questionnaires:errors.labelMissing' } });
      }
    }
    for (const key of Object.keys(scale.labels)) {
      const v = Number(key);
      if (v < scale.min || v > scale.max) {
        ctx.addIssue({ code: 'custom', path: ['labels', key], params: { key: 'questionnaires:errors.labelOutside' } });
      }
    }
  });

export const ZCategory = z.strictObject({
  code: ZCode,
  pest: z.enum(['P', 'E', 'S', 'T']).optional(),
  title: ZLocalizedText,
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

export const ZQuestionnaireDefinition = z
  .strictObject({
    code: ZCode,
    title: ZLocalizedText,
    source: z.string().max(5000).optional(),
    scale: ZScale,
    categories: z.array(ZCategory).min(1).max(100),
    items: z.array(ZItem).min(1).max(500),
    profile: z.array(ZProfileQuestion).max(50),
  })
  .superRefine((def, ctx) => {
    for (const i of duplicates(def.categories.map((c) => c.code))) {
      ctx.addIssue({ code: 'custom', path: ['categories', i, 'code'], params: { key: 'questionnaires:errors.duplicateCode' } });
    }
    for (const i of duplicates(def.items.map((c) => c.code))) {
      ctx.addIssue({ code: 'custom', path: ['items', i, 'code'], params: { key: 'questionnaires:errors.duplicateCode' } });
    }
    for (const i of duplicates(def.profile.map((c) => c.code))) {
      ctx.addIssue({ code: 'custom', path: ['profile', i, 'code'], params: { key: 'questionnaires:errors.duplicateCode' } });
    }
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
    const emptyCategories = def.categories.map((c, i) => ({ c, i })).filter(({ c }) => !def.items.some((item) => item.category === c.code));
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
}

export const ZQuestionnaireId = z.coerce.number().int().positive();

/** The admin import form: a pasted JSON text (or an uploaded file, read into the same field). */
export const ZImportForm = z.strictObject({ json: z.string().max(2_000_000).optional() });
