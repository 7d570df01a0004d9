import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDomainDir } from '../../../src/paths';
import { translator } from '../../../src/i18n';
import { likertSummaryFromCounts } from '../../../src/math/likert-summary';
import { distributionChart, meansChart } from '../../../src/modules/analysis/analysis.charts';
import { formatInterval, formatNumber, formatP, formatPercent } from '../../../src/modules/analysis/analysis.format';
import type { ItemRanking, RankingScale } from '../../../src/modules/analysis/analysis.service';

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
const seed = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8'));
const five: RankingScale = { min: 1, max: 5, points: [1, 2, 3, 4, 5], labels: seed.scale.labels };
const desc = (svg: string) => /<desc[^>]*>([^<]*)<\/desc>/.exec(svg)![1]!;

/**
 * A value on a drawn axis: found from the x of two tick labels (e.g. "0 %" and "100 %", or "1" and
 * "5"); a label written twice (the distribution's "100 %" on both sides) is taken at its rightmost.
 */
function axis(svg: string, [a, b]: [string, string], [va, vb]: [number, number]): (x: number) => number {
  const at = (label: string) => Math.max(...[...svg.matchAll(new RegExp(`<text x="([\\d.]+)" y="[\\d.]+">${label}</text>`, 'g'))].map((m) => Number(m[1])));
  const [xa, xb] = [at(a), at(b)];
  return (x) => va + ((x - xa) * (vb - va)) / (xb - xa);
}

/** The bars of the distribution chart, row by row (top to bottom), each as [from, to] on the axis and its colour. */
function bars(svg: string, value: (x: number) => number): Array<Array<{ from: number; to: number; fill: string }>> {
  const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="16" fill="([^"]+)"\/>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), fill: m[4]! }));
  const rows = [...new Set(rects.map((r) => r.y))].sort((a, b) => a - b);
  return rows.map((y) => rects.filter((r) => r.y === y).map((r) => ({ from: value(r.x), to: value(r.x + r.w), fill: r.fill })).sort((a, b) => a.from - b.from));
}

describe('analysis charts', () => {
  const many = [item('B01', [0, 1, 2, 3, 4], 1), item('B02', [4, 3, 2, 1, 0], 2)];

  it('describes the distribution in words, shares as the bars show them', () => {
    const svg = distributionChart(many, five, en, 'en');
    expect(svg).toMatch(/^<svg[^>]*role="img"/);
    // B01: 1-2 = 1/10, 3 = 2/10, 4-5 = 7/10 (hand-computed from the counts).
    expect(desc(svg)).toContain('B01: 1–2 10%, 3 20%, 4–5 70% (n = 10)');
    expect(desc(svg)).toContain('B02: 1–2 70%, 3 20%, 4–5 10% (n = 10)');
    expect(svg).toContain('Critical barrier');
  });

  it("draws each barrier's bars where its shares put them: lower points left of the centre, higher right, the middle point split", () => {
    const svg = distributionChart(many, five, en, 'en');
    const drawn = bars(svg, axis(svg, ['0 %', '100 %'], [0, 100]));
    const close = (got: Array<{ from: number; to: number; fill: string }>, want: Array<[number, number, string]>) => {
      expect(got.map((b) => b.fill)).toEqual(want.map((w) => w[2]));
      got.forEach((b, k) => {
        expect(b.from).toBeCloseTo(want[k]![0], 0);
        expect(b.to).toBeCloseTo(want[k]![1], 0);
      });
    };
    // B01 = [0, 1, 2, 3, 4] of 10: 2 is 10 % (-20..-10), half of 3 each side (10 %), 4 is 30 % (10..40), 5 is 40 % (40..80).
    close(drawn[0]!, [[-20, -10, '#92c5de'], [-10, 0, '#bdbdbd'], [0, 10, '#bdbdbd'], [10, 40, '#f4a582'], [40, 80, '#b2182b']]);
    // B02 = [4, 3, 2, 1, 0]: the mirror image.
    close(drawn[1]!, [[-80, -40, '#2166ac'], [-40, -10, '#92c5de'], [-10, 0, '#bdbdbd'], [0, 10, '#bdbdbd'], [10, 20, '#f4a582']]);
  });

  it('draws each mean as a dot on the rating axis with its 95 % interval as a whisker', () => {
    const svg = meansChart(many, five, en, 'en');
    const value = axis(svg, ['1', '5'], [1, 5]);
    const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ mean: value(Number(m[1])), y: Number(m[2]) }));
    expect(dots.map((d) => d.mean)).toEqual([expect.closeTo(many[0]!.mean!, 1), expect.closeTo(many[1]!.mean!, 1)]);
    expect(dots[0]!.y).toBeLessThan(dots[1]!.y); // rank order, top down
    const whisker = /<path d="M([\d.]+) ([\d.]+)H([\d.]+)/.exec(svg)!;
    expect(value(Number(whisker[1]))).toBeCloseTo(many[0]!.ciLow!, 1);
    expect(value(Number(whisker[3]))).toBeCloseTo(many[0]!.ciHigh!, 1);
    expect(Number(whisker[2])).toBe(dots[0]!.y);
  });

  it('draws a 0-10 scale on its own points: eleven levels, lower five left, 5 split, upper five right', () => {
    const labels = Object.fromEntries(Array.from({ length: 11 }, (_, v) => [String(v), { kk: `k${v}`, ru: `r${v}`, en: `point ${v}` }]));
    const ten: RankingScale = { min: 0, max: 10, points: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], labels };
    // Ratings 0, 7, 10 and 3: lower half (0-4) 2 of 4, middle (5) none, upper half (6-10) 2 of 4.
    const counts = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1];
    const summary = { ...item('Q1', [1, 1], 1), ...likertSummaryFromCounts(counts, 0.95, 0) };
    const svg = distributionChart([summary], ten, en, 'en');
    expect(desc(svg)).toContain('Q1: 0–4 50%, 5 0%, 6–10 50% (n = 4)');
    expect(svg).toContain('point 10');
    expect(desc(meansChart([summary], ten, en, 'en'))).toContain('Q1: 5.00');
  });

  it('describes means with their intervals, and a single rating without one', () => {
    const svg = meansChart([many[0]!, item('B03', [0, 0, 0, 1, 0], 3), item('B04', [0, 0, 0, 0, 0], null)], five, en, 'en');
    expect(desc(svg)).toMatch(/B01: 4\.00 \(3\.\d\d – 4\.\d\d, n = 10\)/);
    expect(desc(svg)).toContain('B03: 4.00 (one rating, no interval)');
    expect(desc(svg)).toContain('B04: no ratings');
  });

  it('says so when there is nothing to draw', () => {
    const empty = [item('B01', [0, 0, 0, 0, 0], null)];
    for (const svg of [distributionChart(empty, five, en, 'en'), meansChart(empty, five, en, 'en')]) {
      expect(svg).toContain('No ratings yet');
      expect(svg).not.toMatch(/NaN/);
    }
    expect(distributionChart([], five, en, 'en')).toMatch(/<svg/);
  });

  it('writes the chart text in the reader language', () => {
    expect(desc(meansChart(many, five, translator('kk'), 'kk'))).toMatch(/B01: 4,00/);
    expect(desc(distributionChart(many, five, translator('ru'), 'ru'))).toMatch(/B01: 1–2 — 10\s%/); // Intl puts a no-break space before % in Russian
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
