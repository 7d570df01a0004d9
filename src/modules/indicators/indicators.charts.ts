import type { Language } from '../../i18n';
import { formatChartNumber, renderSvgChart, wrappedAxisLabel, wrappedLines } from '../../lib/charts';
import type { CompositeResult, FitResult } from './models.spec';

type T = (key: string, params?: Record<string, unknown>) => string;

const LEVEL_COLOURS = ['#b2182b', '#ef8a62', '#c9b458', '#67a9cf', '#2166ac'];

const round = (v: number, digits = 3) => Number(v.toFixed(digits));
const LABEL_WIDTH = 190;
const LABEL_FONT = 11;

/** Row height of a bar chart whose category labels wrap: the tallest label's lines, at least 28 px. */
function rowHeight(labels: string[]): number {
  const lines = Math.max(1, ...labels.map((l) => wrappedLines(l, LABEL_WIDTH, LABEL_FONT)));
  return Math.max(28, lines * Math.round(LABEL_FONT * 1.25) + 10);
}

/** Colour of level `level` of `count` on the five-colour scale (lowest red ... highest blue). */
export function levelColour(level: number, count = 5): string {
  const position = count > 1 ? Math.round(((level - 1) * (LEVEL_COLOURS.length - 1)) / (count - 1)) : 2;
  return LEVEL_COLOURS[Math.min(LEVEL_COLOURS.length - 1, Math.max(0, position))]!;
}

/** Horizontal bars of the integral index, best first, coloured by level (the level is also in the label). */
export function compositeChart(result: CompositeResult, label: (territory: string) => string, t: T, lang: Language): string {
  const rows = [...result.territories].sort((a, b) => a.rank - b.rank);
  const names = rows.map((r) => `${label(r.territory)} (${r.level})`);
  const height = Math.max(220, rowHeight(names) * rows.length + 80);
  const top = rows[0];
  const bottom = rows[rows.length - 1];
  return renderSvgChart(
    {
      grid: { left: 200, right: 40, top: 30, bottom: 40 },
      xAxis: { type: 'value', min: 0, max: Math.max(1, ...rows.map((r) => r.integral)), name: t('indicators:composite.integral') },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: wrappedAxisLabel(LABEL_WIDTH, LABEL_FONT) },
      series: [
        {
          type: 'bar',
          data: rows.map((r) => ({ value: round(r.integral), itemStyle: { color: levelColour(r.level, result.levelCount ?? 5) } })),
          label: { show: true, position: 'right', formatter: '{c}' },
        },
      ],
    },
    {
      width: 720,
      height,
      lang,
      title: t('indicators:composite.chartTitle'),
      description: t('indicators:composite.chartDescription', {
        count: rows.length,
        top: top ? label(top.territory) : '',
        topValue: top ? formatChartNumber(top.integral, lang, 3) : '',
        bottom: bottom ? label(bottom.territory) : '',
        bottomValue: bottom ? formatChartNumber(bottom.integral, lang, 3) : '',
      }),
    },
  );
}

