import crypto from 'node:crypto';
import type { Resvg as ResvgType } from '@resvg/resvg-js';
import type * as echartsType from 'echarts';
import type PDFKit from 'pdfkit';
import type { Language } from '../i18n';
import { DigestCache } from './digest-cache';
import { CHART_FONT_WIDTHS } from './chart-font-widths';
import { collectSoon } from '../heap';
import { lazy } from './lazy';
import { opaqueRgbPng } from './png';
import { CHART_FONT_FAMILY, dejaVuSansBoldIfPresent, dejaVuSansIfPresent } from './fonts';

export interface ChartFrame {
  width: number;
  height: number;
  /** Short title, read first by screen readers. */
  title: string;
  /** Text alternative: what the chart shows, in words (and ideally the key numbers). */
  description: string;
  /** The reader's language: axis numbers and value labels are written as that language writes them. */
  lang: Language;
}

/** Text and attribute values written into a chart's SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const LOCALES: Record<Language, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };
const numberFormats = new Map<string, Intl.NumberFormat>();

/**
 * A number as the reader writes it in a chart: decimal comma and thin-space thousands in Kazakh
 * and Russian, point and comma in English. Four-digit numbers are never grouped ('min2'), so a
 * year on an axis reads 2024 and not "2,024" or "2 024". `digits` is the most decimals shown.
 */
