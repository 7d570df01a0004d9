import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import { cachedChart, renderSvgChart, spreadLabels } from '../../lib/charts';
import { formatNumber } from './analysis.format';
import type { RoundComparison } from './analysis.service';

/**
 * Slope chart of a comparison: each barrier's mean in the other round (left) joined to its
 * mean in this round (right) on the 1-5 scale, labelled with its code at both ends, so the
 * barriers that rose or fell stand out. Round titles wrap rather than clip; numbers in the
 * reader's locale.
 */
export function slopeChart(cmp: RoundComparison, thisTitle: string, t: TFunction, lang: Language): string {
  // Drawn once per state of both rounds' numbers and the language (lib/charts.ts cachedChart).
  return cachedChart(['slope', lang, thisTitle, cmp], () => drawSlope(cmp, thisTitle, t, lang));
}

function drawSlope(cmp: RoundComparison, thisTitle: string, t: TFunction, lang: Language): string {
  const items = cmp.items.filter((c) => c.current.mean !== null && c.other.mean !== null);
  const num = (v: number) => formatNumber(v, 2, lang);
  const height = Math.max(360, 96 + 13 * items.length);
  const grid = { left: 110, right: 72, top: 48, bottom: 24 };
  // Codes at each end are spread so that none sits on another (12 px apart on the 1-5 axis).
  const gap = (12 * 4) / (height - grid.top - grid.bottom);
  const leftAt = spreadLabels(items.map((c) => c.other.mean!), gap, 1, 5);
  const rightAt = spreadLabels(items.map((c) => c.current.mean!), gap, 1, 5);
  const colour = (c: (typeof items)[number]) => (c.current.mean! > c.other.mean! ? '#b2182b' : '#2166ac');
  const codes = (at: number[], end: 0 | 1) => ({
    type: 'scatter' as const,
    symbol: 'none',
    silent: true,
    data: items.map((c, k) => ({ value: [end, at[k]!], label: { show: true, formatter: c.code, position: end === 0 ? ('left' as const) : ('right' as const), distance: 6, fontSize: 10, color: colour(c) } })),
  });
  const option = {
    grid,
    xAxis: { type: 'category' as const, data: [cmp.round.title, thisTitle], position: 'top' as const, boundaryGap: false, axisLabel: { width: 220, overflow: 'break' as const, interval: 0 }, axisTick: { show: false } },
    // Offset so that the scale's numbers stand clear of the codes at the left ends.
    yAxis: { type: 'value' as const, min: 1, max: 5, interval: 1, offset: 40, axisLabel: { formatter: (v: number) => formatNumber(v, 0, lang) }, splitLine: { lineStyle: { color: '#e0e0e0' } } },
    series: [
      ...items.map((c) => ({
        type: 'line' as const,
        name: c.code,
        data: [c.other.mean, c.current.mean],
        symbolSize: 6,
        lineStyle: { color: colour(c), width: 1.5 },
        itemStyle: { color: colour(c) },
      })),
      codes(leftAt, 0),
      codes(rightAt, 1),
    ],
  };
  const description = items.map((c) => `${c.code}: ${num(c.other.mean!)} → ${num(c.current.mean!)}`).join('; ');
  return renderSvgChart(option as never, { width: 640, height, lang, title: t('analysis:change.slopeTitle'), description: description || t('analysis:charts.noRatings') });
}