/** Observed and fitted y against the period (or the observation number), with forecasts after them. */
export function fitChart(result: FitResult, timeColumn: string | undefined, labels: string[] | undefined, t: T, lang: Language): string {
  const axis = labels ?? (result.periods ? result.periods.map(String) : result.observed.map((_, i) => String(i + 1)));
  const forecast = result.forecast ?? [];
  const forecastLabels = forecast.map((f, i) => (timeColumn && f[timeColumn] !== undefined ? String(f[timeColumn]) : `+${i + 1}`));
  const categories = [...axis, ...forecastLabels];
  const pad = (values: Array<number | null>, before: number, after: number) => [...Array(before).fill(null), ...values, ...Array(after).fill(null)];
  const byCategoryOrder = labels !== undefined && !result.periods;
  return renderSvgChart(
    {
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: byCategoryOrder ? 120 : 50 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: categories, axisLabel: byCategoryOrder ? { ...wrappedAxisLabel(110, 10), rotate: 45 } : {} },
      yAxis: { type: 'value', name: result.y, scale: true },
      series: [
        { name: t('indicators:fit.observed'), type: byCategoryOrder ? 'scatter' : 'line', symbolSize: 8, data: pad(result.observed.map((v) => round(v, 4)), 0, forecast.length) },
        { name: t('indicators:fit.fittedSeries'), type: 'line', lineStyle: { type: 'dashed' }, data: pad(result.fitted.map((v) => round(v, 4)), 0, forecast.length) },
        ...(forecast.length
          ? [
              { name: t('indicators:fit.forecastSeries'), type: 'line' as const, symbol: 'diamond', symbolSize: 10, data: pad(forecast.map((f) => round(f.y!, 4)), axis.length, 0) },
              // The 95 % prediction interval as two dotted lines (older saved results have none).
              ...(forecast.every((f) => typeof f.lower === 'number')
                ? (['lower', 'upper'] as const).map((bound) => ({
                    name: t('methods:fit.intervalSeries'),
                    type: 'line' as const,
                    symbol: 'none',
                    lineStyle: { type: 'dotted' as const, color: '#6b6b6b' },
                    itemStyle: { color: '#6b6b6b' },
                    data: pad(forecast.map((f) => round(f[bound]!, 4)), axis.length, 0),
                  }))
                : []),
            ]
          : []),
      ],
    },
    {
      width: 720,
      height: 380,
      lang,
      title: t('indicators:fit.chartTitle', { y: result.y }),
      description: t('indicators:fit.chartDescription', { y: result.y, n: result.n, r: result.r === null ? '—' : formatChartNumber(result.r, lang, 3), r2: formatChartNumber(result.r2, lang, 3) }),
    },
  );
}

/**
 * Rank robustness: for each territory (best chosen rank first) a bar over its 5-95 % rank
 * interval across the draws, a diamond at the median rank and a dot at the chosen build's rank.
 */
export function robustnessChart(result: CompositeResult, label: (territory: string) => string, t: T, lang: Language): string {
  const rows = [...result.territories].filter((r) => r.rankInterval).sort((a, b) => a.rank - b.rank);
  const names = rows.map((r) => label(r.territory));
  const n = result.territories.length;
  const widest = rows.reduce((best, r) => (r.rankInterval![1] - r.rankInterval![0] > best.rankInterval![1] - best.rankInterval![0] ? r : best), rows[0]!);
  return renderSvgChart(
    {
      legend: { top: 0 },
      grid: { left: 200, right: 30, top: 40, bottom: 40 },
      xAxis: { type: 'value', min: 0.5, max: n + 0.5, interval: Math.max(1, Math.ceil(n / 10)), name: t('methods:robustness.rankAxis') },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: wrappedAxisLabel(LABEL_WIDTH, LABEL_FONT) },
      series: [
        { name: 'base', type: 'bar', stack: 'interval', silent: true, itemStyle: { color: 'transparent' }, data: rows.map((r) => r.rankInterval![0] - 0.5) },
        { name: t('methods:robustness.interval'), type: 'bar', stack: 'interval', itemStyle: { color: '#9ecae1' }, data: rows.map((r) => r.rankInterval![1] - r.rankInterval![0] + 1) },
        { name: t('methods:robustness.median'), type: 'scatter', symbol: 'diamond', symbolSize: 12, itemStyle: { color: '#08519c' }, data: rows.map((r, i) => [r.medianRank!, i]) },
        { name: t('methods:robustness.chosen'), type: 'scatter', symbolSize: 7, itemStyle: { color: '#b2182b' }, data: rows.map((r, i) => [r.rank, i]) },
      ],
    },
    {
      width: 720,
      height: Math.max(240, rowHeight(names) * rows.length + 90),
      lang,
      title: t('methods:robustness.chartTitle'),
      description: t('methods:robustness.chartDescription', {
        count: rows.length,
        draws: result.robustness?.draws ?? 0,
        widest: widest ? label(widest.territory) : '',
        lower: widest?.rankInterval?.[0] ?? '',
        upper: widest?.rankInterval?.[1] ?? '',
      }),
    },
  );
}
