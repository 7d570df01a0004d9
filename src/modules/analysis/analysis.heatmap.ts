import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import { cachedChart, formatChartNumber, handDrawnSvgChart, inkOn, overWhite, rampColour, svgNumber, svgText, wrapText } from '../../lib/charts';
import { likertSummaryFromCounts } from '../../math/likert-summary';
import { barrierLabel } from './analysis.charts';
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
/** A small cell: its colour at this opacity over white, with a dashed grey border. */
const PALE = 0.35;
const PAD = 12;
const TITLE_FONT = 13;
const TITLE_LINE = 17;
const LABEL_WIDTH = 230;
const LABEL_FONT = 11;
const LABEL_LINE = 14;
const COLUMN_WIDTH = 76;
const HEAD_FONT = 10;
const HEAD_LINE = 12;
const CELL_FONT = 10;
const LEGEND_BAR = 200;

const value = (c: HeatMapCell, measure: HeatMapChartInput['measure']) => (measure === 'mean' ? c.mean : c.top2 === null ? null : 100 * c.top2);

/** What a cell shows: its mean with two decimals or its share in per cent, in the reader's locale. */
function cellText(c: HeatMapCell, measure: HeatMapChartInput['measure'], lang: Language): string {
  const v = value(c, measure);
  return v === null ? '–' : measure === 'mean' ? formatChartNumber(v, lang, 2, 2) : `${formatChartNumber(v, lang, 0)}\u00a0%`;
}

/** The colour scale's ends: the rating scale for means, 0-100 % for shares. */
const domain = (scale: RankingScale, measure: HeatMapChartInput['measure']): [number, number] => (measure === 'mean' ? [scale.min, scale.max] : [0, 100]);

const title = ({ t, measure, byLabel }: HeatMapChartInput) => t(measure === 'mean' ? 'analysis:heatmap.titleMean' : 'analysis:heatmap.titleTop2', { by: byLabel });

/**
 * Drawn once per state of its numbers, labels and language (lib/charts.ts cachedChart). Drawn by
 * hand rather than by ECharts: a map of 40 barriers by 17 territories took ECharts 0.3-2 s under
 * load and 276 kB of SVG; drawn here it is 81 kB (10 kB compressed) in 16-80 ms.
 */
export function heatMapChart(input: HeatMapChartInput): string {
  const { map, scale, measure, groupLabel, byLabel, lang } = input;
  return cachedChart(['heatmap', lang, measure, byLabel, scale, map, map.groups.map(groupLabel)], () => drawHeatMap(input));
}

/**
 * The heat map's numbers as a table the page offers beside the drawing (screen readers, phones):
 * one row per drawn cell, grouped by barrier in rank order, with its group, value and n. Long
 * rather than a barriers-by-groups grid, so it stays four columns wide whatever the groups.
 */
export interface HeatMapTable {
  caption: string;
  rows: Array<{ label: string; cells: Array<{ group: string; text: string; n: number; small: boolean }> }>;
}

export function heatMapTable(input: HeatMapChartInput): HeatMapTable {
  const { map, measure, groupLabel, lang } = input;
  const byItem = new Map<string, HeatMapCell[]>();
  for (const c of map.cells) {
    const list = byItem.get(c.itemCode);
    if (list) list.push(c);
    else byItem.set(c.itemCode, [c]);
  }
  return {
    caption: title(input),
    rows: map.items.map((item) => ({
      label: barrierLabel(item, lang),
      cells: (byItem.get(item.code) ?? []).map((c) => ({ group: groupLabel(c.group), text: cellText(c, measure, lang), n: c.n, small: c.n < SMALL_CELL })),
    })),
  };
}

