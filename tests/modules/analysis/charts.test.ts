import { describe, expect, it } from 'vitest';
import { translator } from '../../../src/i18n';
import { likertSummaryFromCounts } from '../../../src/math/likert-summary';
import { distributionChart, meansChart } from '../../../src/modules/analysis/analysis.charts';
import { formatInterval, formatNumber, formatP, formatPercent } from '../../../src/modules/analysis/analysis.format';
import type { ItemRanking } from '../../../src/modules/analysis/analysis.service';

function item(code: string, counts: number[], rank: number | null): ItemRanking {
  return {
    ...likertSummaryFromCounts(counts),
    id: 1,
    code,
    position: 1,
    categoryId: 1,
    categoryCode: 'C1',
    text_kk: code,
    text_ru: code,
    text_en: code,
    cannotJudge: 0,
    rank,
    kruskalWallis: null,
  };
}

const en = translator('en');
const desc = (svg: string) => /<desc[^>]*>([^<]*)<\/desc>/.exec(svg)![1]!;

describe('analysis charts', () => {
  const many = [item('B01', [0, 1, 2, 3, 4], 1), item('B02', [4, 3, 2, 1, 0], 2)];

  it('describes the distribution in words, shares as the bars show them', () => {
    const svg = distributionChart(many, en, 'en');
    expect(svg).toMatch(/^<svg[^>]*role="img"/);
    // B01: 1-2 = 1/10, 3 = 2/10, 4-5 = 7/10 (hand-computed from the counts).
    expect(desc(svg)).toContain('B01: 1–2 10%, 3 20%, 4–5 70% (n = 10)');
    expect(desc(svg)).toContain('B02: 1–2 70%, 3 20%, 4–5 10% (n = 10)');
    expect(svg).toContain('Critical barrier');
  });

  it('describes means with their intervals, and a single rating without one', () => {
    const svg = meansChart([many[0]!, item('B03', [0, 0, 0, 1, 0], 3), item('B04', [0, 0, 0, 0, 0], null)], en, 'en');
    expect(desc(svg)).toMatch(/B01: 4\.00 \(3\.\d\d – 4\.\d\d, n = 10\)/);
    expect(desc(svg)).toContain('B03: 4.00 (one rating, no interval)');
    expect(desc(svg)).toContain('B04: no ratings');
  });

  it('says so when there is nothing to draw', () => {
    const empty = [item('B01', [0, 0, 0, 0, 0], null)];
    for (const svg of [distributionChart(empty, en, 'en'), meansChart(empty, en, 'en')]) {
      expect(svg).toContain('No ratings yet');
      expect(svg).not.toMatch(/NaN/);
    }
    expect(distributionChart([], en, 'en')).toMatch(/<svg/);
  });

  it('writes the chart text in the reader language', () => {
    expect(desc(meansChart(many, translator('kk'), 'kk'))).toMatch(/B01: 4,00/);
    expect(desc(distributionChart(many, translator('ru'), 'ru'))).toMatch(/B01: 1–2 — 10\s%/); // Intl puts a no-break space before % in Russian
  });
});

describe('analysis number formats', () => {
  it('writes decimals as the reader does and dashes for undefined values', () => {
    expect(formatNumber(3.14159, 2, 'kk')).toBe('3,14');
    expect(formatNumber(3.14159, 2, 'en')).toBe('3.14');
    expect(formatNumber(null, 2, 'en')).toBe('–');
    expect(formatNumber(Number.NaN, 2, 'ru')).toBe('–');
    expect(formatPercent(0.723, 'en')).toBe('72%');
    expect(formatP(0.0004, 'en')).toBe('< 0.001');
    expect(formatP(0.04759, 'ru')).toBe('0,048');
    expect(formatInterval(1, null, 2, 'en')).toBe('–');
    expect(formatInterval(1.234, 2.5, 2, 'en')).toBe('1.23 – 2.50');
  });
});
