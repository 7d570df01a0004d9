import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedIn, TestApp } from '../../helpers/app';
import { smallRoundWorld } from '../../helpers/analysis-round';
import type { SurveyFixture } from './fixtures';

/** The heat map barrier x territory / sector / size against hand-computed cells of SMALL_ROUND. */
describe('heat map', () => {
  let t: TestApp;
  let survey: SurveyFixture;
  let roundId: number;
  let researcher: LoggedIn;

  beforeAll(async () => {
    ({ t, survey, roundId, researcher } = await smallRoundWorld({ title: 'Heat' }));
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

  it('draws the chosen map on the ranking page with locale numbers and small cells marked with their n', async () => {
    const res = await researcher.agent.get(`/analysis/rounds/${roundId}?heatmap=sector&measure=top2`).set('cookie', 'kedergi_lang=ru');
    expect(res.status).toBe(200);
    const svg = /<svg[^>]*role="img"[^>]*><title id="[^"]+">Доля оценок 4–5 каждого барьера по отрасли<\/title>[\s\S]*?<\/svg>/.exec(res.text)?.[0];
    expect(svg).toBeDefined();
    const texts = [...svg!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(texts).toContain('50\u00a0%'); // A2 in sector G: 1 of 2 ratings is 4-5
    expect(texts).toContain('(n = 2)');
    expect(svg).toMatch(/<desc[^>]*>[^<]*меньше 5 оценок/);
    expect(res.text).toMatch(/<option value="sector" selected>/);
    const mean = await researcher.agent.get(`/analysis/rounds/${roundId}?heatmap=territory`).set('cookie', 'kedergi_lang=ru');
    expect(mean.text).toContain('Средняя оценка каждого барьера по территории');
    expect(mean.text).toContain('>3,50<'); // A1 in T1, decimal comma
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}?heatmap=region`)).status).toBe(400);
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}?measure=median`)).status).toBe(400);
  });
});
