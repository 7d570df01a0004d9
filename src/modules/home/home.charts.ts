import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import { renderSvgChart, wrappedAxisLabel } from '../../lib/charts';

/**
 * The administrator's start page: submitted responses per day for each active round, one line
 * per round, drawn on the server (no script). The text alternative gives each round's total.
 */
export function responsesOverTimeChart(
  data: { days: string[]; series: Array<{ title: string; counts: number[] }> },
  t: TFunction,
  lang: Language,
): string {
  const dayLabel = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`;
  const totals = data.series.map((s) => `${s.title}: ${t('common:start.responses', { count: s.counts.reduce((a, b) => a + b, 0) })}`);
  return renderSvgChart(
    {
      grid: { left: 48, right: 16, top: 16, bottom: 24 + 22 * Math.ceil(data.series.length / 2) + 24 },
      legend: { bottom: 0, type: 'plain', textStyle: { fontSize: 12 } },
      xAxis: { type: 'category', data: data.days.map(dayLabel), axisLabel: { ...wrappedAxisLabel(40), interval: Math.max(0, Math.ceil(data.days.length / 10) - 1) } },
      yAxis: { type: 'value', minInterval: 1, name: t('common:start.chartAxis'), nameLocation: 'middle', nameGap: 34 },
      series: data.series.map((s) => ({ type: 'line', name: s.title, data: s.counts, symbolSize: 4 })),
    },
    {
      width: 720,
      height: 260 + 22 * Math.ceil(data.series.length / 2),
      title: t('common:start.chartTitle', { count: data.days.length }),
      description: t('common:start.chartDescription', { from: dayLabel(data.days[0] ?? ''), to: dayLabel(data.days[data.days.length - 1] ?? ''), totals: totals.join('; ') || '—' }),
      lang,
    },
  );
}
