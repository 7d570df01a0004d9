import { z } from 'zod';
import { EMPTY_COLUMNS, ZOption, checkOptions, localized, questionBase, splitCodes, type KindModule, type QuestionCore, type TLocalizedText } from './common';
import { readOption, type KindEditor } from './editor';

/** Order the `pick` most important of n options: rank 1 is the most important. */
export const ZRankingQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('ranking'),
  options: z.array(ZOption).min(2).max(30),
  pick: z.number().int().min(1).max(30),
});

export interface RankingQuestion extends QuestionCore {
  kind: 'ranking';
  options: Array<{ code: string; text: TLocalizedText }>;
  pick: number;
}

/** Option codes, most important first; exactly min(pick, n) of them. */
export interface RankingValue {
  order: string[];
}

export function rankingDepth(q: Pick<RankingQuestion, 'options' | 'pick'>): number {
  return Math.min(q.pick, q.options.length);
}

export const ranking: KindModule<RankingQuestion, RankingValue> = {
  kind: 'ranking',
  schema: ZRankingQuestion,
  partial: 'ranking',
  check(q, issue) {
    checkOptions(q.options, undefined, issue);
    if (q.pick > q.options.length) issue(['pick'], 'questionnaires:errors.pickTooMany');
  },
  /**
   * A form posts a rank per option (answers[Q][OPTION] = "1".."k", blank = not ranked); a JSON
   * client may post the codes in order instead. Ranks 1..k must each be given exactly once.
   */
  parse(q, raw) {
    const k = rankingDepth(q);
    const known = new Set(q.options.map((o) => o.code));
    let order: string[];
    if (Array.isArray(raw)) {
      order = raw.map((c) => String(c).trim()).filter(Boolean);
      if (order.length === 0) return { blank: true };
      if (order.some((c) => !known.has(c))) return { error: { key: 'respond:errors.invalidChoice' } };
      if (new Set(order).size !== order.length) return { error: { key: 'respond:errors.rankTwice' } };
    } else if (raw && typeof raw === 'object') {
      const entries = Object.entries(raw).filter(([, v]) => typeof v === 'string' && v.trim() !== '');
      if (entries.length === 0) return { blank: true };
      if (entries.some(([code]) => !known.has(code))) return { error: { key: 'respond:errors.invalidChoice' } };
      const slots: string[] = [];
      for (const [code, v] of entries) {
        const rank = /^\s*\d{1,2}\s*$/.test(String(v)) ? Number(v) : NaN;
        if (!Number.isInteger(rank) || rank < 1 || rank > k) return { error: { key: 'respond:errors.rankRange', params: { k } } };
        if (slots[rank - 1] !== undefined) return { error: { key: 'respond:errors.rankTwice' } };
        slots[rank - 1] = code;
      }
      order = slots;
    } else if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      return { blank: true };
    } else {
      return { error: { key: 'respond:errors.invalidChoice' } };
    }
    if (order.length !== k || order.some((c) => c === undefined)) return { error: { key: 'respond:errors.rankIncomplete', params: { k } } };
    return { value: { order } };
  },
  encode(_q, v) {
    return { ...EMPTY_COLUMNS, choice: v.order.join(' ') };
  },
  decode(q, c) {
    const order = splitCodes(c.choice);
    if (order.length !== rankingDepth(q) || order.some((code) => !q.options.some((o) => o.code === code))) return undefined;
    return { order };
  },
  formValue(_q, v) {
    return Object.fromEntries(v.order.map((code, i) => [code, String(i + 1)]));
  },
  display(q, v, lang) {
    return v.order.map((code, i) => `${i + 1}. ${localized(q.options.find((o) => o.code === code)?.text ?? { kk: code, ru: code, en: code }, lang)}`).join('; ');
  },
  exportColumns(q) {
    // One column per option holding its rank; an option left out of the top k is empty.
    return q.options.map((o) => ({
      code: `${q.code}_${o.code}`,
      label: { kk: `${q.text.kk}: ${o.text.kk}`, ru: `${q.text.ru}: ${o.text.ru}`, en: `${q.text.en}: ${o.text.en}` },
      type: 'number' as const,
      values: [],
    }));
  },
  exportCells(q, v) {
    return q.options.map((o) => {
      if (!v) return null;
      const i = v.order.indexOf(o.code);
      return i < 0 ? null : i + 1;
    });
  },
};

export const rankingEditor: KindEditor = {
  kind: 'ranking',
  partial: 'ranking',
  blank: () => ({ options: [], pick: 3 }),
  read(form) {
    return { options: form.rows('options', (p) => readOption(form, p)), pick: form.number('pick', true) };
  },
};
