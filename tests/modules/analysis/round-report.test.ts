import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PANEL_NAME } from '../../../src/modules/experts/experts.seed';
import { DEMO_CLOSED_ROUND_TITLE, DEMO_OPEN_ROUND_TITLE } from '../../../src/modules/responses/responses.demo';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

const hasPoppler = fs.existsSync('/usr/bin/pdftotext') && fs.existsSync('/usr/bin/pdfimages');

/**
 * The round report page and PDF on the demo data: summary, ranking with intervals, the
 * comparison with the previous round, the heat map, the linked panel's SWOT and PEST, marked
 * provisional while the survey round they draw barriers from is open (page, PDF, exports, API).
 */
describe('round report page and PDF', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  let token: string;
  let open: { id: number };
  let closed: { id: number };
  let panel: { id: number };
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
    researcher = await loginAs(t, 'researcher');
    token = await apiTokenFor(t, 'researcher');
    open = await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first();
    closed = await t.ctx.db('rounds').where({ title: DEMO_CLOSED_ROUND_TITLE }).first();
    panel = await t.ctx.db('panels').where({ name: DEMO_PANEL_NAME }).first();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-round-report-'));
  }, 120_000);
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('shows the summary, the ranking with intervals, the comparison with the previous round, the heat map and the provisional SWOT and PEST', async () => {
    const res = await researcher.agent.get(`/analysis/rounds/${open.id}/report`).set('cookie', 'kedergi_lang=ru');
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/NaN|undefined|Infinity|\[object|⟦/);
    const ranking = (await request(t.app).get(`/api/v1/rounds/${open.id}/ranking`).set('Authorization', `Bearer ${token}`)).body;
    const top = ranking.items[0];
    // Summary: the top barrier with its mean and interval, as the ranking API has them.
    const summary = res.text.slice(res.text.indexOf('id="summary-heading"'), res.text.indexOf('id="ranking-heading"'));
    expect(summary).toContain(top.text.ru);
    expect(summary).toContain(top.mean.toFixed(2).replace('.', ','));
    expect(summary).toContain(top.ciLow.toFixed(2).replace('.', ','));
    // Without ?compare the report compares with the previous round of the questionnaire.
    expect(res.text).toContain(`Сравнение с раундом «${DEMO_CLOSED_ROUND_TITLE}»`);
    expect(res.text).toMatch(/id="comparison-heading"[\s\S]*<table/);
    expect(res.text).toContain(DEMO_PANEL_NAME);
    expect(res.text).toContain('Матрица SWOT');
    expect(res.text).toContain('Профиль PEST');
    expect(res.text).toContain('Предварительно: сила барьеров из опроса берётся из раунда');
    const charts = res.text.match(/<svg[^>]* role="img"/g) ?? [];
    expect(charts.length).toBe(6); // means, distribution, slope, heat map, SWOT, PEST
    expect((res.text.match(/format=png/g) ?? []).length).toBe(6);
    // The heat map's numbers as a table too: the top barrier's cells, one per territory, with n.
    const heatTable = /<details class="heatmap-table">[\s\S]*?<\/details>/.exec(res.text)?.[0] ?? '';
    expect(heatTable).toContain('<caption>Средняя оценка каждого барьера по территории</caption>');
    const topRows = new RegExp(`<th scope="rowgroup" rowspan="(\\d+)">${top.code} `).exec(heatTable);
    expect(Number(topRows?.[1])).toBeGreaterThan(1);
    // A chosen comparison wins over the default; a filter is stated.
    const filtered = await researcher.agent.get(`/analysis/rounds/${open.id}/report?sector=C&compare=${closed.id}`).set('cookie', 'kedergi_lang=ru');
    expect(filtered.status).toBe(200);
    expect(filtered.text).toMatch(/class="analysis-filter-statement">С фильтром: [^<]*\(C\)|class="analysis-filter-statement">С фильтром: [^<]*:/);
    expect((await researcher.agent.get(`/analysis/rounds/${open.id}/report?compare=${open.id}`)).status).toBe(400);
  });

  it.skipIf(!hasPoppler)('gives the same content as a PDF: charts as images, SWOT and PEST marked provisional, in Kazakh', async () => {
    const res = await request(t.app).get(`/api/v1/rounds/${open.id}/report.pdf?lang=kk`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    const file = path.join(dir, 'report-kk.pdf');
    fs.writeFileSync(file, res.body as Buffer);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('SWOT матрицасы');
    expect(text).toContain('PEST бейіні');
    expect(text).toContain(DEMO_PANEL_NAME);
    expect(text).toContain('АЛДЫН АЛА: Алдын ала: сауалнама кедергілерінің күші');
    expect(text).toContain(`«${DEMO_CLOSED_ROUND_TITLE}» раундымен салыстыру`);
    const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    // means, distribution, slope, heat map, SWOT, PEST (each with its alpha mask, type "smask")
    expect(images.filter((l) => l.trim().split(/\s+/)[2] === 'image').length).toBe(6);
  });

  it('marks the SWOT provisional on its page, export and API while the survey round is open, and not once it is closed', async () => {
    const page = await researcher.agent.get(`/panels/${panel.id}/swot`).set('cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Provisional: the survey barriers’ strengths come from the survey round');
    const json = await request(t.app).get(`/api/v1/panels/${panel.id}/swot`).set('Authorization', `Bearer ${token}`);
    expect(json.body.surveyProvisional).toBe(true);
    const csv = await researcher.agent.get(`/panels/${panel.id}/swot.csv`).set('cookie', 'kedergi_lang=en');
    expect(csv.text).toMatch(/"status","","provisional","Provisional: the survey barriers/);

    await t.ctx.db('rounds').where({ id: open.id }).update({ status: 'closed' });
    const after = await request(t.app).get(`/api/v1/panels/${panel.id}/swot`).set('Authorization', `Bearer ${token}`);
    expect(after.body.surveyProvisional).toBe(false);
    const report = await researcher.agent.get(`/analysis/rounds/${open.id}/report`).set('cookie', 'kedergi_lang=en');
    expect(report.text).not.toContain('Provisional: the survey barriers');
    expect((await researcher.agent.get(`/panels/${panel.id}/swot.csv`)).text).not.toContain('provisional');
    await t.ctx.db('rounds').where({ id: open.id }).update({ status: 'open' });
  });
});
