import { z } from 'zod';
import { choiceSummary, type ChoiceSummary } from './choice';
import { EMPTY_COLUMNS, ZExclusiveOption, ZOther, checkOptions, localized, otherSample, otherText, questionBase, rawList, splitCodes, type ExportColumn, type KindDef, type QuestionCore, type TOption, type TOther, xlsOnly, xlsOptions } from './common';
import { readOption, readOther } from './editor';

/**
 * Any number of options (at most `maxChoices` when given). An `exclusive` option such as
 * "none" cannot be combined with others; "other, please specify" adds a written answer.
 */
export const ZMultiChoiceQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('multi-choice'),
  options: z.array(ZExclusiveOption).min(2).max(100),
  other: ZOther.optional(),
  maxChoices: z.number().int().min(1).max(100).optional(),
});
export type TMultiChoiceQuestion = z.infer<typeof ZMultiChoiceQuestion>;

export interface MultiChoiceQuestion extends QuestionCore {
  kind: 'multi-choice';
  options: TOption[];
  other?: TOther;
  maxChoices?: number;
}

export interface MultiChoiceValue {
  /** In the definition's order, "other" last. */
  options: string[];
  other?: string;
}

function allCodes(q: Pick<MultiChoiceQuestion, 'options' | 'other'>): string[] {
  return [...q.options.map((o) => o.code), ...(q.other ? [q.other.code] : [])];
}

