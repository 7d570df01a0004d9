import type { Language } from '../../i18n';
import { formatChartNumber, renderSvgChart } from '../../lib/charts';
import type { IndicatorView } from './programmes.service';

type T = (key: string, params?: Record<string, unknown>) => string;

const round = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

/**
 * One indicator over the programme's years: the baseline, the yearly targets, the actuals entered
 * and the trend projection with its 95 % prediction band (drawn as two dashed bounds, so the chart
 * reads the same in print and in black and white).
 */
export function indicatorChart(view: IndicatorView, name: string, unit: string, t: T, lang: Language): string {
  const ind = view.indicator;
  const years: number[] = [];
  for (let y = ind.baselineYear; y <= view.finalYear; y++) years.push(y);
  const at = (year: number) => view.years.find((y) => y.year === year);
  const line = new Map((view.projection?.line ?? []).map((p) => [p.year, p]));
  const series: object[] = [
    {
      name: t('programmes:chart.baseline'),
      type: 'scatter',
      symbolSize: 12,
      symbol: 'diamond',
      data: years.map((y) => (y === ind.baselineYear ? round(ind.baselineValue) : null)),
    },
    { name: t('programmes:chart.target'), type: 'line', step: false, lineStyle: { width: 2 }, data: years.map((y) => round(ind.targets.get(y))) },
    {
      name: t('programmes:chart.actual'),
      type: 'line',
      symbol: 'circle',
      symbolSize: 9,
      lineStyle: { width: 3 },
      data: years.map((y) => round(at(y)?.actual?.value ?? (y === ind.baselineYear ? ind.baselineValue : undefined))),
      connectNulls: false,
    },
  ];
  if (view.projection) {
    series.push({ name: t('programmes:chart.trend'), type: 'line', symbol: 'none', lineStyle: { type: 'dashed' }, data: years.map((y) => round(line.get(y)?.value)) });
    if (view.projection.interval) {
      const band = { type: 'line', symbol: 'none', lineStyle: { type: 'dotted', width: 1 }, color: '#888' };
      series.push({ ...band, name: t('programmes:chart.interval'), data: years.map((y) => round(line.get(y)?.lower)) });
      series.push({ ...band, name: t('programmes:chart.interval'), data: years.map((y) => round(line.get(y)?.upper)) });
    }
  }
  const latest = view.latest;
  const shown = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatChartNumber(v, lang, 3));
  return renderSvgChart(
    {
      legend: { top: 0 },
      grid: { left: 70, right: 20, top: 50, bottom: 40 },
      xAxis: { type: 'category', data: years.map(String) },
      yAxis: { type: 'value', name: unit, scale: true, inverse: ind.direction === 'lower' },
      series: series as never,
    },
    {
      width: 720,
      height: 340,
      lang,
      title: t('programmes:chart.title', { name }),
      description: t('programmes:chart.description', {
        baselineYear: ind.baselineYear,
        baseline: shown(ind.baselineValue),
        finalYear: view.finalYear,
        finalTarget: shown(view.finalTarget),
        latest: latest ? `${latest.year}: ${shown(latest.actual!.value)}` : t('programmes:noActuals'),
        projection: view.projection ? shown(view.projection.value) : '—',
        unit,
      }),
    },
  );
}
