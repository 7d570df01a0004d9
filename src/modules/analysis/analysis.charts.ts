import type { TFunction } from 'i18next';
import { cachedChart, formatChartNumber, renderSvgChart, wrappedAxisLabel, wrappedLines } from '../../lib/charts';
import type { ItemRanking, RankingScale } from './analysis.service';
import { formatNumber, formatPercent } from './analysis.format';
import type { Language } from '../../i18n';

/**
 * The two survey charts of the ranking page, rendered on the server as SVG with ECharts:
 * the diverging stacked distribution and the ranked means with their 95 % intervals. Both
 * take the items in rank order, draw nothing misleading for items without ratings, and carry
 * a text alternative listing the numbers they show.
 */

// ColorBrewer RdBu (5 classes), reversed so that "not a barrier" is blue and "critical" red;
// distinguishable with the common colour-vision deficiencies, the middle grey is neutral.
const LEVEL_COLOURS = ['#2166ac', '#92c5de', '#bdbdbd', '#f4a582', '#b2182b'] as const;
// ColorBrewer RdBu with 11 classes, reversed, for longer scales (a 0-10 scale uses all of them).
const LONG_COLOURS = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#e0e0e0', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'] as const;

/** A colour per scale point, blue (lowest) through grey to red (highest). */
function levelColours(levels: number): string[] {
  if (levels === 5) return [...LEVEL_COLOURS];
  const palette = levels <= 5 ? LEVEL_COLOURS : LONG_COLOURS;
  return Array.from({ length: levels }, (_, i) => palette[Math.round((i * (palette.length - 1)) / Math.max(1, levels - 1))]!);
}
const WIDTH = 760;
const LABEL_WIDTH = 230;
const LABEL_FONT = 11;
const LINE = Math.round(LABEL_FONT * 1.25);

/** Each row as tall as its barrier's wrapped label needs (at least 26 px). */
function rowHeight(labels: string[]): number {
  return Math.max(26, Math.max(1, ...labels.map((l) => wrappedLines(l, LABEL_WIDTH, LABEL_FONT))) * LINE + 8);
}

function share(count: number, n: number): number {
  return n > 0 ? (100 * count) / n : 0;
}

/** The barrier's code and wording in the reader's language, wrapped on the axis, never cut. */
function axisLabel(item: ItemRanking, lang: Language): string {
  return `${item.code} ${item[`text_${lang}`] || item.text_kk}`;
}

function noDataGraphic(text: string) {
  return [{ type: 'text', left: 'center', top: 'middle', style: { text, fontSize: 16, fill: '#4a4a4a' } }];
}

/** Both charts are drawn once per state of the ranking's numbers and language (lib/charts.ts cachedChart). */
export function distributionChart(items: ItemRanking[], scale: RankingScale, t: TFunction, lang: Language): string {
  return cachedChart(['distribution', lang, scale, items], () => drawDistribution(items, scale, t, lang));
}

export function meansChart(items: ItemRanking[], scale: RankingScale, t: TFunction, lang: Language): string {
  return cachedChart(['means', lang, scale, items], () => drawMeans(items, scale, t, lang));
}

function drawDistribution(items: ItemRanking[], scale: RankingScale, t: TFunction, lang: Language): string {
  const rated = items.filter((i) => i.n > 0);
  const labels = items.map((i) => axisLabel(i, lang));
  const height = 90 + rowHeight(labels) * Math.max(items.length, 3);
  const label = (v: number) => scale.labels[String(v)];
  const levelName = (v: number) => `${v} · ${label(v)?.[lang] ?? label(v)?.kk ?? ''}`;
  const colours = levelColours(scale.points.length);
  // Centre of the bar = middle of the scale: on an odd scale half of the middle point goes to
  // each side, the lower points to the left and the higher ones to the right. Negative numbers
  // only place the bars; labels show sizes.
  const k = scale.points.length;
  const middle = k % 2 === 1 ? (k - 1) / 2 : null;
  const parts: Array<{ index: number; sign: number; fraction: number }> = [];
  if (middle !== null) parts.push({ index: middle, sign: -1, fraction: 0.5 });
  for (let i = (middle ?? k / 2) - 1; i >= 0; i--) parts.push({ index: i, sign: -1, fraction: 1 });
  if (middle !== null) parts.push({ index: middle, sign: 1, fraction: 0.5 });
  for (let i = middle !== null ? middle + 1 : k / 2; i < k; i++) parts.push({ index: i, sign: 1, fraction: 1 });
  const series = parts.map(({ index, sign, fraction }) => ({
    type: 'bar' as const,
    name: levelName(scale.points[index]!),
    stack: sign < 0 ? 'left' : 'right',
    barWidth: 16,
    // The left and right stacks share one row: without this ECharts sets them side by side.
    barGap: '-100%',
    itemStyle: { color: colours[index] },
    data: items.map((item) => Number((sign * fraction * share(item.counts[index] ?? 0, item.n)).toFixed(2))),
  }));
  const half = Math.floor(k / 2);
  const sum = (counts: number[], from: number, to: number) => counts.slice(from, to).reduce((a, b) => a + b, 0);
  const range = (from: number, to: number) => (from === to ? String(scale.points[from]) : `${scale.points[from]}–${scale.points[to]}`);
  const option = {
    color: colours,
    legend: { top: 0, data: scale.points.map(levelName), itemWidth: 14, textStyle: { fontSize: 11 } },
    grid: { left: LABEL_WIDTH + 16, right: 24, top: 48, bottom: 36 },
    xAxis: {
      type: 'value' as const,
      min: -100,
      max: 100,
      interval: 25,
      axisLabel: { formatter: (v: number) => `${formatChartNumber(Math.abs(v), lang)} %` },
      splitLine: { lineStyle: { color: '#e0e0e0' } },
    },
    yAxis: { type: 'category' as const, data: labels, inverse: true, axisTick: { show: false }, axisLabel: wrappedAxisLabel(LABEL_WIDTH, LABEL_FONT) },
    series,
    ...(rated.length === 0 ? { graphic: noDataGraphic(t('analysis:charts.noRatings')) } : {}),
  };
  const description =
    rated.length === 0
      ? t('analysis:charts.distributionEmpty')
      : t('analysis:charts.distributionDescription') +
        ' ' +
        items
          .map((i) =>
            i.n === 0
              ? t('analysis:charts.itemNoRatings', { code: i.code })
              : t(middle !== null ? 'analysis:charts.distributionItem' : 'analysis:charts.distributionItemEven', {
                  code: i.code,
                  lowRange: range(0, half - 1),
                  midPoint: middle !== null ? String(scale.points[middle]) : '',
                  highRange: range(k - half, k - 1),
                  low: formatPercent(share(sum(i.counts, 0, half), i.n) / 100, lang),
                  mid: formatPercent(share(middle !== null ? (i.counts[middle] ?? 0) : 0, i.n) / 100, lang),
                  high: formatPercent(share(sum(i.counts, k - half, k), i.n) / 100, lang),
                  n: i.n,
                }),
          )
          .join('; ') +
        '.';
  return renderSvgChart(option as never, { width: WIDTH, height, lang, title: t('analysis:charts.distributionTitle'), description });
}

