import { z } from 'zod';
import { kendallWFromPatterns } from '../../../math/kendallWFromPatterns';
import type { KendallW } from '../../../math/kendall-w';
import { EMPTY_COLUMNS, ZOption, checkOptions, localized, questionBase, splitCodes, type KindDef, type QuestionCore, type TLocalizedText } from './common';
import { readOption } from './editor';

/** Order the `pick` most important of n options: rank 1 is the most important. */
export const ZRankingQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('ranking'),
  options: z.array(ZOption).min(2).max(30),
  pick: z.number().int().min(1).max(30),
});
export type TRankingQuestion = z.infer<typeof ZRankingQuestion>;

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

export interface RankingSummary {
  n: number;
  pick: number;
  options: Array<{ code: string; text: TLocalizedText; timesRanked: number; meanRank: number | null; shareFirst: number | null; borda: number; bordaPerRespondent: number | null }>;
  /** Agreement between respondents (Kendall's W), unranked options sharing the remaining places. */
  kendall: KendallW | null;
}

/** Mean rank, share ranked first and Borda score per option; Kendall's W across respondents. */
function rankingSummary(q: RankingQuestion, groups: Array<{ choice: string | null; count: number }>): RankingSummary {
  const k = rankingDepth(q);
  const size = q.options.length;
  // An option left out of the top k shares the remaining places k+1..n: its mid-rank.
  const unranked = (k + 1 + size) / 2;
  const patterns = new Map<string, number>();
  for (const g of groups) if (g.choice) patterns.set(g.choice, (patterns.get(g.choice) ?? 0) + g.count);
  const n = [...patterns.values()].reduce((s, c) => s + c, 0);
  const scored = [...patterns].map(([choice, count]) => {
    const order = choice.split(' ');
    return { count, scores: q.options.map((o) => (order.includes(o.code) ? order.indexOf(o.code) + 1 : unranked)), order };
  });
  const options = q.options.map((o, i) => {
    const timesRanked = scored.reduce((s, p) => s + (p.order.includes(o.code) ? p.count : 0), 0);
    const first = scored.reduce((s, p) => s + (p.order[0] === o.code ? p.count : 0), 0);
    // Borda: k points for first place down to 1 for place k, nothing when not ranked.
    const borda = scored.reduce((s, p) => s + (p.order.includes(o.code) ? p.count * (k - p.order.indexOf(o.code)) : 0), 0);
    const meanRank = n > 0 ? scored.reduce((s, p) => s + p.count * p.scores[i]!, 0) / n : null;
    return { code: o.code, text: o.text, timesRanked, meanRank, shareFirst: n > 0 ? first / n : null, borda, bordaPerRespondent: n > 0 ? borda / n : null };
  });
  return { n, pick: k, options, kendall: kendallWFromPatterns(scored) };
}

export const ranking: KindDef<RankingQuestion, RankingValue, TRankingQuestion, RankingSummary> = {
  kind: 'ranking',
  schema: ZRankingQuestion,
  partial: 'ranking',
  requiredKey: 'respond:errors.required',
  normalise(x) {
    return { question: { kind: 'ranking', code: x.code, text: x.text, options: x.options, pick: x.pick } };
  },
  check(x, issue) {
    checkOptions(x.options, undefined, issue);
    if (x.pick > x.options.length) issue(['pick'], 'questionnaires:errors.pickTooMany');
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
  analysis: { source: 'answers', partial: 'ranking', summarise: (q, input) => rankingSummary(q, input.groups) },
  /** Earlier options tend to rank higher, with plenty of disagreement. */
  sample(q, { random }) {
    const keyed = q.options.map((o, i) => ({ code: o.code, key: random() * (q.options.length - i * 0.6) }));
    return { order: keyed.sort((a, b) => b.key - a.key).slice(0, rankingDepth(q)).map((o) => o.code) };
  },
  editor: {
    partial: 'ranking',
    blank: () => ({ options: [], pick: 3 }),
    read(form) {
      return { options: form.rows('options', (p) => readOption(form, p)), pick: form.number('pick', true) };
    },
  },
};

