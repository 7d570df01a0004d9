import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import { cachedChart, formatChartNumber, renderSvgChart, wrappedAxisLabel, wrappedLines } from '../../lib/charts';
import { likertSummaryFromCounts } from '../../math/likert-summary';
import type { ItemRanking, RankingScale, RoundRanking } from './analysis.service';

/**
 * The heat map of barriers (rows, in rank order) by territory, sector or size (columns): each
 * cell the barrier's mean rating or its share of the top two points among that group's
 * respondents, under the ranking's filters. A cell with fewer than SMALL_CELL ratings is drawn
 * pale and labelled with its n, so nobody reads a mean of three answers as a finding.
 */
export const SMALL_CELL = 5;

/** "Not stated" (no territory, sector or size given) is its own column, always last. */
export const NOT_STATED = '';

export interface HeatMapCell {
  itemCode: string;
  group: string;
  n: number;
  mean: number | null;
  top2: number | null;
}

export interface HeatMapCells {
  /** Rated items on the questionnaire's scale, in rank order. */
  items: ItemRanking[];
  /** Group keys with at least one rating: territory ids, sector or size codes; NOT_STATED last. */
  groups: string[];
  cells: HeatMapCell[];
}

export function heatMapCells(ranking: RoundRanking, rows: Array<{ itemId: number; group: string; value: number; answers: number }>): HeatMapCells {
  const scale = ranking.scale;
  const levels = scale.points.length;
  // Items on another scale (a 0-10 question beside 1-5 ones) would not share the colour scale.
  const items = ranking.items.filter((i) => i.n > 0 && i.lowest === scale.min && i.counts.length === levels);
  const byItem = new Map(items.map((i) => [i.id, i]));
  const counts = new Map<string, number[]>();
  const groups = new Set<string>();
  for (const r of rows) {
    const item = byItem.get(r.itemId);
    if (!item || r.value < scale.min || r.value > scale.max || r.answers <= 0) continue;
    const group = r.group === '0' ? NOT_STATED : r.group;
    groups.add(group);
    const key = `${item.code}\u0000${group}`;
    let c = counts.get(key);
    if (!c) counts.set(key, (c = new Array(levels).fill(0)));
    c[r.value - scale.min]! += r.answers;
  }
  const ordered = [...groups].sort((a, b) => (a === NOT_STATED ? 1 : b === NOT_STATED ? -1 : a.localeCompare(b, 'en', { numeric: true })));
  const cells: HeatMapCell[] = [];
  for (const item of items) {
    for (const group of ordered) {
      const c = counts.get(`${item.code}\u0000${group}`);
      if (!c) continue;
      const s = likertSummaryFromCounts(c, 0.95, scale.min);
      cells.push({ itemCode: item.code, group, n: s.n, mean: s.mean, top2: s.top2 });
    }
  }
  return { items, groups: ordered, cells };
}

export interface HeatMapChartInput {
  map: HeatMapCells;
  scale: RankingScale;
  measure: 'mean' | 'top2';
  /** Column headings: a territory's name, a sector's or size's label, "not stated". */
  groupLabel: (group: string) => string;
  /** What the columns are ("territory", "sector", "size"), for the title. */
  byLabel: string;
  t: TFunction;
  lang: Language;
}

// ColorBrewer RdBu reversed (as the distribution chart): low blue, middle pale, high red.
const RAMP = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];
const LABEL_WIDTH = 230;
const LABEL_FONT = 11;

/** Drawn once per state of its numbers, labels and language (lib/charts.ts cachedChart). */
export function heatMapChart(input: HeatMapChartInput): string {
  const { map, scale, measure, groupLabel, byLabel, lang } = input;
  return cachedChart(['heatmap', lang, measure, byLabel, scale, map, map.groups.map(groupLabel)], () => drawHeatMap(input));
}