interface WhiskerApi {
  value(dim: number): number;
  coord(point: [number, number]): [number, number];
}

function drawMeans(items: ItemRanking[], scale: RankingScale, t: TFunction, lang: Language): string {
  const rated = items.filter((i) => i.mean !== null);
  const labels = items.map((i) => axisLabel(i, lang));
  const height = 70 + rowHeight(labels) * Math.max(items.length, 3);
  const intervals = items.flatMap((item, index) => (item.ciLow !== null && item.ciHigh !== null ? [[Math.max(scale.min, item.ciLow), Math.min(scale.max, item.ciHigh), index]] : []));
  const option = {
    grid: { left: LABEL_WIDTH + 16, right: 24, top: 24, bottom: 36 },
    xAxis: { type: 'value' as const, min: scale.min, max: scale.max, interval: scale.max - scale.min > 6 ? 1 : 0.5, name: t('analysis:charts.meanAxis'), nameLocation: 'middle' as const, nameGap: 24, splitLine: { lineStyle: { color: '#e0e0e0' } } },
    yAxis: { type: 'category' as const, data: labels, inverse: true, axisTick: { show: false }, axisLabel: wrappedAxisLabel(LABEL_WIDTH, LABEL_FONT) },
    series: [
      {
        type: 'custom' as const,
        name: t('analysis:charts.ci'),
        data: intervals,
        encode: { x: [0, 1], y: 2 },
        renderItem: (_params: unknown, api: WhiskerApi) => {
          const low = api.coord([api.value(0), api.value(2)]);
          const high = api.coord([api.value(1), api.value(2)]);
          const style = { stroke: '#0b5394', lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: 'line', shape: { x1: low[0], y1: low[1] - 6, x2: low[0], y2: low[1] + 6 }, style },
              { type: 'line', shape: { x1: high[0], y1: high[1] - 6, x2: high[0], y2: high[1] + 6 }, style },
            ],
          };
        },
        z: 1,
      },
      {
        type: 'scatter' as const,
        name: t('analysis:charts.mean'),
        symbolSize: 9,
        itemStyle: { color: '#b2182b' },
        data: items.flatMap((item, index) => (item.mean !== null ? [[item.mean, index]] : [])),
        z: 2,
      },
    ],
    ...(rated.length === 0 ? { graphic: noDataGraphic(t('analysis:charts.noRatings')) } : {}),
  };
  const description =
    rated.length === 0
      ? t('analysis:charts.meansEmpty')
      : t('analysis:charts.meansDescription') +
        ' ' +
        items
          .map((i) =>
            i.mean === null
              ? t('analysis:charts.itemNoRatings', { code: i.code })
              : i.ciLow === null || i.ciHigh === null
                ? t('analysis:charts.meanItemNoCi', { code: i.code, mean: formatNumber(i.mean, 2, lang), n: i.n })
                : t('analysis:charts.meanItem', {
                    code: i.code,
                    mean: formatNumber(i.mean, 2, lang),
                    low: formatNumber(i.ciLow, 2, lang),
                    high: formatNumber(i.ciHigh, 2, lang),
                    n: i.n,
                  }),
          )
          .join('; ') +
        '.';
  return renderSvgChart(option as never, { width: WIDTH, height, lang, title: t('analysis:charts.meansTitle'), description });
}
