import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryParser, type LoggedIn, type TestApp } from '../../helpers/app';
import { smallRoundWorld } from '../../helpers/analysis-round';
import { addResponses, createRound, SMALL_ROUND, type ResponseSpec, type SurveyFixture } from './fixtures';
import { translator } from '../../../src/i18n';
import { findChart } from '../../../src/lib/charts';
import { heatMapChart, SMALL_CELL, type HeatMapCells } from '../../../src/modules/analysis/analysis.heatmap';
import type { ItemRanking } from '../../../src/modules/analysis/analysis.service';

interface DrawnText {
  x: number;
  y: number;
  lines: string[];
  fill: string | undefined;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Every <text> of a hand-drawn chart with its position, its lines (tspans) and its own fill. */
function textsOf(svg: string): DrawnText[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"([^>]*)>([\s\S]*?)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    fill: /fill="([^"]+)"/.exec(m[3]!)?.[1],
    lines: m[4]!.split(/<tspan[^>]*>/).map((l) => unescape(l.replace(/<\/tspan>/g, ''))),
  }));
}

interface DrawnCell {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  pale: boolean;
  text: DrawnText | undefined;
}

/**
 * The heat map's cells as drawn: each rect of the plain group (white borders) or the pale group
 * (dashed borders), with the text centred in it. Rows are the distinct tops in order, columns
 * the distinct lefts, so cell(row, column) is where the reader sees it.
 */
function drawnGrid(svg: string): { rows: number[]; columns: number[]; cell: (row: number, column: number) => DrawnCell | undefined; texts: DrawnText[] } {
  const texts = textsOf(svg);
  const cells: DrawnCell[] = [];
  for (const g of svg.matchAll(/<g (stroke="#fff"|fill-opacity="[^"]+" stroke="#6b6b6b"[^>]*)>((?:<rect [^>]*\/>)*)<\/g>/g)) {
    for (const r of g[2]!.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="([^"]+)"\/>/g)) {
      const [x, y, width, height] = [1, 2, 3, 4].map((k) => Number(r[k]));
      const text = texts.find((t) => Math.abs(t.x - (x! + width! / 2)) < 0.01 && t.y > y! && t.y < y! + height!);
      cells.push({ x: x!, y: y!, width: width!, height: height!, fill: r[5]!, pale: g[1] !== 'stroke="#fff"', text });
    }
  }
  const rows = [...new Set(cells.map((c) => c.y))].sort((a, b) => a - b);
  const columns = [...new Set(cells.map((c) => c.x))].sort((a, b) => a - b);
  return { rows, columns, texts, cell: (row, column) => cells.find((c) => c.y === rows[row] && c.x === columns[column]) };
}

/** The RGB of the pixel at (x, y) of the chart as resvg draws it for the PNG download and the PDF (zoom 1). */
function pixel(svg: string, x: number, y: number): string {
  const image = new Resvg(svg, { background: '#ffffff' }).render();
  const at = (Math.round(y) * image.width + Math.round(x)) * 4;
  return '#' + [0, 1, 2].map((k) => image.pixels[at + k]!.toString(16).padStart(2, '0')).join('');
}

