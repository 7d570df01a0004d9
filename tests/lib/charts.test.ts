import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { CHART_FONT_WIDTHS } from '../../src/lib/chart-font-widths';
import { dejaVuSansIfPresent } from '../../src/lib/fonts';
import { chartPng, findChart, formatChartNumber, handDrawnSvgChart, inkOn, overWhite, rampColour, renderSvgChart, spreadLabels, textWidth, wrappedLines, wrapText } from '../../src/lib/charts';

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('chart numbers in the reader\'s locale', () => {
  it('writes decimal commas and thin-space thousands in Kazakh and Russian, points and commas in English', () => {
    expect(formatChartNumber(1234567.891, 'ru')).toBe('1\u202f234\u202f567,89');
    expect(formatChartNumber(1234567.891, 'kk')).toBe('1\u202f234\u202f567,89');
    expect(formatChartNumber(1234567.891, 'en')).toBe('1,234,567.89');
    expect(formatChartNumber(-0.5, 'ru')).toBe('−0,5');
    expect(formatChartNumber(3.1, 'en', 2, 2)).toBe('3.10');
  });

  it('writes years as years in every language', () => {
    for (const lang of ['kk', 'ru', 'en'] as const) expect(formatChartNumber(2025, lang)).toBe('2025');
    expect(formatChartNumber(12025, 'en')).toBe('12,025');
  });

  it('localises value axes and value labels that had no formatter of their own', () => {
    const years = { xAxis: { type: 'value', min: 2020, max: 2025, interval: 1 }, yAxis: { type: 'category', data: ['a'] }, series: [{ type: 'scatter', data: [[2022, 0]] }] } as never;
    const labelled = { xAxis: { type: 'category', data: ['a'] }, yAxis: { type: 'value', min: 0, max: 2, interval: 0.5 }, series: [{ type: 'bar', data: [1.25], label: { show: true } }] } as never;
    const frame = (lang: 'ru' | 'en') => ({ width: 400, height: 200, title: 't', description: 'd', lang });
    for (const lang of ['ru', 'en'] as const) {
      const axis = texts(renderSvgChart(years, frame(lang)));
      expect(axis).toContain('2024');
      expect(axis.join(' ')).not.toMatch(/2[,\s\u00a0\u202f]024/);
    }
    const ru = texts(renderSvgChart(labelled, frame('ru')));
    expect(ru).toContain('1,25');
    expect(ru).toContain('0,5');
    const en = texts(renderSvgChart(labelled, frame('en')));
    expect(en).toContain('1.25');
    expect(en).toContain('0.5');
  });
});

describe('chart labels', () => {
  it('measures text in the chart font: a Cyrillic word is narrower than font size per letter', () => {
    const word = 'Усть-Каменогорск';
    expect(textWidth(word, 12)).toBeLessThan(word.length * 12 * 0.75);
    expect(textWidth(word, 12)).toBeGreaterThan(word.length * 12 * 0.4);
  });

  it('counts the lines a wrapped label takes', () => {
    expect(wrappedLines('B01', 200, 11)).toBe(1);
    const long = 'город Усть-Каменогорск и прилегающие сельские округа Восточно-Казахстанской области';
    const lines = wrappedLines(long, 120, 11);
    expect(lines).toBeGreaterThanOrEqual(Math.ceil(textWidth(long, 11) / 120));
    expect(lines).toBeLessThanOrEqual(Math.ceil(textWidth(long, 11) / 120) + 3);
  });

  it('wraps a long category label inside its width instead of cutting it', () => {
    const name = 'Интегральный индекс инновационной активности города Усть-Каменогорск';
    const svg = renderSvgChart(
      { grid: { left: 160 }, xAxis: { type: 'value' }, yAxis: { type: 'category', data: [name], axisLabel: { width: 150, overflow: 'break', interval: 0 } }, series: [{ type: 'bar', data: [1] }] } as never,
      { width: 500, height: 200, title: 't', description: 'd', lang: 'ru' },
    );
    const lines = texts(svg).filter((s) => name.includes(s.trim()) && s.trim().length > 3);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe(name);
    for (const line of lines) expect(textWidth(line, 12)).toBeLessThanOrEqual(150 + 1);
  });
});

