import { z } from 'zod';
import { CANNOT_JUDGE_CODE, EMPTY_COLUMNS, ZLocalizedText, localized, questionBase, type KindDef, type QuestionCore, type TLocalizedText, type TScale } from './common';
import type { FormReader } from './editor';

/** A rating scale: any integer range within 0..100 with a label for every point, and optionally "cannot judge". */
export const ZScale = z
  .strictObject({
    min: z.number().int().min(0).max(100),
    max: z.number().int().min(1).max(100),
    labels: z.record(z.string().regex(/^\d+$/), ZLocalizedText),
    notApplicable: ZLocalizedText.optional(),
  })
  .superRefine((scale, ctx) => {
    if (scale.max <= scale.min) {
      ctx.addIssue({ code: 'custom', path: ['max'], params: { key: 'questionnaires:errors.scaleRange' } });
      return;
    }
    if (scale.max - scale.min > 20) {
      ctx.addIssue({ code: 'custom', path: ['max'], params: { key: 'questionnaires:errors.scaleTooLong' } });
      return;
    }
    for (let v = scale.min; v <= scale.max; v++) {
      if (!scale.labels[String(v)]) ctx.addIssue({ code: 'custom', path: ['labels', String(v)], params: { key: 'questionnaires:errors.labelMissing' } });
    }
    for (const key of Object.keys(scale.labels)) {
      const v = Number(key);
      if (v < scale.min || v > scale.max) ctx.addIssue({ code: 'custom', path: ['labels', key], params: { key: 'questionnaires:errors.labelOutside' } });
    }
  }) satisfies z.ZodType<TScale>;

/** In the `questions` array; without `scale` the questionnaire's scale applies (as for `items`). */
export const ZRatingQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('rating'),
  scale: ZScale.optional(),
  referenceMean: z.number().optional(),
  allowComment: z.boolean().optional(),
  allowCannotJudge: z.boolean().optional(),
});
export type TRatingQuestion = z.infer<typeof ZRatingQuestion>;

/** A rating question with its scale resolved and its defaults applied (what the form uses). */
export interface RatingQuestion extends QuestionCore {
  kind: 'rating';
  scale: TScale;
  /** Offered only when the scale has a "cannot judge" label. */
  allowCannotJudge: boolean;
}

export type RatingValue = { cannotJudge: true } | { cannotJudge: false; value: number };

/** The points of a scale, lowest first. */
export function scalePoints(scale: Pick<TScale, 'min' | 'max'>): number[] {
  return Array.from({ length: scale.max - scale.min + 1 }, (_, i) => scale.min + i);
}

/** 1 + Binomial(steps, p): a plausible rating around the middle of the scale, drawn from `random`. */
function sampleRating(scale: TScale, random: () => number): number {
  const steps = scale.max - scale.min;
  const p = 0.3 + 0.4 * random();
  let k = 0;
  for (let i = 0; i < steps; i++) if (random() < p) k++;
  return scale.min + k;
}

