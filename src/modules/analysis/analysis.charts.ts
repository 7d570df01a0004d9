import type { TFunction } from 'i18next';
import { cachedChart, formatChartNumber, handDrawnSvgChart, svgNumber, svgText, textWidth, wrapText } from '../../lib/charts';
import type { ItemRanking, RankingScale } from './analysis.service';
import { formatNumber, formatPercent } from './analysis.format';
import type { Language } from '../../i18n';

/**
 * The two survey charts of the ranking page, drawn on the server as SVG: the diverging stacked
 * distribution and the ranked means with their 95 % intervals. Both take the items in rank
 * order, draw nothing misleading for items without ratings, and carry a text alternative listing
 * the numbers they show. Drawn by hand (rows of wrapped labels beside a value axis) rather than
 * by ECharts, whose layout cost 60-200 ms per chart each time the numbers changed and whose
 * loading delayed the first page after a restart.
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

const TICK_FONT = 10;
const PAD = 12;

function share(count: number, n: number): number {
  return n > 0 ? (100 * count) / n : 0;
}

/** The barrier's code and wording in the reader's language (wrapped beside its row, never cut). */
export function barrierLabel(item: ItemRanking, lang: Language): string {
  return `${item.code} ${item[`text_${lang}`] || item.text_kk}`;
}

const text = (x: number, y: number, value: string, attributes = '') => svgText(x, y, [value], 0, attributes);

interface Rows {
  /** Markup of the labels, grid lines and axis numbers. */
  parts: string[];
  /** Vertical middle of each row. */
  middle: number[];
  /** x of a value on the axis. */
  x: (value: number) => number;
  plotLeft: number;
  plotRight: number;
  plotBottom: number;
  height: number;
}

/**
 * A chart of one row per item: its wrapped label on the left, a value axis from `min` to `max`
 * under the rows with a grid line and a number at each tick. Every row is as tall as the
 * longest label needs (at least 26 px), at least three rows tall in all.
 */
function rowsFrame(labels: string[], o: { top: number; min: number; max: number; ticks: number[]; tick: (v: number) => string; below: number }): Rows {
  const wrapped = labels.map((l) => wrapText(l, LABEL_WIDTH, LABEL_FONT));
  const row = Math.max(26, Math.max(1, ...wrapped.map((l) => l.length)) * LINE + 8);
  const plotLeft = PAD + LABEL_WIDTH + 16;
  const plotRight = WIDTH - 24;
  const plotBottom = o.top + row * Math.max(labels.length, 3);
  const x = (v: number) => plotLeft + ((plotRight - plotLeft) * (v - o.min)) / (o.max - o.min);
  const middle = labels.map((_, k) => o.top + row * (k + 0.5));
  const parts = [
    `<g stroke="#e0e0e0">${o.ticks.map((v) => `<line x1="${svgNumber(x(v))}" y1="${o.top}" x2="${svgNumber(x(v))}" y2="${plotBottom}"/>`).join('')}</g>`,
    `<line x1="${plotLeft}" y1="${o.top}" x2="${plotLeft}" y2="${plotBottom}" stroke="#6e7079"/>`,
    `<g font-size="${TICK_FONT}" text-anchor="middle" fill="#4a4a4a">${o.ticks.map((v) => text(x(v), plotBottom + 14, o.tick(v))).join('')}</g>`,
    `<g font-size="${LABEL_FONT}" fill="#1a1a1a">` +
      wrapped
        .map((lines, k) => svgText(PAD, middle[k]! - ((lines.length - 1) * LINE) / 2 + LABEL_FONT * 0.35, lines, LINE))
        .join('') +
      '</g>',
  ];
  return { parts, middle, x, plotLeft, plotRight, plotBottom, height: Math.ceil(plotBottom + o.below) };
}