describe('chart files', () => {
  const svg = renderSvgChart({ xAxis: { type: 'category', data: ['Әйел', 'Ұл'] }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: [1.5, 2] }] } as never, { width: 300, height: 150, title: 'Қазақша', description: 'd', lang: 'kk' });

  it('gives the same text, and so the same id, on every render', () => {
    const again = renderSvgChart({ xAxis: { type: 'category', data: ['Әйел', 'Ұл'] }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: [1.5, 2] }] } as never, { width: 300, height: 150, title: 'Қазақша', description: 'd', lang: 'kk' });
    expect(again).toBe(svg);
    const id = /id="(chart-[0-9a-f]{12})"/.exec(svg)![1]!;
    expect(findChart(`<p>x</p>${svg}<p>y</p>`, id)).toBe(svg);
    expect(findChart(svg, 'chart-000000000000')).toBeUndefined();
  });

  it('draws a PNG of twice the size with something on it', () => {
    const png = chartPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(600);
    expect(png.readUInt32BE(20)).toBe(300);
    expect(png.length).toBeGreaterThan(2000);
  });
});

describe('spreadLabels', () => {
  it('leaves labels that do not touch where they are', () => {
    expect(spreadLabels([1, 2, 3], 0.1, 0, 5)).toEqual([1, 2, 3]);
  });
  it('spreads a cluster evenly about its middle, keeping the order of the points', () => {
    const at = spreadLabels([3, 3, 3.05], 0.1, 1, 5);
    // Centred on the mean 3.016667, 0.1 apart.
    expect(at[0]).toBeCloseTo(2.9166667, 6);
    expect(at[1]).toBeCloseTo(3.0166667, 6);
    expect(at[2]).toBeCloseTo(3.1166667, 6);
  });
  it('keeps every label inside the axis and at least the gap apart, whatever the input', () => {
    const values = [5, 4.99, 4.98, 1, 1.01, 3, 3, 3, 2.99, 4.97];
    const at = spreadLabels(values, 0.2, 1, 5);
    const sorted = [...at].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(0.2 - 1e-9);
    for (const v of at) expect(v >= 1 - 1e-9 && v <= 5 + 1e-9).toBe(true);
    // Order preserved: a higher point never gets a lower label.
    for (let i = 0; i < values.length; i++) for (let j = 0; j < values.length; j++) if (values[i]! < values[j]!) expect(at[i]!).toBeLessThan(at[j]!);
  });
});

describe('chart text widths', () => {
  const file = dejaVuSansIfPresent();

  it.skipIf(!file)('has the advance of every character in its table as the installed DejaVu Sans sets it', () => {
    const doc = new PDFDocument({ autoFirstPage: false });
    doc.registerFont('chart', file!);
    doc.font('chart').fontSize(1000);
    const off = Object.entries(CHART_FONT_WIDTHS).filter(([c, w]) => Math.abs(doc.widthOfString(c) / 1000 - w) > 1e-4);
    expect(off).toEqual([]);
    for (const c of 'AzАяӘәҒғҚқҢңӨөҰұҮүҺһІі0123456789,.%–−№«»\u202f\u00a0') expect(CHART_FONT_WIDTHS[c], c).toBeGreaterThan(0);
  });

  it.skipIf(!file)('never measures a label narrower than pdfkit sets it with kerning, and at most 5 % wider', () => {
    const doc = new PDFDocument({ autoFirstPage: false });
    doc.registerFont('chart', file!);
    doc.font('chart').fontSize(11);
    for (const label of ['B01 Низкий спрос на инновационную продукцию', 'Үкіметтік бағдарламалар туралы ақпараттың жетіспеушілігі', 'Lack of funds: “AVAToday” Wy, Ty, LT', 'город Усть-Каменогорск (Өскемен)', '4,50 (n = 2)']) {
      const kerned = doc.widthOfString(label);
      // The table's widths are rounded to 1/10,000 of the size: a few hundredths of a pixel on a label.
      expect(textWidth(label, 11), label).toBeGreaterThanOrEqual(kerned - 0.05);
      expect(textWidth(label, 11), label).toBeLessThanOrEqual(kerned * 1.05);
    }
  });
});

