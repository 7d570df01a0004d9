import { z } from 'zod';
import { EMPTY_COLUMNS, questionBase, type KindDef, type QuestionCore, xlsOnly } from './common';

/** Open text up to `maxLength` characters; `multiline` gives a text area instead of a line. */
/** The longest text answer Kedergi allows (the schema's maximum). */
const MAX_TEXT_LENGTH = 5000;

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
    if (value.length > q.maxLength) return { error: { key: 'respond:errors.textTooLong', params: { max: q.maxLength, count: q.maxLength } } };
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
  // XLSForm: text; its length as string-length(.) <= n (without one, the longest Kedergi allows); several lines: appearance multiline.
  xlsform: {
    reads: (row) => row.type === 'text',
    read(row, base, issue) {
      xlsOnly(row, issue, [], 'text');
      if (row.choiceFilter) issue('choice_filter', 'exchange:xlsform.choiceFilterUnsupported', { expression: row.choiceFilter });
      if (row.hint) issue('hint', 'exchange:xlsform.hintNotKept');
      let maxLength = MAX_TEXT_LENGTH;
      for (const term of row.constraint) {
        const m = /^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$/.exec(term);
        if (m) maxLength = Number(m[1]);
        else issue('constraint', 'exchange:xlsform.constraintUnsupported', { expression: term });
      }
      return { ...base, kind: 'text', maxLength, ...(row.appearance.includes('multiline') ? { multiline: true } : {}) };
    },
    write(x) {
      return { type: 'text', constraint: [`string-length(.) <= ${x.maxLength}`], ...(x.multiline ? { appearance: 'multiline' } : {}) };
    },
  },
  editor: {
    partial: 'text',
    blank: () => ({ maxLength: 500 }),
    read(form) {
      return { maxLength: form.number('maxLength', true), ...(form.flag('multiline') ? { multiline: true } : {}) };
    },
  },
};