function drawHeatMap(input: HeatMapChartInput): string {
  const { map, scale, measure, groupLabel, byLabel, t, lang } = input;
  const heading = title(input);
  const columns = map.groups.map(groupLabel);
  const gridLeft = PAD + LABEL_WIDTH + 12;
  const width = Math.max(560, gridLeft + COLUMN_WIDTH * Math.max(1, columns.length) + PAD);
  // Bold is about 10 % wider than the regular face the text is measured in.
  const titleLines = wrapText(heading, (width - 2 * PAD) / 1.1, TITLE_FONT);
  const parts: string[] = [svgText(PAD, PAD + TITLE_FONT, titleLines, TITLE_LINE, ` font-size="${TITLE_FONT}" font-weight="bold" fill="#1a1a1a"`)];
  let y = PAD + titleLines.length * TITLE_LINE + 8;

  const small = map.cells.filter((c) => c.n < SMALL_CELL).length;
  const describe = (c: HeatMapCell | undefined) => (c ? t('analysis:heatmap.cell', { item: c.itemCode, group: groupLabel(c.group), value: cellText(c, measure, lang), n: c.n }) : '');
  const big = map.cells.filter((c) => c.n >= SMALL_CELL && value(c, measure) !== null).sort((a, b) => value(b, measure)! - value(a, measure)!);
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

  if (!map.cells.length) {
    parts.push(svgText(PAD, y + LABEL_FONT + 8, [t('analysis:charts.noRatings')], LABEL_LINE, ` font-size="${LABEL_FONT}" fill="#595959"`));
    const height = y + LABEL_FONT + 8 + PAD + 8;
    return handDrawnSvgChart(parts.join(''), { width, height, lang, title: heading, description });
  }

  // Column headings, wrapped inside their column and sitting on the grid.
  const headLines = columns.map((c) => wrapText(c, COLUMN_WIDTH - 6, HEAD_FONT));
  const headHeight = Math.max(1, ...headLines.map((l) => l.length)) * HEAD_LINE;
  const gridTop = y + headHeight + 4;
  parts.push(
    `<g font-size="${HEAD_FONT}" text-anchor="middle" fill="#333">` +
      headLines.map((l, k) => svgText(gridLeft + COLUMN_WIDTH * (k + 0.5), gridTop - 6 - (l.length - 1) * HEAD_LINE, l, HEAD_LINE)).join('') +
      '</g>',
  );

  // Rows: the barrier's code and wording, wrapped, centred on its row of cells.
  const labels = map.items.map((i) => wrapText(barrierLabel(i, lang), LABEL_WIDTH, LABEL_FONT));
  const rowTop: number[] = [];
  const rowHeight = labels.map((l) => Math.max(30, l.length * LABEL_LINE + 8));
  labels.forEach((_, k) => rowTop.push(k === 0 ? gridTop : rowTop[k - 1]! + rowHeight[k - 1]!));
  parts.push(
    `<g font-size="${LABEL_FONT}" fill="#1a1a1a">` +
      labels.map((l, k) => svgText(PAD, rowTop[k]! + (rowHeight[k]! - l.length * LABEL_LINE) / 2 + LABEL_LINE * 0.78, l, LABEL_LINE)).join('') +
      '</g>',
  );

  // Cells: filled by their value on the ramp; small ones pale with a dashed border and their n.
  const [min, max] = domain(scale, measure);
  const index = new Map(map.items.map((i, k) => [i.code, k]));
  const column = new Map(map.groups.map((g, k) => [g, k]));
  const rects: string[] = [];
  const paleRects: string[] = [];
  const texts: string[] = [];
  for (const c of map.cells) {
    const row = index.get(c.itemCode)!;
    const x = gridLeft + COLUMN_WIDTH * column.get(c.group)!;
    const [top, h] = [rowTop[row]!, rowHeight[row]!];
    const v = value(c, measure);
    const fill = v === null ? '#ffffff' : rampColour(RAMP, (v - min) / (max - min));
    const pale = c.n < SMALL_CELL;
    (pale ? paleRects : rects).push(`<rect x="${x}" y="${svgNumber(top)}" width="${COLUMN_WIDTH}" height="${h}" fill="${fill}"/>`);
    const ink = inkOn(pale ? overWhite(fill, PALE) : fill);
    const inkAttribute = ink === '#1a1a1a' ? '' : ` fill="${ink}"`;
    const middle = x + COLUMN_WIDTH / 2;
    const shown = cellText(c, measure, lang);
    texts.push(
      pale
        ? svgText(middle, top + h / 2 - 2, [shown, `(n = ${c.n})`], 12, inkAttribute)
        : svgText(middle, top + h / 2 + CELL_FONT * 0.35, [shown], 12, inkAttribute),
    );
  }
  parts.push(`<g stroke="#fff">${rects.join('')}</g>`);
  if (paleRects.length) parts.push(`<g fill-opacity="${PALE}" stroke="#6b6b6b" stroke-dasharray="3 2">${paleRects.join('')}</g>`);
  parts.push(`<g font-size="${CELL_FONT}" text-anchor="middle" fill="#1a1a1a">${texts.join('')}</g>`);

  // Legend: the measure, the colour ramp with the scale's points (or 0-100 %) under it, and the small-cell key.
  y = rowTop[rowTop.length - 1]! + rowHeight[rowHeight.length - 1]! + 20;
  const unit = measure === 'top2' ? '\u00a0%' : '';
  const ticks = measure === 'mean' ? scale.points : [0, 25, 50, 75, 100];
  const barTop = y + 6;
  // Room for half of the first tick's label ("0 %") left of the bar.
  const barX = PAD + 14;
  parts.push(
    svgText(PAD, y, [t(`analysis:heatmap.measure.${measure}`)], LABEL_LINE, ` font-size="${HEAD_FONT}" fill="#333"`),
    `<defs><linearGradient id="zr-ramp">${RAMP.map((c, k) => `<stop offset="${k / (RAMP.length - 1)}" stop-color="${c}"/>`).join('')}</linearGradient></defs>`,
    `<rect x="${barX}" y="${barTop}" width="${LEGEND_BAR}" height="12" fill="url(#zr-ramp)" stroke="#999" stroke-width=".5"/>`,
    `<g font-size="${HEAD_FONT}" text-anchor="middle" fill="#333">` +
      ticks.map((p) => svgText(barX + (LEGEND_BAR * (p - min)) / (max - min), barTop + 12 + 11, [formatChartNumber(p, lang) + unit], HEAD_LINE)).join('') +
      '</g>',
  );
  const keyX = barX + LEGEND_BAR + 32;
  const keyLines = wrapText(t('analysis:heatmap.legendSmall', { count: SMALL_CELL, min: SMALL_CELL }), width - keyX - 34 - PAD, HEAD_FONT);
  parts.push(
    `<rect x="${keyX}" y="${barTop - 2}" width="26" height="16" fill="${RAMP[3]}" fill-opacity="${PALE}" stroke="#6b6b6b" stroke-dasharray="3 2"/>`,
    svgText(keyX + 34, barTop + 9, keyLines, HEAD_LINE, ` font-size="${HEAD_FONT}" fill="#333"`),
  );
  const height = Math.ceil(Math.max(barTop + 12 + 11, barTop + 9 + (keyLines.length - 1) * HEAD_LINE) + 4 + PAD);
  return handDrawnSvgChart(parts.join(''), { width, height, lang, title: heading, description });
}
