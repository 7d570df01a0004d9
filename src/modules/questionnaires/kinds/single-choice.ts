import { z } from 'zod';
import { choiceSummary, sampleIndex, type ChoiceSummary } from './choice';
import { EMPTY_COLUMNS, ZOption, ZOther, checkOptions, localized, otherText, otherSample, questionBase, rawList, type ChoiceOption, type ExportColumn, type KindDef, type QuestionCore, type TLocalizedText, type TOther } from './common';
import { readOption, readOther } from './editor';

/**
 * One option out of several. `optionsFrom: "territories"` takes the options from the territory
 * directory (the question then has no `options`); "other, please specify" is an option whose
 * text the respondent writes.
 */
export const ZSingleChoiceQuestion = z
  .strictObject({
    ...questionBase,
    kind: z.literal('single-choice'),
    optionsFrom: z.literal('territories').optional(),
    options: z.array(ZOption).min(2).max(200).optional(),
    other: ZOther.optional(),
  })
  .superRefine((q, ctx) => {
    if (!q.optionsFrom && !q.options) ctx.addIssue({ code: 'custom', path: ['options'], params: { key: 'questionnaires:errors.optionsMissing' } });
    if (q.optionsFrom && q.options) ctx.addIssue({ code: 'custom', path: ['options'], params: { key: 'questionnaires:errors.optionsTwice' } });
  });
export type TSingleChoiceQuestion = z.infer<typeof ZSingleChoiceQuestion>;

export interface SingleChoiceQuestion extends QuestionCore {
  kind: 'single-choice';
  /** Resolved options (territories included, by code). */
  options: ChoiceOption[];
  other?: TOther;
}

export interface SingleChoiceValue {
  option: string;
  other?: string;
}

function label(q: SingleChoiceQuestion, code: string): TLocalizedText | undefined {
  return q.options.find((o) => o.code === code)?.text ?? (q.other?.code === code ? q.other.text : undefined);
}

export const singleChoice: KindDef<SingleChoiceQuestion, SingleChoiceValue, TSingleChoiceQuestion, ChoiceSummary> = {
  kind: 'single-choice',
  schema: ZSingleChoiceQuestion,
  partial: 'single-choice',
  requiredKey: 'respond:errors.required',
  normalise(x) {
    return {
      question: { kind: 'single-choice', code: x.code, text: x.text, options: x.options ?? [], ...(x.other ? { other: x.other } : {}) },
      ...(x.optionsFrom ? { optionsFrom: x.optionsFrom } : {}),
    };
  },
  check(x, issue) {
    if (x.optionsFrom && x.role !== 'territory') issue(['optionsFrom'], 'questionnaires:errors.territoriesRole');
    checkOptions(x.options ?? [], x.other, issue);
  },
  withOptions(q, options) {
    return { ...q, options };
  },
  condition: {
    options: (x) => [...(x.options ?? []).map((o) => o.code), ...(x.other ? [x.other.code] : [])],
    chosen: (v) => [v.option],
  },
  parse(q, raw, other) {
    const list = rawList(raw);
    if (list === null) return { error: { key: 'respond:errors.invalidChoice' } };
    if (list.length === 0) return { blank: true };
    if (list.length > 1) return { error: { key: 'respond:errors.chooseOne' } };
    const code = list[0]!;
    if (q.other && code === q.other.code) {
      const text = otherText(q.other, other);
      return 'error' in text ? text : 'value' in text ? { value: { option: code, other: text.value } } : text;
    }
    if (!q.options.some((o) => o.code === code)) return { error: { key: 'respond:errors.invalidChoice' } };
    return { value: { option: code } };
  },
  encode(_q, v) {
    return { ...EMPTY_COLUMNS, choice: v.option, text: v.other ?? null };
  },
  decode(q, c) {
    if (!c.choice || !label(q, c.choice)) return undefined;
    return c.text !== null && q.other?.code === c.choice ? { option: c.choice, other: c.text } : { option: c.choice };
  },
  formValue(_q, v) {
    return v.option;
  },
  display(q, v, lang) {
    const text = label(q, v.option);
    const name = text ? localized(text, lang) : v.option;
    return v.other ? `${name}: ${v.other}` : name;
  },
  exportColumns(q) {
    const values = [...q.options, ...(q.other ? [q.other] : [])].map((o, i) => ({ code: i + 1, label: o.text }));
    const columns: ExportColumn[] = [{ code: q.code, label: q.text, type: 'number', values }];
    if (q.other) columns.push({ code: `${q.code}_${q.other.code}_text`, label: q.other.text, type: 'text', values: [] });
    return columns;
  },
  exportCells(q, v) {
    const cells: Array<string | number | null> = [null];
    if (q.other) cells.push(null);
    if (!v) return cells;
    const all = [...q.options, ...(q.other ? [q.other] : [])];
    cells[0] = all.findIndex((o) => o.code === v.option) + 1 || null;
    if (q.other) cells[1] = v.other ?? null;
    return cells;
  },
  analysis: {
    source: 'answers',
    partial: 'choice',
    summarise: (q, input) => choiceSummary(false, [...q.options, ...(q.other ? [q.other] : [])], input),
  },
  sample(q, { random, texts }) {
    const option = q.options[sampleIndex(q.options.length, random)]!.code;
    if (q.other && random() < 0.1) return { option: q.other.code, other: otherSample(q.other, texts) };
    return { option };
  },
  editor: {
    partial: 'single-choice',
    blank: () => ({ options: [] }),
    read(form) {
      const fromTerritories = form.str('optionsFrom') === 'territories';
      const options = form.rows('options', (p) => readOption(form, p));
      const other = readOther(form);
      return {
        ...(fromTerritories ? { optionsFrom: 'territories' } : {}),
        ...(options.length || !fromTerritories ? { options } : {}),
        ...(other ? { other } : {}),
      };
    },
  },
};

