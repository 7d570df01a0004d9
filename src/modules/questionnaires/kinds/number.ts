import { z } from 'zod';
import { numberSummaryFromCounts, type NumberSummary } from '../../../math/numberSummaryFromCounts';
import { EMPTY_COLUMNS, ZLocalizedText, localized, questionBase, type KindDef, type QuestionCore, type TLocalizedText, xlsOnly, xlsBound } from './common';

/** A whole or decimal number within [min, max], with an optional unit ("people", "mln tenge"). */
export const ZNumberQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('number'),
  integer: z.boolean(),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  unit: ZLocalizedText.optional(),
});
export type TNumberQuestion = z.infer<typeof ZNumberQuestion>;

export interface NumberQuestion extends QuestionCore {
  kind: 'number';
  integer: boolean;
  min?: number;
  max?: number;
  unit?: TLocalizedText;
}

export interface NumberValue {
  value: number;
}

// Digits with an optional sign and one decimal separator; comma or point, as people type them in kk/ru.
const NUMBER = /^\s*[-+]?\d{1,15}(?:[.,]\d{1,9})?\s*$/;

export const number: KindDef<NumberQuestion, NumberValue, TNumberQuestion, { unit: TLocalizedText | null; summary: NumberSummary }> = {
  kind: 'number',
  schema: ZNumberQuestion,
  partial: 'number',
  requiredKey: 'respond:errors.required',
  normalise(x) {
    return {
      question: { kind: 'number', code: x.code, text: x.text, integer: x.integer, ...(x.min !== undefined ? { min: x.min } : {}), ...(x.max !== undefined ? { max: x.max } : {}), ...(x.unit ? { unit: x.unit } : {}) },
    };
  },
  check(q, issue) {
    if (q.min !== undefined && q.max !== undefined && q.max < q.min) issue(['max'], 'questionnaires:errors.integerRange');
    if (q.integer && ((q.min !== undefined && !Number.isInteger(q.min)) || (q.max !== undefined && !Number.isInteger(q.max)))) issue(['min'], 'questionnaires:errors.integerBounds');
  },
  parse(q, raw) {
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return { blank: true };
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMBER.test(raw) ? Number(raw.trim().replace(',', '.')) : NaN;
    const params = { min: q.min ?? '−∞', max: q.max ?? '∞' };
    if (!Number.isFinite(n)) return { error: { key: q.integer ? 'respond:errors.integer' : 'respond:errors.number', params } };
    if (q.integer && !Number.isInteger(n)) return { error: { key: 'respond:errors.integer', params } };
    if ((q.min !== undefined && n < q.min) || (q.max !== undefined && n > q.max)) return { error: { key: q.integer ? 'respond:errors.integer' : 'respond:errors.number', params } };
    return { value: { value: n } };
  },
  encode(_q, v) {
    return { ...EMPTY_COLUMNS, numberValue: v.value };
  },
  decode(_q, c) {
    return c.numberValue === null ? undefined : { value: c.numberValue };
  },
  formValue(_q, v) {
    return String(v.value);
  },
  display(q, v, lang) {
    return q.unit ? `${v.value} ${localized(q.unit, lang)}` : String(v.value);
  },
  exportColumns(q) {
    return [{ code: q.code, label: q.text, type: 'number', values: [] }];
  },
  exportCells(_q, v) {
    return [v ? v.value : null];
  },
  analysis: {
    source: 'answers',
    partial: 'number',
    summarise(q, { groups }) {
      const summary = numberSummaryFromCounts(groups.filter((g) => g.numberValue !== null).map((g) => ({ value: g.numberValue!, count: g.count })));
      return { n: summary.n, unit: q.unit ?? null, summary };
    },
  },
  /** Skewed towards the low end of the range, as sizes and amounts are. */
  sample(q, { random }) {
    const min = q.min ?? 0;
    const max = q.max ?? min + 100;
    const x = min + (max - min) * random() ** 2;
    // `+ 0` turns a rounded -0 into 0: a stored and re-read answer is never -0.
    if (q.integer) return { value: Math.min(Math.floor(max), Math.max(Math.ceil(min), Math.round(x))) + 0 };
    return { value: Math.min(max, Math.max(min, Math.round(x * 10) / 10)) + 0 };
  },
  // XLSForm: integer or decimal; bounds as . >= a and . <= b; the unit as the hint.
  xlsform: {
    reads: (row) => row.type === 'integer' || row.type === 'decimal',
    read(row, base, issue) {
      xlsOnly(row, issue, [], row.type);
      if (row.choiceFilter) issue('choice_filter', 'exchange:xlsform.choiceFilterUnsupported', { expression: row.choiceFilter });
      let min: number | undefined;
      let max: number | undefined;
      for (const term of row.constraint) {
        const bound = xlsBound(term);
        if (bound?.op === '>=') min = bound.value;
        else if (bound?.op === '<=') max = bound.value;
        else issue('constraint', 'exchange:xlsform.constraintUnsupported', { expression: term });
      }
      return { ...base, kind: 'number', integer: row.type === 'integer', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(row.hint ? { unit: row.hint } : {}) };
    },
    write(x) {
      const constraint = [...(x.min !== undefined ? [`. >= ${x.min}`] : []), ...(x.max !== undefined ? [`. <= ${x.max}`] : [])];
      return { type: x.integer ? 'integer' : 'decimal', ...(constraint.length ? { constraint } : {}), ...(x.unit ? { hint: x.unit } : {}) };
    },
  },
  editor: {
    partial: 'number',
    blank: () => ({ integer: true }),
    read(form) {
      const integer = form.flag('integer');
      const min = form.number('min', integer);
      const max = form.number('max', integer);
      const unit = form.optionalText('unit');
      return { integer, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(unit ? { unit } : {}) };
    },
  },
};