/** "No ratings yet" across the middle of an empty chart. */
function noData(r: Rows, top: number, message: string): string {
  return text((r.plotLeft + r.plotRight) / 2, (top + r.plotBottom) / 2 + 6, message, ' font-size="16" text-anchor="middle" fill="#4a4a4a"');
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
  const labels = items.map((i) => barrierLabel(i, lang));
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
  const half = Math.floor(k / 2);
  const sum = (counts: number[], from: number, to: number) => counts.slice(from, to).reduce((a, b) => a + b, 0);
  const range = (from: number, to: number) => (from === to ? String(scale.points[from]) : `${scale.points[from]}–${scale.points[to]}`);

  // Legend on top: a swatch and the point's name for each point, wrapped onto more lines as needed.
  const legend: string[] = [];
  let [lx, ly] = [PAD, PAD + 10];
  for (const [i, v] of scale.points.entries()) {
    const name = levelName(v);
    const w = 14 + 5 + textWidth(name, LABEL_FONT) + 16;
    if (lx > PAD && lx + w > WIDTH - PAD) [lx, ly] = [PAD, ly + LINE + 4];
    legend.push(`<rect x="${svgNumber(lx)}" y="${ly - 9}" width="14" height="10" fill="${colours[i]}"/>`, text(lx + 19, ly, name));
    lx += w;
  }
  const top = ly + 20;
  const ticks = [-100, -75, -50, -25, 0, 25, 50, 75, 100];
  const frame = rowsFrame(labels, { top, min: -100, max: 100, ticks, tick: (v) => `${formatChartNumber(Math.abs(v), lang)} %`, below: 28 });
  // Each row's two stacks grow out from the centre line: the parts in order, each from where the last ended.
  const bars: string[] = [];
  items.forEach((item, row) => {
    if (item.n === 0) return;
    const reached = new Map<number, number>([[-1, 0], [1, 0]]);
    for (const { index, sign, fraction } of parts) {
      const size = fraction * share(item.counts[index] ?? 0, item.n);
      if (size <= 0) continue;
      const from = reached.get(sign)!;
      reached.set(sign, from + size);
      const [x1, x2] = sign < 0 ? [frame.x(-(from + size)), frame.x(-from)] : [frame.x(from), frame.x(from + size)];
      bars.push(`<rect x="${svgNumber(x1)}" y="${svgNumber(frame.middle[row]! - 8)}" width="${svgNumber(x2 - x1)}" height="16" fill="${colours[index]}"/>`);
    }
  });
  const body = [
    `<g font-size="${LABEL_FONT}" fill="#333">${legend.join('')}</g>`,
    ...frame.parts,
    bars.join(''),
    rated.length === 0 ? noData(frame, top, t('analysis:charts.noRatings')) : '',
  ].join('');
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
  return handDrawnSvgChart(body, { width: WIDTH, height: frame.height, lang, title: t('analysis:charts.distributionTitle'), description });
}

function drawMeans(items: ItemRanking[], scale: RankingScale, t: TFunction, lang: Language): string {
  const rated = items.filter((i) => i.mean !== null);
  const labels = items.map((i) => barrierLabel(i, lang));
  const step = scale.max - scale.min > 6 ? 1 : 0.5;
  const ticks = Array.from({ length: Math.round((scale.max - scale.min) / step) + 1 }, (_, k) => scale.min + k * step);
  const top = PAD + 12;
  const frame = rowsFrame(labels, { top, min: scale.min, max: scale.max, ticks, tick: (v) => formatChartNumber(v, lang), below: 44 });
  const clamp = (v: number) => Math.min(scale.max, Math.max(scale.min, v));
  const whiskers: string[] = [];
  const dots: string[] = [];
  items.forEach((item, row) => {
    const y = frame.middle[row]!;
    if (item.ciLow !== null && item.ciHigh !== null) {
      const [x1, x2] = [frame.x(clamp(item.ciLow)), frame.x(clamp(item.ciHigh))];
      whiskers.push(`<path d="M${svgNumber(x1)} ${svgNumber(y)}H${svgNumber(x2)}M${svgNumber(x1)} ${svgNumber(y - 6)}V${svgNumber(y + 6)}M${svgNumber(x2)} ${svgNumber(y - 6)}V${svgNumber(y + 6)}"/>`);
    }
    if (item.mean !== null) dots.push(`<circle cx="${svgNumber(frame.x(item.mean))}" cy="${svgNumber(y)}" r="4.5"/>`);
  });
  const body = [
    ...frame.parts,
    text((frame.plotLeft + frame.plotRight) / 2, frame.plotBottom + 36, t('analysis:charts.meanAxis'), ` font-size="${LABEL_FONT}" text-anchor="middle" fill="#333"`),
    `<g stroke="#0b5394" stroke-width="1.5" fill="none">${whiskers.join('')}</g>`,
    `<g fill="#b2182b">${dots.join('')}</g>`,
    rated.length === 0 ? noData(frame, top, t('analysis:charts.noRatings')) : '',
  ].join('');
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
  return handDrawnSvgChart(body, { width: WIDTH, height: frame.height, lang, title: t('analysis:charts.meansTitle'), description });
}
