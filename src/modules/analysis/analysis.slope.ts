import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import { renderSvgChart } from '../../lib/charts';
import { formatNumber } from './analysis.format';
import type { RoundComparison } from './analysis.service';

/**
 * Slope chart of a comparison: each barrier's mean in the other round (left) joined to its
 * mean in this round (right) on the 1-5 scale, labelled with its code at both ends, so the
 * barriers that rose or fell stand out. Round titles wrap rather than clip; numbers in the
 * reader's locale.
 */
export function slopeChart(cmp: RoundComparison, thisTitle: string, t: TFunction, lang: Language): string {
  const items = cmp.items.filter((c) => c.current.mean !== null && c.other.mean !== null);
  const num = (v: number) => formatNumber(v, 2, lang);
  const option = {
    grid: { left: 72, right: 72, top: 48, bottom: 24 },
    xAxis: { type: 'category' as const, data: [cmp.round.title, thisTitle], position: 'top' as const, boundaryGap: false, axisLabel: { width: 220, overflow: 'break' as const, interval: 0 }, axisTick: { show: false } },
    yAxis: { type: 'value' as const, min: 1, max: 5, interval: 1, axisLabel: { formatter: (v: number) => formatNumber(v, 0, lang) }, splitLine: { lineStyle: { color: '#e0e0e0' } } },
    series: items.map((c) => {
      const up = c.current.mean! > c.other.mean!;
      return {
        type: 'line' as const,
        name: c.code,
        data: [c.other.mean, c.current.mean],
        symbolSize: 6,
        lineStyle: { color: up ? '#b2182b' : '#2166ac', width: 1.5 },
        itemStyle: { color: up ? '#b2182b' : '#2166ac' },
        label: { show: true, formatter: (p: { dataIndex: number }) => (p.dataIndex === 0 ? `${c.code} ` : ` ${c.code}`), position: 'left' as const, fontSize: 10 },
        endLabel: { show: true, formatter: c.code, fontSize: 10 },
      };
    }),
  };
  const description = items.map((c) => `${c.code}: ${num(c.other.mean!)} → ${num(c.current.mean!)}`).join('; ');
  return renderSvgChart(option, { width: 640, height: 360, lang, title: t('analysis:change.slopeTitle'), description: description || t('analysis:charts.noRatings') });
}
