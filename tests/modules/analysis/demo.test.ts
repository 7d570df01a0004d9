import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { analysisService } from '../../../src/modules/analysis/analysis.service';
import { DEMO_OPEN_ROUND_TITLE } from '../../../src/modules/responses/responses.demo';


describe('analysis on the demo data', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  let openRound: number;
  let closedRound: number;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
    researcher = await loginAs(t, 'researcher');
    const rounds = await analysisService(t.ctx.db).listRounds();
    // The barriers round (the demo also has a round of the extended questionnaire).
    openRound = rounds.find((r) => r.title === DEMO_OPEN_ROUND_TITLE && r.submitted > 0)!.id;
    closedRound = rounds.find((r) => r.status === 'closed' && r.submitted > 0)!.id;
  });
  afterAll(async () => t.close());

  it('ranks B01 (low demand for innovative products) in the top three, as the published study found', async () => {
    const ranking = await analysisService(t.ctx.db).ranking(openRound);
    expect(ranking.respondents).toBeGreaterThanOrEqual(300);
    const b01 = ranking.items.find((i) => i.code === 'B01')!;
    expect(b01.rank).toBeLessThanOrEqual(3);
    // Published mean 4.5 (seeds/domain questionnaire referenceMean); the demo draws around it.
    expect(b01.mean!).toBeGreaterThan(4.2);
    expect(b01.ciLow!).toBeLessThan(b01.mean!);
    expect(ranking.items).toHaveLength(22);
    expect(ranking.categories).toHaveLength(5);
    expect(ranking.items.find((i) => i.kruskalWallis !== null)).toBeDefined();
  });

  it('renders the page with the comparison against the closed round', async () => {
    const res = await researcher.agent.get(`/analysis/rounds/${openRound}?compare=${closedRound}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/NaN|undefined/);
    expect(res.text).toContain('id="mw-heading"');
    const first = /<td class="num">1<\/td>\s*<td><code>(B\d\d)<\/code>/.exec(res.text);
    expect(['B01', 'B06', 'B03', 'B07', 'B08']).toContain(first?.[1]);
    const api = await researcher.agent.get(`/api/v1/rounds/${openRound}/ranking?compare=${closedRound}`);
    expect(api.body.items.slice(0, 3).map((i: { code: string }) => i.code)).toContain('B01');
    expect(api.body.comparison.items).toHaveLength(22);
  });

  it('fills the SWOT, PEST and agreement sheets from the demo panel linked to the open round', async () => {
    const res = await researcher.agent.get(`/analysis/rounds/${openRound}/workbook.xlsx`).set('cookie', 'kedergi_lang=en').buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ArrayBuffer);
    const names = wb.worksheets.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(['Responses', 'Item statistics', 'Category statistics', 'SWOT', 'PEST', 'Expert agreement']));
    expect(wb.getWorksheet('Responses')!.actualRowCount - 1).toBeGreaterThanOrEqual(300);
    const swot = wb.getWorksheet('SWOT')!;
    expect(swot.actualRowCount).toBeGreaterThan(10);
    expect(String(swot.getRow(1).getCell(1).value)).not.toBe('Note');
  });
});