export const multiChoice: KindDef<MultiChoiceQuestion, MultiChoiceValue, TMultiChoiceQuestion, ChoiceSummary> = {
  kind: 'multi-choice',
  schema: ZMultiChoiceQuestion,
  partial: 'multi-choice',
  requiredKey: 'respond:errors.required',
  normalise(x) {
    return {
      question: { kind: 'multi-choice', code: x.code, text: x.text, options: x.options, ...(x.other ? { other: x.other } : {}), ...(x.maxChoices !== undefined ? { maxChoices: x.maxChoices } : {}) },
    };
  },
  check(x, issue) {
    checkOptions(x.options, x.other, issue);
    if (x.maxChoices !== undefined && x.maxChoices > x.options.length + (x.other ? 1 : 0)) issue(['maxChoices'], 'questionnaires:errors.maxChoices');
  },
  condition: {
    options: (x) => allCodes(x),
    chosen: (v) => v.options,
  },
  parse(q, raw, other) {
    const list = rawList(raw);
    if (list === null) return { error: { key: 'respond:errors.invalidChoice' } };
    const codes = [...new Set(list)];
    if (codes.length === 0) return { blank: true };
    const known = allCodes(q);
    if (codes.some((c) => !known.includes(c))) return { error: { key: 'respond:errors.invalidChoice' } };
    const exclusive = q.options.find((o) => o.exclusive && codes.includes(o.code));
    if (exclusive && codes.length > 1) {
      // The option's label goes in per language: each catalogue's message picks its own.
      return { error: { key: 'respond:errors.exclusive', params: { option_kk: exclusive.text.kk, option_ru: exclusive.text.ru, option_en: exclusive.text.en } } };
    }
    if (q.maxChoices !== undefined && codes.length > q.maxChoices) return { error: { key: 'respond:errors.tooManyChoices', params: { max: q.maxChoices, count: q.maxChoices } } };
    // Keep the definition's order, so the stored answer does not depend on the order of the form fields.
    const ordered = known.filter((c) => codes.includes(c));
    if (q.other && ordered.includes(q.other.code)) {
      const text = otherText(q.other, other);
      if (!('value' in text)) return 'error' in text ? text : { blank: true };
      return { value: { options: ordered, other: text.value } };
    }
    return { value: { options: ordered } };
  },
  encode(_q, v) {
    return { ...EMPTY_COLUMNS, choice: v.options.join(' '), text: v.other ?? null };
  },
  decode(q, c) {
    const known = allCodes(q);
    const codes = splitCodes(c.choice).filter((code) => known.includes(code));
    if (codes.length === 0) return undefined;
    return q.other && codes.includes(q.other.code) && c.text !== null ? { options: codes, other: c.text } : { options: codes };
  },
  formValue(_q, v) {
    return v.options;
  },
  display(q, v, lang) {
    return v.options
      .map((code) => {
        if (q.other?.code === code) return `${localized(q.other.text, lang)}: ${v.other ?? ''}`;
        const option = q.options.find((o) => o.code === code);
        return option ? localized(option.text, lang) : code;
      })
      .join('; ');
  },
  exportColumns(q) {
    // One 0/1 column per option: what SPSS and R users expect of a multiple-response set.
    const chosen = (label: TOption['text']) => [
      { code: 0, label: { kk: 'Таңдалмаған', ru: 'Не выбрано', en: 'Not chosen' } },
      { code: 1, label },
    ];
    const columns: ExportColumn[] = [...q.options, ...(q.other ? [q.other] : [])].map((o) => ({ code: `${q.code}_${o.code}`, label: { kk: `${q.text.kk}: ${o.text.kk}`, ru: `${q.text.ru}: ${o.text.ru}`, en: `${q.text.en}: ${o.text.en}` }, type: 'number' as const, values: chosen(o.text) }));
    if (q.other) columns.push({ code: `${q.code}_${q.other.code}_text`, label: q.other.text, type: 'text', values: [] });
    return columns;
  },
  exportCells(q, v) {
    const codes = allCodes(q);
    const cells: Array<string | number | null> = codes.map((code) => (v ? (v.options.includes(code) ? 1 : 0) : null));
    if (q.other) cells.push(v?.other ?? null);
    return cells;
  },
  analysis: {
    source: 'answers',
    partial: 'choice',
    summarise: (q, input) => choiceSummary(true, [...q.options, ...(q.other ? [q.other] : [])], input),
  },
  /** Earlier options likelier; an exclusive option ("none") alone when nothing else is chosen. */
  sample(q, { random, texts }) {
    const plain = q.options.filter((o) => !o.exclusive);
    const limit = q.maxChoices ?? plain.length;
    const chosen = plain.filter((_, i) => random() < 0.45 / (1 + i * 0.25)).slice(0, limit).map((o) => o.code);
    const exclusive = q.options.find((o) => o.exclusive);
    if (chosen.length === 0) return { options: [exclusive?.code ?? plain[0]?.code ?? q.options[0]!.code] };
    if (q.other && chosen.length < limit && random() < 0.1) return { options: [...chosen, q.other.code], other: otherSample(q.other, texts) };
    return { options: chosen };
  },
  // XLSForm: select_multiple; at most n as count-selected(.) <= n, an exclusive option as
  // not(selected(., 'X') and count-selected(.) > 1), which ODK enforces as it is written.
  xlsform: {
    reads: (row) => row.type === 'select_multiple',
    read(row, base, issue) {
      xlsOnly(row, issue, [], 'select_multiple');
      if (row.hint) issue('hint', 'exchange:xlsform.hintNotKept');
      if (row.choiceFilter) issue('choice_filter', 'exchange:xlsform.choiceFilterUnsupported', { expression: row.choiceFilter });
      const options: TOption[] = xlsOptions(row, issue);
      let maxChoices: number | undefined;
      for (const term of row.constraint) {
        const exclusive = /^not\(\s*selected\(\s*\.\s*,\s*(['"])([^'"]+)\1\s*\)\s+and\s+count-selected\(\s*\.\s*\)\s*>\s*1\s*\)$/.exec(term);
        const most = /^count-selected\(\s*\.\s*\)\s*<=\s*(\d+)$/.exec(term);
        const option = exclusive ? options.find((o) => o.code === exclusive[2]) : undefined;
        if (option) option.exclusive = true;
        else if (most) maxChoices = Number(most[1]);
        else issue('constraint', 'exchange:xlsform.constraintUnsupported', { expression: term });
      }
      return {
        ...base,
        kind: 'multi-choice',
        options: options.map((o) => ({ code: o.code, ...(o.exclusive ? { exclusive: true } : {}), text: o.text })),
        ...(row.other ? { other: row.other } : {}),
        ...(maxChoices !== undefined ? { maxChoices } : {}),
      };
    },
    write(x) {
      const constraint = [...x.options.filter((o) => o.exclusive).map((o) => `not(selected(., '${o.code}') and count-selected(.) > 1)`), ...(x.maxChoices !== undefined ? [`count-selected(.) <= ${x.maxChoices}`] : [])];
      return { type: 'select_multiple', list: { choices: x.options.map((o) => ({ name: o.code, text: o.text })) }, ...(constraint.length ? { constraint } : {}), ...(x.other ? { other: x.other } : {}) };
    },
  },
  editor: {
    partial: 'multi-choice',
    blank: () => ({ options: [] }),
    read(form) {
      const other = readOther(form);
      const maxChoices = form.number('maxChoices', true);
      return {
        options: form.rows('options', (p) => readOption(form, p, true)),
        ...(other ? { other } : {}),
        ...(maxChoices !== undefined ? { maxChoices } : {}),
      };
    },
  },
};