export function formatChartNumber(value: number, lang: Language, digits = 2, minDigits = 0): string {
  if (!Number.isFinite(value)) return '–';
  const key = `${lang}:${digits}:${minDigits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: minDigits, maximumFractionDigits: Math.max(digits, minDigits), useGrouping: 'min2' } as unknown as Intl.NumberFormatOptions)));
  // CLDR groups Kazakh and Russian with a no-break space (the only space a formatted number has);
  // their typography groups with a thin one. The minus is a minus sign, not a hyphen. (Replacing
  // in the string is several times faster than formatToParts, called for every cell of a heat map.)
  const text = f.format(value).replace('-', '−');
  return lang === 'en' ? text : text.replace(/\u00a0/g, '\u202f');
}

type Loose = Record<string, unknown>;
const asList = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : v && typeof v === 'object' ? [v as Loose] : []);

/**
 * Axis numbers and value labels that were left to ECharts' own formatting (which writes
 * "1.5" and "2,024" whatever the language) get the reader's. Explicit formatters are kept.
 */
function localise(option: Loose, lang: Language): Loose {
  const number = (v: unknown) => (typeof v === 'number' ? formatChartNumber(v, lang) : String(v ?? ''));
  const out: Loose = { ...option };
  for (const key of ['xAxis', 'yAxis'] as const) {
    if (!option[key]) continue;
    const axes = asList(option[key]).map((axis) => {
      const type = axis.type ?? (key === 'yAxis' ? 'value' : 'category');
      const label = (axis.axisLabel ?? {}) as Loose;
      return type === 'value' && label.formatter === undefined ? { ...axis, axisLabel: { ...label, formatter: number } } : axis;
    });
    out[key] = Array.isArray(option[key]) ? axes : axes[0];
  }
  if (option.series) {
    out.series = asList(option.series).map((s) => {
      const label = s.label as Loose | undefined;
      if (!label?.show || (label.formatter !== undefined && label.formatter !== '{c}')) return s;
      return { ...s, label: { ...label, formatter: (p: { value: unknown }) => number(Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value) } };
    });
  }
  return out;
}

/** pdfkit with the chart font, for the rare character the width table lacks (loaded on first need). */
const fontDocument = lazy(() => {
  const file = dejaVuSansIfPresent();
  if (!file) return null;
  const PDFDocument = require('pdfkit') as typeof PDFKit;
  const doc = new PDFDocument({ autoFirstPage: false });
  doc.registerFont('chart', file);
  return doc.font('chart').fontSize(1000);
});
const otherWidths = new Map<string, number>();

/** A character's advance in DejaVu Sans, as a fraction of the font size. */
function advance(c: string): number {
  const known = CHART_FONT_WIDTHS[c];
  if (known !== undefined) return known;
  let width = otherWidths.get(c);
  if (width === undefined) {
    const doc = fontDocument();
    // Without the font, ECharts' own guess for a letter it does not know.
    otherWidths.set(c, (width = doc ? doc.widthOfString(c) / 1000 : 0.62));
  }
  return width;
}

/**
 * Text is measured as the font the chart is drawn in (DejaVu Sans, see lib/fonts.ts) sets it, so
 * a long label wraps where it really runs out of room: the sum of its characters' advances from
 * a table made from the font (lib/chart-font-widths.ts), so no font library is loaded to draw a
 * chart. pdfkit's widthOfString shaped every candidate line of every label on each call, tens of
 * milliseconds per page. The sum leaves kerning out, which in DejaVu Sans only narrows pairs
 * (AV, Ty): a label is never measured narrower than it is drawn (tests/lib/charts.test.ts).
 */
function measureText(text: string, font: string | undefined): number {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
  let width = 0;
  for (const c of text) width += advance(c);
  // Bold is about 10 % wider in DejaVu Sans; counting it so keeps bold labels inside too.
  return width * size * (/\bbold\b|\b[6-9]00\b/.test(font ?? '') ? 1.1 : 1);
}

/** ECharts loads when the first chart drawn with it is drawn (lib/lazy.ts). */
const echarts = lazy(() => {
  const lib = require('echarts') as typeof echartsType;
  lib.setPlatformAPI({ measureText: (text: string, font?: string) => ({ width: measureText(text ?? '', font) }) });
  return lib;
});

/**
 * What drawing charts needs, as steps to load one at a time once the server listens (lib/warm.ts):
 * resvg (PNG downloads and the report PDF), then ECharts (the charts not drawn by hand:
 * indicators, monitoring, panels, the comparison slope). Hand-drawn charts need neither.
 */
export const chartLibrarySteps: ReadonlyArray<() => unknown> = [() => require('@resvg/resvg-js'), echarts];

/** All of them now. */
export function loadChartLibraries(): void {
  for (const step of chartLibrarySteps) step();
}

/** The width of `text` at `fontSize` px in the charts' font. */
export function textWidth(text: string, fontSize: number): number {
  return measureText(text, `${fontSize}px`);
}

/**
 * `text` broken into lines no wider than `width` px at `fontSize` (words kept whole unless one is
 * wider than the box; such a word is broken between letters). Measured as lib/fonts.ts draws.
 */
export function wrapText(text: string, width: number, fontSize: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (!line || textWidth(candidate, fontSize) <= width) {
      line = candidate;
    } else {
      lines.push(line);
      line = word;
    }
    while (textWidth(line, fontSize) > width && line.length > 1) {
      // A word wider than the box: as many letters as fit, the rest on the next line.
      let cut = line.length - 1;
      while (cut > 1 && textWidth(line.slice(0, cut), fontSize) > width) cut -= 1;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** How many lines `text` takes when wrapped at `width` px (as wrapText breaks it). */
export function wrappedLines(text: string, width: number, fontSize: number): number {
  return wrapText(text, width, fontSize).length;
}

const hexRgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const rgbHex = (rgb: number[]): string => '#' + rgb.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('');

/**
 * The colour at `t` (0 to 1, clamped) along `ramp` (#rrggbb stops, evenly spaced), interpolated
 * in RGB between the two nearest stops, as ECharts' continuous visualMap colours a value.
 * Example: rampColour(['#000000', '#ffffff'], 0.5) is '#808080'.
 */
export function rampColour(ramp: readonly string[], t: number): string {
  const at = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(at));
  const [a, b] = [hexRgb(ramp[i]!), hexRgb(ramp[i + 1]!)];
  return rgbHex(a.map((v, k) => v + (b[k]! - v) * (at - i)));
}

/** `colour` seen at `opacity` over white (a pale cell as the reader sees it). */
export function overWhite(colour: string, opacity: number): string {
  return rgbHex(hexRgb(colour).map((v) => 255 - (255 - v) * opacity));
}

/** WCAG 2 relative luminance of #rrggbb. */
function luminance(colour: string): number {
  const [r, g, b] = hexRgb(colour).map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Near-black or white text on `background`, whichever has the higher WCAG contrast ratio. */
export function inkOn(background: string, dark = '#1a1a1a', light = '#ffffff'): string {
  const key = `${background}${dark}${light}`;
  let ink = inks.get(key);
  if (ink === undefined) {
    if (inks.size > 4096) inks.clear();
    inks.set(key, (ink = higherContrast(background, dark, light)));
  }
  return ink;
}
const inks = new Map<string, string>();

function higherContrast(background: string, dark: string, light: string): string {
  const bg = luminance(background);
  const contrast = (ink: string) => (Math.max(bg, luminance(ink)) + 0.05) / (Math.min(bg, luminance(ink)) + 0.05);
  return contrast(dark) >= contrast(light) ? dark : light;
}

/**
 * Positions for labels beside points at `values` on one vertical line, at least `gap` apart and
 * within [min, max], each as near its point as the others allow (clusters spread evenly about
 * their middle). Same order as `values`.
 * Example: spreadLabels([3, 3, 3.05], 0.1, 1, 5) gives 2.9167, 3.0167, 3.1167 (centred on their mean).
 */
export function spreadLabels(values: number[], gap: number, min: number, max: number): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v || a.i - b.i);
  // Clusters of labels that touch: each placed centred on its points' mean, merged while they overlap.
  const clusters: Array<{ members: number[]; sum: number; top: number }> = [];
  const start = (c: { members: number[]; sum: number }) => Math.min(Math.max(c.sum / c.members.length - ((c.members.length - 1) * gap) / 2, min), Math.max(min, max - (c.members.length - 1) * gap));
  for (const { v, i } of order) {
    clusters.push({ members: [i], sum: v, top: 0 });
    for (;;) {
      const last = clusters[clusters.length - 1]!;
      last.top = start(last);
      const before = clusters[clusters.length - 2];
      if (!before || before.top + before.members.length * gap <= last.top + 1e-12) break;
      clusters.pop();
      before.members.push(...last.members);
      before.sum += last.sum;
    }
  }
  const out = new Array<number>(values.length);
  for (const c of clusters) c.members.forEach((index, k) => (out[index] = c.top + k * gap));
  return out;
}

/** A category axis label that wraps inside `width` px instead of being cut (ECharts 'break'). */
export function wrappedAxisLabel(width: number, fontSize = 11): Loose {
  return { width, overflow: 'break', fontSize, lineHeight: Math.round(fontSize * 1.25), interval: 0 };
}

/**
 * Server-side SVG through ECharts' SSR renderer: no client script, works in print and
 * without JavaScript. Title and description become <title>/<desc> with role="img". The id is
 * a digest of the drawing, so the same chart has the same id on every render: the download
 * links (middleware/chart-download.ts) name a chart by it.
 */
export function renderSvgChart(option: echartsType.EChartsOption, frame: ChartFrame): string {
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width: frame.width, height: frame.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: `'${CHART_FONT_FAMILY}', Verdana, sans-serif` }, ...localise(option as Loose, frame.lang) });
    // zrender names classes, clip paths and gradients with process-wide counters (zr3-cls-17);
    // renumbered in order of appearance and prefixed with the chart's id, a render is the same
    // text every time and two charts on one page never share a name.
    const names = new Map<string, string>();
    // Hover rules are dropped: nothing on a server-drawn chart reacts to the mouse, and ECharts
    // writes a gradient's hover fill as "fill:[object Object]".
    const drawing = chart.renderToSVGString().replace(/\.[\w-]+:hover \{[^}]*\}\s*/g, '').replace(/\bzr\d+-([a-z]+-?)\d+\b/g, (name, kind: string) => {
      let renamed = names.get(name);
      if (!renamed) names.set(name, (renamed = `zr-${kind}${names.size}`));
      return renamed;
    });
    return framed(drawing, frame);
  } finally {
    chart.dispose();
  }
}

/**
 * A drawing (`<svg ...>...</svg>`) as the page, the downloads and the PDF take a chart: an id that
 * is a digest of the drawing, so the same chart has the same id on every render (the download
 * links, middleware/chart-download.ts, name a chart by it), names inside it prefixed with that id
 * (`zr-`), and its title and description as <title>/<desc> with role="img".
 */
function framed(drawing: string, frame: ChartFrame): string {
  const id = 'chart-' + crypto.createHash('sha256').update(frame.title).update('\0').update(frame.description).update('\0').update(drawing).digest('hex').slice(0, 12);
  const svg = drawing.replace(/\bzr-/g, `${id}-`);
  return svg.replace(
    /^<svg([^>]*)>/,
    `<svg$1 id="${id}" role="img" aria-labelledby="${id}-t ${id}-d"><title id="${id}-t">${escapeXml(frame.title)}</title><desc id="${id}-d">${escapeXml(frame.description)}</desc>`,
  );
}

/**
 * A chart drawn by hand as SVG markup (`body`: shapes and text, already escaped), framed as
 * renderSvgChart frames ECharts' drawings, in the charts' font. Names that must be unique on the
 * page (gradients, clip paths) are written `zr-<name>`: they get the chart's id as prefix.
 * For charts with many marks (the heat map), where ECharts' layout and SVG writer cost hundreds
 * of milliseconds and several times the bytes.
 */
export function handDrawnSvgChart(body: string, frame: ChartFrame): string {
  const { width, height } = frame;
  const drawing =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${escapeXml(`'${CHART_FONT_FAMILY}', Verdana, sans-serif`)}"><rect width="${width}" height="${height}" fill="#fff"/>${body}</svg>`;
  return framed(drawing, frame);
}