/** The heat map barrier x territory / sector / size against hand-computed cells of SMALL_ROUND. */
describe('heat map', () => {
  let t: TestApp;
  let survey: SurveyFixture;
  let roundId: number;
  let researcher: LoggedIn;

  /** SMALL_ROUND plus three more in T1, so that T1's A-barriers have n >= SMALL_CELL and are drawn in full colour. */
  let fullRoundId: number;
  const MORE_IN_T1: ResponseSpec[] = [
    { territory: 'T1', sector: 'C', size: 'micro', innovated: true, ratings: { A1: 5, A2: 1, A3: 4, B1: 2, B2: 3 } },
    { territory: 'T1', sector: 'C', size: 'micro', innovated: true, ratings: { A1: 5, A2: 1, A3: 4, B1: 2, B2: 3 } },
    { territory: 'T1', sector: 'G', size: 'small', innovated: false, ratings: { A1: 1, A2: 1, A3: 4, B1: 2, B2: 3 } },
  ];

  beforeAll(async () => {
    ({ t, survey, roundId, researcher } = await smallRoundWorld({ title: 'Heat' }));
    fullRoundId = await createRound(t.ctx.db, survey, 'Heat, more in T1');
    await addResponses(t.ctx.db, survey, fullRoundId, [...SMALL_ROUND, ...MORE_IN_T1]);
  });
  afterAll(async () => t?.close());

  const cell = (map: Awaited<ReturnType<TestApp['services']['analysis']['heatMap']>>, item: string, group: string) => map.cells.find((c) => c.itemCode === item && c.group === group);

  it('counts each barrier per territory, with "not stated" last and "cannot judge" left out', async () => {
    const ranking = await t.services.analysis.ranking(roundId);
    const map = await t.services.analysis.heatMap(ranking, 'territory');
    const [t1, t2] = [String(survey.territoryIds.T1), String(survey.territoryIds.T2)];
    expect(map.groups).toEqual([t1, t2, ''].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : Number(a) - Number(b))));
    expect(map.items.map((i) => i.code)).toEqual(ranking.items.map((i) => i.code));
    // A1: T1 rated 4 and 3; T2 5, 2 and 4; no territory 5.
    expect(cell(map, 'A1', t1)).toMatchObject({ n: 2, mean: 3.5, top2: 0.5 });
    expect(cell(map, 'A1', t2)?.n).toBe(3);
    expect(cell(map, 'A1', t2)?.mean).toBeCloseTo(11 / 3, 12);
    expect(cell(map, 'A1', '')).toMatchObject({ n: 1, mean: 5, top2: 1 });
    // B2 in T1: one "cannot judge" and one 2.
    expect(cell(map, 'B2', t1)).toMatchObject({ n: 1, mean: 2, top2: 0 });
  });

  it('groups by sector and by size, under the page filters', async () => {
    const ranking = await t.services.analysis.ranking(roundId);
    const bySector = await t.services.analysis.heatMap(ranking, 'sector');
    expect(cell(bySector, 'A2', 'C')).toMatchObject({ n: 3, top2: 1 });
    expect(cell(bySector, 'A2', 'C')?.mean).toBeCloseTo(14 / 3, 12);
    expect(cell(bySector, 'A2', 'G')).toMatchObject({ n: 2, mean: 3.5, top2: 0.5 });
    const filtered = await t.services.analysis.ranking(roundId, { sector: 'C' });
    const bySize = await t.services.analysis.heatMap(filtered, 'size');
    expect(bySize.groups).toEqual(['medium', 'micro']);
    expect(cell(bySize, 'A3', 'micro')).toMatchObject({ n: 2, mean: 4 });
  });

  const heatMapOf = (html: string, title: RegExp) => {
    const id = new RegExp(`id="(chart-[0-9a-f]{12})" role="img" aria-labelledby="[^"]+"><title id="[^"]+">${title.source}`).exec(html)?.[1];
    expect(id, 'heat map on the page').toBeDefined();
    return findChart(html, id!)!;
  };

  it("draws each cell where the reader looks for it: its barrier's row, its group's column, its value in the reader's locale and its colour", async () => {
    const ranking = await t.services.analysis.ranking(fullRoundId);
    const map = await t.services.analysis.heatMap(ranking, 'territory');
    const res = await researcher.agent.get(`/analysis/rounds/${fullRoundId}?heatmap=territory`).set('cookie', 'kedergi_lang=ru');
    expect(res.status).toBe(200);
    const svg = heatMapOf(res.text, /Средняя оценка каждого барьера по территории/);
    const grid = drawnGrid(svg);
    expect(grid.rows).toHaveLength(map.items.length);
    expect(grid.columns).toHaveLength(map.groups.length);
    const row = (code: string) => map.items.findIndex((i) => i.code === code);
    const column = (territory: 'T1' | 'T2' | null) => map.groups.indexOf(territory ? String(survey.territoryIds[territory]) : '');
    // Row labels: the barrier's code and wording, level with its row; column headings: the territory's name.
    for (const [k, item] of map.items.entries()) {
      const label = grid.texts.find((x) => x.lines[0]!.startsWith(`${item.code} `));
      expect(label, item.code).toBeDefined();
      expect(label!.y).toBeGreaterThan(grid.rows[k]!);
      expect(label!.y).toBeLessThan(grid.rows[k + 1] ?? Infinity);
    }
    // Wrapped inside its column, between words or, for a long word, between letters.
    const heading = grid.texts.find((x) => x.lines.join('').replace(/\s/g, '') === 'Усть-Каменогорск')!;
    expect(Math.abs(heading.x - (grid.columns[column('T1')]! + 38))).toBeLessThan(0.01);

    // A1 in T1: 4, 3, 5, 5, 1: n = 5 (not small), mean 18/5 = 3.60. On the 1-5 ramp that is
    // 0.65 of the way: 0.6 from #f7f7f7 to #f4a582, i.e. (245.2, 197.8, 176.8) = #f5c6b1, with dark ink.
    const a1t1 = grid.cell(row('A1'), column('T1'))!;
    expect(a1t1).toMatchObject({ pale: false, fill: '#f5c6b1' });
    expect(a1t1.text?.lines).toEqual(['3,60']);
    expect(a1t1.text?.fill).toBeUndefined();
    // A2 in T1: 5, 4, 1, 1, 1: mean 12/5 = 2.40, 0.35 of the ramp: 0.4 from #92c5de to #f7f7f7 = #bad9e8.
    expect(grid.cell(row('A2'), column('T1'))).toMatchObject({ pale: false, fill: '#bad9e8', text: { lines: ['2,40'] } });
    // A1 in T2: 5, 2, 4: n = 3 < SMALL_CELL, so pale with its n; mean 11/3 = 3.67.
    const a1t2 = grid.cell(row('A1'), column('T2'))!;
    expect(a1t2.pale).toBe(true);
    expect(a1t2.text?.lines).toEqual(['3,67', '(n = 3)']);
    // The one response without a territory is the last column: A1 = 5, the top of the ramp.
    expect(grid.cell(row('A1'), column(null))).toMatchObject({ pale: true, fill: '#b2182b', text: { lines: ['5,00', '(n = 1)'] } });
    // A small cell is drawn at 35 % over white, as resvg draws it for the PNG and the PDF.
    expect(pixel(svg, a1t1.x + 3, a1t1.y + 3)).toBe('#f5c6b1');
    const pale = grid.cell(row('A1'), column(null))!;
    // 255 - (255 - (178, 24, 43)) * 0.35 = (228.05, 174.15, 180.8)
    expect(pixel(svg, pale.x + 4, pale.y + 4)).toBe('#e4aeb5');
    // Legend: the scale's points under the ramp, the small-cell key.
    const legend = grid.texts.map((x) => x.lines.join(' '));
    for (const p of ['1', '2', '3', '4', '5']) expect(legend).toContain(p);
    expect(legend).toContain('меньше 5 оценок: бледная, с n');
    // The same numbers as a table, for screen readers and narrow screens: one row per cell, grouped by barrier.
    const table = /<details class="heatmap-table">([\s\S]*?)<\/details>/.exec(res.text)?.[1] ?? '';
    expect(table).toContain('<th scope="col">Территория</th>');
    const a1 = /<tbody>\s*<tr><th scope="rowgroup" rowspan="(\d+)">A1 [^<]*<\/th>([\s\S]*?)<\/tbody>/.exec(table);
    expect(a1?.[1]).toBe(String(map.groups.length));
    const rows = [...a1![2]!.matchAll(/<td>([^<]*)<\/td><td class="num( small-cell)?">([^<]*)<\/td><td class="num(?: small-cell)?">(\d+)<\/td>/g)].map((m) => [m[1], m[3], Number(m[4]), Boolean(m[2])]);
    expect(rows).toEqual([
      ['Усть-Каменогорск', '3,60', 5, false],
      ['Зайсанский район', '3,67', 3, true],
      ['не указано', '5,00', 1, true],
    ]);
  });

  it('draws the chosen map on the ranking page with locale numbers and small cells marked with their n', async () => {
    const res = await researcher.agent.get(`/analysis/rounds/${roundId}?heatmap=sector&measure=top2`).set('cookie', 'kedergi_lang=ru');
    expect(res.status).toBe(200);
    const svg = heatMapOf(res.text, /Доля оценок 4–5 каждого барьера по отрасли/);
    const ranking = await t.services.analysis.ranking(roundId);
    const map = await t.services.analysis.heatMap(ranking, 'sector');
    const grid = drawnGrid(svg);
    // A2 in sector G: 4 and 3, one of two ratings 4-5: 50 %, pale (n = 2), coloured at the middle of the ramp.
    const a2g = grid.cell(map.items.findIndex((i) => i.code === 'A2'), map.groups.indexOf('G'))!;
    expect(a2g).toMatchObject({ pale: true, fill: '#f7f7f7', text: { lines: ['50\u00a0%', '(n = 2)'] } });
    expect(grid.texts.map((x) => x.lines.join(' '))).toContain('100\u00a0%');
    expect(svg).toMatch(/<desc[^>]*>[^<]*меньше 5 оценок/);
    expect(res.text).toMatch(/<option value="sector" selected>/);
    const mean = await researcher.agent.get(`/analysis/rounds/${roundId}?heatmap=territory`).set('cookie', 'kedergi_lang=ru');
    expect(mean.text).toContain('Средняя оценка каждого барьера по территории');
    expect(mean.text).toContain('>3,50<'); // A1 in T1, decimal comma
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}?heatmap=region`)).status).toBe(400);
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}?measure=median`)).status).toBe(400);
  });

  it('downloads the heat map as a PNG drawn from the same SVG, twice its size', async () => {
    const page = await researcher.agent.get(`/analysis/rounds/${fullRoundId}`).set('cookie', 'kedergi_lang=en');
    const svg = heatMapOf(page.text, /Mean rating of each barrier by territory/);
    const id = /id="(chart-[0-9a-f]{12})"/.exec(svg)![1];
    const png = await researcher.agent.get(`/analysis/rounds/${fullRoundId}?chart=${id}&format=png`).set('cookie', 'kedergi_lang=en').buffer(true).parse(binaryParser);
    expect(png.status).toBe(200);
    const body = png.body as Buffer;
    expect(body.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(body.readUInt32BE(16)).toBe(2 * Number(/width="(\d+)"/.exec(svg)![1]));
  });

  it('stays light for a national map: 40 barriers by 17 territories in under 100 kB, every cell drawn', () => {
    const lang = 'ru' as const;
    const items = Array.from({ length: 40 }, (_, k) => ({ id: k + 1, code: `B${String(k + 1).padStart(2, '0')}`, text_kk: `Кедергі ${k + 1}`, text_ru: `Барьер номер ${k + 1}: недостаток средств и кадров для инноваций`, text_en: `Barrier ${k + 1}` }) as unknown as ItemRanking);
    const groups = Array.from({ length: 17 }, (_, k) => String(k + 1));
    const cells = items.flatMap((item, i) => groups.map((group, g) => ({ itemCode: item.code, group, n: (i + g) % 9 === 0 ? 3 : 40 + i, mean: 1 + ((i * 7 + g * 3) % 40) / 10, top2: ((i + g) % 10) / 10 })));
    const map: HeatMapCells = { items, groups, cells };
    const svg = heatMapChart({ map, scale: { min: 1, max: 5, points: [1, 2, 3, 4, 5], labels: {} } as never, measure: 'mean', groupLabel: (g) => `Район номер ${g}`, byLabel: 'территории', t: translator(lang), lang });
    const grid = drawnGrid(svg);
    expect(grid.rows).toHaveLength(40);
    expect(grid.columns).toHaveLength(17);
    expect(grid.cell(39, 16)?.text?.lines).toEqual([`${(1 + ((39 * 7 + 16 * 3) % 40) / 10).toFixed(2).replace('.', ',')}`]);
    expect([...svg.matchAll(/<rect /g)].length).toBe(680 + 3); // cells, background, legend bar and small-cell key
    expect(cells.filter((c) => c.n < SMALL_CELL).length).toBe([...svg.matchAll(/\(n = 3\)/g)].length);
    expect(Buffer.byteLength(svg)).toBeLessThan(100 * 1024);
  });
});
