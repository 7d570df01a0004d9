import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PANEL_NAME } from '../../src/modules/experts/experts.seed';
import { DEMO_OPEN_ROUND_TITLE } from '../../src/modules/responses/responses.demo';
import { createUser, type TestApp } from '../helpers/app';
import { PageAudit, hasChromium, type Served } from '../helpers/browser';
import { startJourney, visitedPage, type Journey } from '../helpers/journey';

/** The number in a table cell, whatever the locale's digit grouping. */
const cellNumber = (text: string | null) => Number((text ?? '').replace(/[\s\u00a0\u202f]/g, '').replace(',', '.'));

describe.skipIf(!hasChromium)('researcher in a desktop and a phone browser', () => {
  let journey: Journey;
  let t: TestApp;
  let served: Served;
  let page: Page;
  let consoleErrors: string[];
  const audit = new PageAudit('researcher');

  beforeAll(async () => {
    journey = await startJourney({ seed: 'demo', context: { locale: 'kk-KZ' } });
    ({ t, served, page, consoleErrors } = journey);
  });
  afterAll(async () => journey?.close());

  /** Every page: see visitedPage (screenshots at both sizes, no sideways scroll, axe-core at phone width). */
  const visited = (name: string) => visitedPage(page, audit, 'researcher', name);

  const goto = async (path: string) => {
    const response = await page.goto(served.base + path);
    expect(response?.status(), path).toBe(200);
  };

  /** Every chart is an SVG image with a non-empty accessible title. */
  const expectCharts = async (scope: string, atLeast: number) => {
    const charts = page.locator(`${scope} svg[role="img"]`);
    expect(await charts.count(), `charts in ${scope}`).toBeGreaterThanOrEqual(atLeast);
    const titles = await charts.evaluateAll((svgs) => svgs.map((s) => s.querySelector(':scope > title')?.textContent?.trim() ?? ''));
    for (const title of titles) expect(title.length).toBeGreaterThan(0);
  };

  /** Each step answers for its own pages: nothing logged to the console, no finding. */
  const expectCleanPages = () => {
    expect(consoleErrors.splice(0)).toEqual([]);
    expect(audit.newFindings()).toBe('');
  };

  // One signed-in browser walks through the steps in order; each step has its own time limit.
  let round: { id: number };
  let panel: { id: number };

  it('signs in through the login page it is sent to', async () => {
    const researcher = await createUser(t.ctx, 'researcher');
    round = await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first();
    panel = await t.ctx.db('panels').where({ name: DEMO_PANEL_NAME }).first();
    expect(round && panel).toBeTruthy();

    await page.goto(served.base + '/analysis');
    expect(new URL(page.url()).pathname).toBe('/login');
    await visited('login');
    await page.fill('#email', researcher.email);
    await page.fill('#password', researcher.password);
    await page.click('main button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/analysis');
    await visited('analysis');
    expectCleanPages();
  });

  it('reads the barrier ranking of the demo open round and filters it', async () => {
    await page.click(`main a[href="/analysis/rounds/${round.id}"]`);
    expect(new URL(page.url()).pathname).toBe(`/analysis/rounds/${round.id}`);
    const rows = page.locator('table.analysis-ranking tbody tr');
    const ranks = await rows.evaluateAll((trs) => trs.map((tr) => ({ rank: tr.cells[0]!.textContent!.trim(), code: tr.cells[1]!.textContent!.trim() })));
    expect(ranks.length).toBe(22);
    const b01 = ranks.find((r) => r.code === 'B01');
    // The demo data put B01 (weak demand for innovation) at the top of the published ranking.
    expect(Number(b01?.rank)).toBeLessThanOrEqual(3);
    expect(ranks.slice(0, 3).map((r) => r.code)).toContain('B01');
    await expectCharts('.analysis-charts', 2);
    const allRespondents = cellNumber(await page.textContent('dl.facts strong'));
    expect(allRespondents).toBe(300);
    await visited('ranking');

    // A filter through the GET form: fewer respondents, the choice kept, the URL shareable.
    const sector = await page.locator('#f-sector option:not([value=""])').first().getAttribute('value');
    await page.selectOption('#f-sector', sector!);
    await page.click('form.analysis-filters button[type="submit"]');
    const filtered = new URL(page.url());
    expect(filtered.pathname).toBe(`/analysis/rounds/${round.id}`);
    expect(filtered.searchParams.get('sector')).toBe(sector);
    expect(await page.inputValue('#f-sector')).toBe(sector);
    const filteredRespondents = cellNumber(await page.textContent('dl.facts strong'));
    expect(filteredRespondents).toBeGreaterThan(0);
    expect(filteredRespondents).toBeLessThan(allRespondents);
    await visited('ranking-filtered');
    expectCleanPages();
  });

  it("reads the demo panel's agreement, SWOT and PEST", async () => {
    await goto('/panels');
    await visited('panels');
    await page.click(`main a[href="/panels/${panel.id}/agreement"]`);
    expect(new URL(page.url()).pathname).toBe(`/panels/${panel.id}/agreement`);
    await expectCharts('main', 1);
    await visited('agreement');
    await page.click(`nav.experts-tabs a[href="/panels/${panel.id}/swot"]`);
    expect(new URL(page.url()).pathname).toBe(`/panels/${panel.id}/swot`);
    await expectCharts('main', 1);
    await visited('swot');
    await page.click(`nav.experts-tabs a[href="/panels/${panel.id}/pest"]`);
    expect(new URL(page.url()).pathname).toBe(`/panels/${panel.id}/pest`);
    await expectCharts('main', 1);
    await visited('pest');
    expectCleanPages();
  });

  it('reads the indicators overview, the table 17 model, the territory ranking and a territory', async () => {
    await page.click('header nav a[href="/indicators"]');
    expect(new URL(page.url()).pathname).toBe('/indicators');
    await visited('indicators');
    const t17 = await t.ctx.db('indicator_models').where('title', 'like', 'Table 17%').first();
    const t40 = await t.ctx.db('indicator_models').where('title', 'like', 'Table 40%').first();
    expect(t17 && t40).toBeTruthy();
    await goto(`/indicators/models/${t17.id}`);
    expect(await page.textContent('h1')).toContain('Table 17');
    await expectCharts('main', 1);
    await visited('model-table17');
    await goto(`/indicators/models/${t40.id}`);
    const territories = page.locator('table.ranking tbody tr');
    expect(await territories.count()).toBe(19);
    await expectCharts('main', 1);
    await visited('territory-ranking');
    await territories.first().locator('th a').click();
    expect(new URL(page.url()).pathname).toMatch(/^\/indicators\/territories\/\d+$/);
    await visited('territory');
    expectCleanPages();
  });

  it('reads the robustness of the table 40 ranks, the derived-indicator form and a scenario of the table 17 model', async () => {
    const t17 = await t.ctx.db('indicator_models').where('title', 'like', 'Table 17%').first();
    const t40 = await t.ctx.db('indicator_models').where('title', 'like', 'Table 40%').first();
    await goto(`/indicators/models/${t40.id}#robustness`);
    expect(await page.locator('table.robustness tbody tr').count()).toBe(19);
    await expectCharts('main', 2);
    await goto(`/indicators/datasets/${t17.dataset_id}`);
    expect(await page.locator('#derived-formula').count()).toBe(1);
    await visited('dataset-derived');
    await goto(`/indicators/scenario?steps=${t17.id}&years=2021-2022`);
    await page.fill('[name="inputs[2021][dZin]"]', '2.4');
    await page.fill('[name="inputs[2021][Nsb]"]', '91');
    await page.fill('[name="inputs[2022][dZin]"]', '2.4');
    await page.fill('[name="inputs[2022][Nsb]"]', '92');
    await visited('scenario-inputs');
    await page.click('form[method="post"][action="/indicators/scenario"] button[type="submit"]');
    expect(new URL(page.url()).pathname).toMatch(/^\/indicators\/models\/\d+$/);
    expect(await page.locator('table.scenario-summary tbody tr').count()).toBe(2);
    await visited('scenario');
    expectCleanPages();

    console.log(audit.summary());
    if (audit.pendingReport()) console.log(audit.pendingReport());
  });
});
