import { z } from 'zod';
import { EMPTY_COLUMNS, questionBase, type KindDef, type QuestionCore } from './common';

/** Open text up to `maxLength` characters; `multiline` gives a text area instead of a line. */
export const ZTextQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('text'),
  maxLength: z.number().int().min(1).max(5000),
  multiline: z.boolean().optional(),
});
export type TTextQuestion = z.infer<typeof ZTextQuestion>;

export interface TextQuestion extends QuestionCore {
  kind: 'text';
  maxLength: number;
  multiline?: boolean;
}

export interface TextValue {
  text: string;
}

export const text: KindDef<TextQuestion, TextValue, TTextQuestion, { total: number; texts: string[] }> = {
  kind: 'text',
  schema: ZTextQuestion,
  partial: 'text',
  requiredKey: 'respond:errors.required',
  normalise(x) {
    return { question: { kind: 'text', code: x.code, text: x.text, maxLength: x.maxLength, ...(x.multiline ? { multiline: true } : {}) } };
  },
  check() {},
  parse(q, raw) {
    if (raw === undefined || raw === null) return { blank: true };
    if (typeof raw !== 'string') return { error: { key: 'respond:errors.textExpected' } };
    const value = raw.trim().replace(/\r\n/g, '\n');
    if (!value) return { blank: true };
    if (value.length > q.maxLength) return { error: { key: 'respond:errors.textTooLong', params: { max: q.maxLength } } };
    return { value: { text: value } };
  },
  encode(_q, v) {
    return { ...EMPTY_COLUMNS, text: v.text };
  },
  decode(_q, c) {
    return c.text === null ? undefined : { text: c.text };
  },
  formValue(_q, v) {
    return v.text;
  },
  display(_q, v) {
    return v.text;
  },
  exportColumns(q) {
    return [{ code: q.code, label: q.text, type: 'text', values: [] }];
  },
  exportCells(_q, v) {
    return [v ? v.text : null];
  },
  // A filterable list: the analysis fetches the texts matching the page's filter.
  analysis: { source: 'texts', partial: 'text', summarise: (_q, { texts }) => ({ n: texts.total, ...texts }) },
  sample(q, { random, texts }) {
    const text = (texts[Math.floor(random() * texts.length)] ?? 'text').trim().slice(0, q.maxLength).trim();
    return { text: text || 'x' };
  },
  editor: {
    partial: 'text',
    blank: () => ({ maxLength: 500 }),
    read(form) {
      return { maxLength: form.number('maxLength', true), ...(form.flag('multiline') ? { multiline: true } : {}) };
    },
  },
};