export const rating: KindDef<RatingQuestion, RatingValue, TRatingQuestion, never> = {
  kind: 'rating',
  schema: ZRatingQuestion,
  partial: 'rating',
  requiredKey: 'respond:errors.requiredItem',
  normalise(x, scale) {
    const own = x.scale ?? scale;
    return {
      question: { kind: 'rating', code: x.code, text: x.text, scale: own, allowCannotJudge: Boolean(own.notApplicable) && x.allowCannotJudge !== false },
      allowComment: x.allowComment !== false,
      referenceMean: x.referenceMean ?? null,
    };
  },
  check(x, issue, questionnaireScale) {
    // The scale checks itself; what depends on it is checked against the scale that applies.
    const scale = x.scale ?? questionnaireScale;
    if (x.referenceMean !== undefined && (x.referenceMean < scale.min || x.referenceMean > scale.max)) issue(['referenceMean'], 'questionnaires:errors.meanOutside');
    if (x.allowCannotJudge && !scale.notApplicable) issue(['allowCannotJudge'], 'questionnaires:errors.noNotApplicable');
  },
  parse(q, raw) {
    // "na" (forms) or null (JSON) is "cannot judge".
    if (raw === null || raw === 'na') {
      if (!q.allowCannotJudge) return { error: { key: 'respond:errors.cannotJudgeNotAllowed', params: { min: q.scale.min, max: q.scale.max } } };
      return { value: { cannotJudge: true } };
    }
    if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return { blank: true };
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d{1,3}\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < q.scale.min || n > q.scale.max) return { error: { key: 'respond:errors.outOfRange', params: { min: q.scale.min, max: q.scale.max } } };
    return { value: { cannotJudge: false, value: n } };
  },
  encode(_q, v) {
    return v.cannotJudge ? { ...EMPTY_COLUMNS, cannotJudge: true } : { ...EMPTY_COLUMNS, value: v.value };
  },
  decode(q, c) {
    if (c.cannotJudge) return { cannotJudge: true };
    if (c.value === null || c.value < q.scale.min || c.value > q.scale.max) return undefined;
    return { cannotJudge: false, value: c.value };
  },
  formValue(_q, v) {
    return v.cannotJudge ? 'na' : String(v.value);
  },
  display(q, v, lang) {
    if (v.cannotJudge) return q.scale.notApplicable ? localized(q.scale.notApplicable, lang) : 'n/a';
    const label = q.scale.labels[String(v.value)];
    return label ? `${v.value} · ${localized(label, lang)}` : String(v.value);
  },
  exportColumns(q) {
    const values = scalePoints(q.scale).map((v) => ({ code: v, label: q.scale.labels[String(v)]! }));
    if (q.allowCannotJudge && q.scale.notApplicable) values.push({ code: CANNOT_JUDGE_CODE, label: q.scale.notApplicable });
    return [{ code: q.code, label: q.text, type: 'number', values }];
  },
  exportCells(_q, v) {
    if (!v) return [null];
    return [v.cannotJudge ? CANNOT_JUDGE_CODE : v.value];
  },
  // Ratings are ranked from the pre-aggregated analysis cells (the ranking page), not summarised here.
  analysis: { source: 'ranking' },
  sample(q, { random }) {
    if (q.allowCannotJudge && random() < 0.05) return { cannotJudge: true };
    return { cannotJudge: false, value: sampleRating(q.scale, random) };
  },
  editor: {
    partial: 'rating',
    blank: () => ({}),
    read(form) {
      const referenceMean = form.number('referenceMean');
      return {
        ...(form.flag('ownScale') ? { scale: readScale(form, 'scale') } : {}),
        ...(referenceMean !== undefined ? { referenceMean } : {}),
        // Absent means allowed: the form writes only a refusal.
        ...(form.flag('allowComment') ? {} : { allowComment: false }),
        ...(form.flag('allowCannotJudge') ? {} : { allowCannotJudge: false }),
      };
    },
  },
};

/**
 * A scale from the builder's form (the questionnaire's, or a rating question's own): a label row
 * per point of the range typed; a row left blank is a label still to be written in every language.
 */
export function readScale(form: FormReader, prefix: string): Record<string, unknown> {
  const min = form.number(`${prefix}.min`, true);
  const max = form.number(`${prefix}.max`, true);
  const labels: Record<string, TLocalizedText> = {};
  if (typeof min === 'number' && typeof max === 'number' && max > min && max - min <= 20) {
    for (let v = min; v <= max; v++) labels[String(v)] = form.text(`${prefix}.labels.${v}`);
  }
  const notApplicable = form.optionalText(`${prefix}.notApplicable`);
  return { min, max, labels, ...(notApplicable ? { notApplicable } : {}) };
}

/** Without an own scale the questionnaire's applies; "cannot judge" is offered only when that scale has the label. */