describe('hand-drawn charts', () => {
  it('colours along a ramp as ECharts\' visualMap does: linear in RGB between evenly spaced stops, clamped', () => {
    expect(rampColour(['#000000', '#ffffff'], 0.5)).toBe('#808080'); // 127.5 rounds up
    const rdbu = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];
    expect(rampColour(rdbu, 0)).toBe('#2166ac');
    expect(rampColour(rdbu, 1)).toBe('#b2182b');
    expect(rampColour(rdbu, 0.5)).toBe('#f7f7f7');
    // 0.625 of four segments = 2.5: half-way from #f7f7f7 to #f4a582 = (245.5, 206, 188.5).
    expect(rampColour(rdbu, 0.625)).toBe('#f6cebd');
    expect(rampColour(rdbu, -3)).toBe('#2166ac');
    expect(rampColour(rdbu, 7)).toBe('#b2182b');
  });

  it('sees a colour at an opacity over white, and picks the ink with the higher WCAG contrast', () => {
    expect(overWhite('#000000', 0.5)).toBe('#808080');
    expect(overWhite('#b2182b', 1)).toBe('#b2182b');
    // WCAG 2: white on #2166ac is 6.0:1, #1a1a1a on it 3.0:1; on #f7f7f7 the dark ink wins by far.
    expect(inkOn('#2166ac')).toBe('#ffffff');
    expect(inkOn('#b2182b')).toBe('#ffffff');
    expect(inkOn('#f7f7f7')).toBe('#1a1a1a');
    expect(inkOn('#f4a582')).toBe('#1a1a1a');
  });

  it('wraps text into lines that fit, breaking a word only when it is wider than the box', () => {
    const long = 'город Усть-Каменогорск и прилегающие сельские округа';
    const lines = wrapText(long, 120, 11);
    expect(lines.join(' ')).toBe(long);
    for (const l of lines) expect(textWidth(l, 11)).toBeLessThanOrEqual(120);
    const word = 'Восточно-Казахстанской';
    const broken = wrapText(word, 40, 11);
    expect(broken.length).toBeGreaterThan(1);
    expect(broken.join('')).toBe(word);
    for (const l of broken) expect(textWidth(l, 11)).toBeLessThanOrEqual(40);
    expect(wrapText('', 100, 11)).toEqual(['']);
    expect(wrappedLines(long, 120, 11)).toBe(lines.length);
  });

  it('frames a hand-drawn chart like an ECharts one: id from its content, title and description, names prefixed, PNG by resvg', () => {
    const frame = { width: 100, height: 40, title: 'T & <t>', description: 'D', lang: 'en' as const };
    const svg = handDrawnSvgChart('<defs><linearGradient id="zr-g"><stop offset="0" stop-color="#000"/></linearGradient></defs><rect x="1" y="1" width="10" height="10" fill="url(#zr-g)"/>', frame);
    const id = /id="(chart-[0-9a-f]{12})" role="img"/.exec(svg)?.[1];
    expect(id).toBeDefined();
    expect(svg).toContain(`<title id="${id}-t">T &amp; &lt;t&gt;</title><desc id="${id}-d">D</desc>`);
    expect(svg).toContain(`id="${id}-g"`);
    expect(svg).toContain(`url(#${id}-g)`);
    expect(handDrawnSvgChart('<rect x="1" y="1" width="10" height="10" fill="#000"/>', frame)).not.toContain(id!);
    expect(findChart(`<p>${svg}</p>`, id!)).toBe(svg);
    const png = chartPng(svg, 2);
    expect(png.readUInt32BE(16)).toBe(200);
  });
});