function drawHeatMap({ map, scale, measure, groupLabel, byLabel, t, lang }: HeatMapChartInput): string {
  const rows = map.items.map((i) => `${i.code} ${i[`text_${lang}`] || i.text_kk}`);
  const columns = map.groups.map(groupLabel);
  const columnWidth = 76;
  const columnLines = Math.max(1, ...columns.map((c) => wrappedLines(c, columnWidth - 6, 10)));
  const row = Math.max(30, Math.max(1, ...rows.map((r) => wrappedLines(r, LABEL_WIDTH, LABEL_FONT))) * 14 + 8);
  const top = 24 + columnLines * 13;
  const width = Math.max(560, LABEL_WIDTH + 24 + columnWidth * Math.max(1, columns.length) + 16);
  const height = top + row * Math.max(1, rows.length) + 70;
  const value = (c: HeatMapCell) => (measure === 'mean' ? c.mean : c.top2 === null ? null : 100 * c.top2);
  const shown = (c: HeatMapCell) => {
    const v = value(c);
    const text = v === null ? '–' : measure === 'mean' ? formatChartNumber(v, lang, 2, 2) : `${formatChartNumber(v, lang, 0)}\u00a0%`;
    return c.n < SMALL_CELL ? `${text}\n(n = ${c.n})` : text;
  };
  const index = new Map(map.items.map((i, k) => [i.code, k]));
  const column = new Map(map.groups.map((g, k) => [g, k]));
  const data = map.cells.map((c) => ({
    value: [column.get(c.group)!, index.get(c.itemCode)!, value(c)],
    label: { formatter: shown(c) },
    itemStyle: c.n < SMALL_CELL ? { opacity: 0.35, borderColor: '#6b6b6b', borderType: 'dashed' as const, borderWidth: 1 } : { borderColor: '#ffffff', borderWidth: 1 },
  }));
  const [min, max] = measure === 'mean' ? [scale.min, scale.max] : [0, 100];
  const option = {
    grid: { left: LABEL_WIDTH + 16, right: 16, top, bottom: 70 },
    xAxis: { type: 'category' as const, data: columns, position: 'top' as const, axisTick: { show: false }, axisLabel: wrappedAxisLabel(columnWidth - 6, 10), splitArea: { show: false } },
    yAxis: { type: 'category' as const, data: rows, inverse: true, axisTick: { show: false }, axisLabel: wrappedAxisLabel(LABEL_WIDTH, LABEL_FONT) },
    visualMap: {
      min,
      max,
      calculable: false,
      orient: 'horizontal' as const,
      left: 'center',
      bottom: 8,
      itemWidth: 12,
      itemHeight: 200,
      text: [formatChartNumber(max, lang) + (measure === 'top2' ? '\u00a0%' : ''), formatChartNumber(min, lang) + (measure === 'top2' ? '\u00a0%' : '')],
      inRange: { color: RAMP },
      dimension: 2,
    },
    // Silent: a server-drawn chart has no hover, and heatmap hover styles come out as "fill:[object Object]".
    series: [{ type: 'heatmap' as const, silent: true, emphasis: { disabled: true }, data, label: { show: true, fontSize: 10, lineHeight: 12, color: '#1a1a1a' } }],
  };
  const title = t(measure === 'mean' ? 'analysis:heatmap.titleMean' : 'analysis:heatmap.titleTop2', { by: byLabel });
  const small = map.cells.filter((c) => c.n < SMALL_CELL).length;
  const describe = (c: HeatMapCell | undefined) =>
    c ? t('analysis:heatmap.cell', { item: c.itemCode, group: groupLabel(c.group), value: shown(c).replace('\n', ' '), n: c.n }) : '';
  const big = map.cells.filter((c) => c.n >= SMALL_CELL && value(c) !== null).sort((a, b) => value(b)! - value(a)!);
  const description = map.cells.length
    ? [
        t('analysis:heatmap.description', { count: map.items.length, columns: map.groups.length, by: byLabel }),
        big.length ? t('analysis:heatmap.highest', { cell: describe(big[0]) }) : '',
        big.length > 1 ? t('analysis:heatmap.lowest', { cell: describe(big[big.length - 1]) }) : '',
        small ? t('analysis:heatmap.small', { count: small, min: SMALL_CELL }) : '',
      ]
        .filter(Boolean)
        .join(' ')
    : t('analysis:charts.noRatings');
  return renderSvgChart(option as never, { width, height, lang, title, description });
}
