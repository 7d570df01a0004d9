import { z } from 'zod';
import { EMPTY_COLUMNS, questionBase, type KindModule, type QuestionCore } from './common';
import type { KindEditor } from './editor';

/** Open text up to `maxLength` characters; `multiline` gives a text area instead of a line. */
export const ZTextQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('text'),
  maxLength: z.number().int().min(1).max(5000),
  multiline: z.boolean().optional(),
});

export interface TextQuestion extends QuestionCore {
  kind: 'text';
  maxLength: number;
  multiline?: boolean;
}

export interface TextValue {
  text: string;
}

export const text: KindModule<TextQuestion, TextValue> = {
  kind: 'text',
  schema: ZTextQuestion,
  partial: 'text',
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
};

export const textEditor: KindEditor = {
  kind: 'text',
  partial: 'text',
  blank: () => ({ maxLength: 500 }),
  read(form) {
    return { maxLength: form.number('maxLength', true), ...(form.flag('multiline') ? { multiline: true } : {}) };
  },
};