/** A coordinate as written in a hand-drawn chart: at most one decimal. */
export function svgNumber(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/**
 * Lines of text as one <text> of a hand-drawn chart: the first line's baseline at (x, y), each
 * next one `step` px below it (<tspan>), escaped.
 */
export function svgText(x: number, y: number, lines: string[], step: number, attributes = ''): string {
  const [first, ...rest] = lines;
  const at = svgNumber(x);
  return `<text x="${at}" y="${svgNumber(y)}"${attributes}>${escapeXml(first ?? '')}${rest.map((l) => `<tspan x="${at}" dy="${step}">${escapeXml(l)}</tspan>`).join('')}</text>`;
}

// Drawing a chart (ECharts' layout and SVG writer; resvg for a PNG) costs tens to hundreds of
// milliseconds, the same for a round of ten responses as for two million, and a ranking page or
// a report draws several. Kept by the digest of what they draw (see DigestCache), a chart is
// drawn once per state of its numbers, filters and language: a page or PDF asked again before
// new submissions are counted reuses it; once they are counted the numbers differ and it is drawn anew.
const svgCache = new DigestCache<string>(24 * 1024 * 1024, (svg) => 2 * svg.length);
const pngCache = new DigestCache<Buffer>(32 * 1024 * 1024, (png) => png.length);

/**
 * `render()`'s chart, drawn once per distinct `inputs`: everything the chart is drawn from (its
 * data, labels, language), as JSON. A function argument is passed as what it gives for the
 * chart's data (e.g. the labels of the groups shown), not as the function.
 */
export function cachedChart(inputs: unknown, render: () => string): string {
  return svgCache.get(DigestCache.key(inputs), render);
}

/** Charts drawn and reused so far (the tests check that a page asked twice draws nothing new). */
export function chartCacheStats(): { svg: { hits: number; misses: number }; png: { hits: number; misses: number } } {
  return { svg: { hits: svgCache.hits, misses: svgCache.misses }, png: { hits: pngCache.hits, misses: pngCache.misses } };
}

/** The chart with this id in a rendered page, or undefined. */
export function findChart(html: string, id: string): string | undefined {
  const at = html.indexOf(` id="${id}" role="img"`);
  if (at < 0) return undefined;
  const start = html.lastIndexOf('<svg', at);
  const end = html.indexOf('</svg>', at);
  return start < 0 || end < 0 ? undefined : html.slice(start, end + '</svg>'.length);
}

/** A chart's SVG as a file of its own (an XML declaration, the namespace ECharts already writes). */
export function chartSvgFile(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}

/**
 * A chart as PNG, drawn on the server by resvg (Rust, no browser, no network) with the fonts
 * the chart was measured in, on white (so without an alpha channel), at `scale` times its size
 * (2 = sharp on paper and on high-density screens).
 */
export function chartPng(svg: string, scale = 2): Buffer {
  return pngCache.get(DigestCache.key([svg, scale]), () => drawPng(svg, scale));
}

function drawPng(svg: string, scale: number): Buffer {
  const font = dejaVuSansIfPresent();
  const bold = font ? dejaVuSansBoldIfPresent() : undefined;
  const { Resvg } = require('@resvg/resvg-js') as { Resvg: typeof ResvgType };
  const drawing = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: !font, fontFiles: [font, bold].filter((f): f is string => Boolean(f)), defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY },
  });
  const image = drawing.render();
  // The pixmap and pixels live in resvg's own allocator (mimalloc) until these wrappers are
  // collected; V8 sees a few bytes and would keep them for minutes (heap.ts collectSoon).
  collectSoon();
  // Without the alpha channel (lib/png.ts): pdfkit then embeds the report's charts as they are.
  return opaqueRgbPng(image.pixels, image.width, image.height);
}
