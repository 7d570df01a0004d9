import fs from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONCEPT_CODE } from '../../src/modules/programmes/programmes.seed';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { DESKTOP, PHONE, PageAudit, hasChromium, launchBrowser, newContext, screenshotAt, serve, watchConsole, type Served } from '../helpers/browser';

/**
 * The journey, all from the pages: a ministry analyst enters the 2026 actuals (form and
 * file), an executing body records its measure with evidence, and the ministry downloads the 2026
 * annual report in Kazakh. Every page is audited (axe-core, no sideways scroll on a phone).
 */
describe.skipIf(!hasChromium)('programme monitoring in a browser: actuals, a measure with evidence, the Kazakh annual report', () => {
  let t: TestApp;
  let served: Served;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  const audit = new PageAudit('programme');
  let pid: number;
  let executorPage: Page;
  let analystPage: Page;

  beforeAll(async () => {
    [t, browser] = await Promise.all([createTestApp({ seed: 'base' }), launchBrowser()]);
    served = await serve(t.app);
    pid = (await t.ctx.db('programmes').where({ code: CONCEPT_CODE }).first()).id;
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await served?.close();
    await t?.close();
  });

  const signIn = async (role: 'admin' | 'researcher' | 'executor'): Promise<{ page: Page; user: { id: number } }> => {
    const user = await createUser(t.ctx, role);
    const context = await newContext(browser, { viewport: { ...DESKTOP }, locale: 'kk-KZ', acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    consoleErrors.push(...watchConsole(page));
    await page.goto(`${served.base}/login`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.click('main button[type="submit"]');
    await page.waitForURL((url) => url.pathname !== '/login');
    return { page, user };
  };

  const visited = async (page: Page, name: string) => {
    expect(await page.locator('h1').count(), `${name} has a heading`).toBeGreaterThan(0);
    await screenshotAt(page, PHONE, `programme-${name}-${PHONE.width}.png`);
    await audit.checkNoSidewaysScroll(page, name);
    await audit.check(page, name);
    await page.setViewportSize(DESKTOP);
    await screenshotAt(page, DESKTOP, `programme-${name}-${DESKTOP.width}.png`);
  };

  it('an administrator links the executor account to its body (the Atomic Energy Agency)', async () => {
    const { page } = await signIn('admin');
    const executor = await signIn('executor');
    const executorId = executor.user.id;
    await page.goto(`${served.base}/programmes/${pid}/executors`);
    await visited(page, 'executors');
    const aea = await t.ctx.db('programme_bodies').where({ programme_id: pid, code: 'АЭА' }).first();
    const section = page.locator(`section[aria-labelledby="executor-${executorId}"]`);
    await section.locator(`input[name="bodyIds"][value="${aea.id}"]`).check();
    await section.locator('button[type="submit"]').click();
    await page.waitForURL(`**/programmes/${pid}/executors`);
    expect(await t.ctx.db('programme_executors').where({ user_id: executorId, body_id: aea.id }).first()).toBeTruthy();
    executorPage = executor.page;
  });

  it('a ministry analyst enters the 2026 actuals: T1 and T2 on the form, T3-T6 from a file', async () => {
    const { page } = await signIn('researcher');
    analystPage = page;
    await page.click('header nav a[href="/programmes"]');
    await visited(page, 'list');
    await page.click(`main a[href="/programmes/${pid}"]`);
    await visited(page, 'overview');
    const t1 = await t.ctx.db('programme_indicators').where({ programme_id: pid, code: 'T1' }).first();
    const t2 = await t.ctx.db('programme_indicators').where({ programme_id: pid, code: 'T2' }).first();
    for (const [ind, value] of [[t1, '2,3'], [t2, '31']] as const) {
      await page.click(`main a[href="/programmes/${pid}/indicators/${ind.id}"]`);
      await page.selectOption('#actual-year', '2026');
      await page.fill('#actual-value', value);
      await page.fill('#actual-source', 'ҚР Ұлттық статистика бюросы');
      await page.click('form[action$="/actuals"] button[type="submit"]');
      await page.waitForURL(/saved=2026/);
      expect(await page.locator('tr[data-year="2026"] [data-field="actual"]').textContent()).toBe(value === '31' ? '31' : '2,3');
      if (ind.code === 'T1') await visited(page, 'indicator');
      await page.click(`nav.subnav a[href="/programmes/${pid}"]`);
    }
    // A file with one bad row is refused row by row; corrected, it is imported.
    await page.click(`nav.subnav a[href="/programmes/${pid}/actuals/import"]`);
    const file = (rows: string[]) => ({ name: 'actuals-2026.csv', mimeType: 'text/csv', buffer: Buffer.from(['indicator,year,value,source', ...rows].join('\n')) });
    await page.setInputFiles('#actuals-file', file(['T3,2026,905,НАН РК', 'T4,2026,нөл,Минфин']));
    await page.click('main form button[type="submit"]');
    expect(await page.locator('table.import-issues tr[data-line="3"]').count()).toBe(1);
    await visited(page, 'import-errors');
    expect(await t.ctx.db('programme_actuals').where({ year: 2026 }).count({ n: '*' }).first().then((r) => Number(r!.n))).toBe(2);
    await page.setInputFiles('#actuals-file', file(['T3,2026,905,НАН РК', 'T4,2026,"0,7",Минфин', 'T5,2026,4,ҰЭМ', 'T6,2026,11,ҰЗМИ']));
    await page.click('main form button[type="submit"]');
    await page.waitForURL(new RegExp(`/programmes/${pid}\\?imported=4`));
    expect(await t.ctx.db('programme_actuals').where({ year: 2026 }).count({ n: '*' }).first().then((r) => Number(r!.n))).toBe(6);
  });

  it('a file that would overwrite stored actuals waits for a decision and can be discarded: asked first, nothing written, nothing repeated on reload', async () => {
    const page = analystPage;
    const stored = async () => (await t.ctx.db('programme_actuals').where({ year: 2026 }).orderBy('indicator_id')).map((r) => [r.indicator_id, Number(r.value)]);
    const before = await stored();
    await page.goto(`${served.base}/programmes/${pid}/actuals/import`);
    await page.setInputFiles('#actuals-file', { name: 'қайта.csv', mimeType: 'text/csv', buffer: Buffer.from('indicator,year,value\nT3,2026,999\n') });
    await page.click('main form button[type="submit"]');
    await page.waitForURL(/\/actuals\/imports\/\d+$/);
    const staged = new URL(page.url()).pathname;
    await page.click(`form[action="${staged}/discard"] button[type="submit"]`);
    await page.waitForSelector('input[name="confirm"][value="yes"]', { state: 'attached' });
    expect(await page.locator('main').textContent()).toContain('қайта.csv');
    await visited(page, 'discard-confirm');
    expect(await t.ctx.db('programme_actual_imports').count({ n: '*' }).first().then((r) => Number(r!.n))).toBe(1);
    await page.click('form.confirm button.danger');
    await page.waitForURL(/actuals\/import\?discarded=1$/);
    expect(await page.locator('.alert.success[role="status"]').count()).toBe(1);
    await page.reload();
    expect(await t.ctx.db('programme_actual_imports').count({ n: '*' }).first().then((r) => Number(r!.n))).toBe(0);
    expect(await stored()).toEqual(before);
    // The staged page is gone: going back to it finds nothing to confirm.
    expect((await page.goto(`${served.base}${staged}`))!.status()).toBe(404);
  });

  it('an administrator replacing the bodies of an indicator is asked first, told which bodies go and come; a reload repeats nothing', async () => {
    const { page } = await signIn('admin');
    const t6 = await t.ctx.db('programme_indicators').where({ programme_id: pid, code: 'T6' }).first();
    const [aea, nan] = await Promise.all(['АЭА', 'ҚР ҰҒА'].map((code) => t.ctx.db('programme_bodies').where({ programme_id: pid, code }).first()));
    const assigned = async () => (await t.ctx.db('programme_indicator_bodies').where({ indicator_id: t6.id }).orderBy('body_id')).map((r) => r.body_id);
    const form = () => page.locator(`form[action="/programmes/${pid}/indicators/${t6.id}/bodies"]`);
    await page.goto(`${served.base}/programmes/${pid}/indicators/${t6.id}`);
    for (const box of await form().locator('input[name="bodyIds"]').all()) await box.uncheck();
    await form().locator(`input[name="bodyIds"][value="${aea.id}"]`).check();
    await form().locator('button[type="submit"]').click();
    await page.waitForLoadState();
    if ((await page.locator('input[name="confirm"][value="yes"]').count()) > 0) await page.click('form.confirm button.danger');
    await page.waitForURL(`**/programmes/${pid}/indicators/${t6.id}`);
    expect(await assigned()).toEqual([aea.id]);
    // Replacing АЭА by ҚР ҰҒА: the question names both; the form is sent again by a reload and still only asks.
    await form().locator(`input[name="bodyIds"][value="${aea.id}"]`).uncheck();
    await form().locator(`input[name="bodyIds"][value="${nan.id}"]`).check();
    await form().locator('button[type="submit"]').click();
    await page.waitForSelector('input[name="confirm"][value="yes"]', { state: 'attached' });
    const question = (await page.locator('main .alert').textContent())!;
    expect(question).toContain('АЭА —');
    expect(question).toContain('ҚР ҰҒА —');
    await visited(page, 'indicator-bodies-confirm');
    await page.reload();
    await page.waitForSelector('input[name="confirm"][value="yes"]', { state: 'attached' });
    expect(await assigned()).toEqual([aea.id]);
    const history = async () => Number((await t.ctx.db('programme_history').where({ indicator_id: t6.id, action: 'indicator.bodies' }).count({ n: '*' }).first())!.n);
    const changes = await history();
    await page.click('form.confirm button.danger');
    await page.waitForURL(`**/programmes/${pid}/indicators/${t6.id}`);
    await page.reload();
    expect(await assigned()).toEqual([nan.id]);
    expect(await history()).toBe(changes + 1);
  });

  it('the executing body records its measure as done, with a file as evidence', async () => {
    const page = executorPage;
    await page.click('header nav a[href="/programmes"]');
    await page.click(`main a[href="/programmes/${pid}"]`);
    await page.click(`nav.subnav a[href="/programmes/${pid}/measures"]`);
    await visited(page, 'tracker');
    const m2 = await t.ctx.db('programme_measures').where({ programme_id: pid, number: 2 }).first();
    await page.click(`main a[href="/programmes/${pid}/measures/${m2.id}"]`);
    await page.selectOption('#report-year', '2026');
    await page.selectOption('#report-status', 'done');
    await page.fill('#report-completed', '2026-06-25');
    await page.fill('#report-summary', 'Қаулы жобасы ҒЖБМ-ге жіберілді');
    await page.click('form[action$="/report"] button[type="submit"]');
    await page.waitForURL(`**/programmes/${pid}/measures/${m2.id}`);
    await page.selectOption('#evidence-kind', 'file');
    await page.selectOption('#evidence-year', '2026');
    await page.fill('#evidence-text', 'Ілеспе хат');
    await page.setInputFiles('#evidence-file', { name: 'ілеспе-хат.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 хат') });
    await page.click('form.evidence-form button[type="submit"]');
    await page.waitForURL(`**/programmes/${pid}/measures/${m2.id}#evidence`);
    expect(await page.locator('ul.evidence li[data-kind="file"] a').textContent()).toBe('ілеспе-хат.pdf');
    expect(await page.locator('tr[data-year="2026"] .badge').textContent()).toBe('орындалды');
    await visited(page, 'measure');
    // Another body's measure offers no form to this executor.
    const m1 = await t.ctx.db('programme_measures').where({ programme_id: pid, number: 1 }).first();
    await page.goto(`${served.base}/programmes/${pid}/measures/${m1.id}`);
    expect(await page.locator('form[action$="/report"]').count()).toBe(0);
  });

  it('the ministry downloads the 2026 annual report in Kazakh, with the figures of the pages', async () => {
    const page = analystPage;
    await page.goto(`${served.base}/programmes/${pid}?year=2026`);
    const pageAttainment = await page.locator('tr[data-code="T1"] [data-field="attainment"]').textContent();
    await page.click(`nav.subnav a[href="/programmes/${pid}/report"]`);
    await page.selectOption('#report-year', '2026');
    await page.click('nav.report-tools form button[type="submit"]');
    await page.waitForURL(/year=2026/);
    expect(await page.getAttribute('html', 'lang')).toBe('kk');
    await visited(page, 'report');
    expect(`${await page.locator('tr[data-code="T1"] [data-field="attainment"]').textContent()} %`).toBe(pageAttainment);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('nav.report-tools a[href$="lang=kk"][href*="report.xlsx"]')]);
    expect(download.suggestedFilename()).toBe(`${CONCEPT_CODE}-2026-kk.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(fs.readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const indicators = wb.worksheets[0]!;
    expect(indicators.name).toBe('Нысаналы индикаторлар');
    const t1 = indicators.getRow(2);
    expect([t1.getCell(1).value, t1.getCell(7).value, t1.getCell(8).value]).toEqual(['T1', 2.3, 97.9]);
    const measures = wb.worksheets[1]!;
    let m2: ExcelJS.Row | undefined;
    measures.eachRow((row) => {
      if (row.getCell(1).value === 2) m2 = row;
    });
    expect(m2!.getCell(8).value).toBe('орындалды');
    expect(String(m2!.getCell(11).value)).toContain('ілеспе-хат.pdf');
  });

  it('the analyst sees the reporting calendar and loads the regional table for the analysis of regions', async () => {
    const page = analystPage;
    await page.goto(`${served.base}/programmes/${pid}/calendar?year=2026`);
    await visited(page, 'calendar');
    expect(await page.locator('table.calendar tr[data-kind="duty"]').count()).toBeGreaterThan(1);
    await page.click(`nav.subnav a[href="/programmes/${pid}/regions"]`);
    await page.click(`form[action="/programmes/${pid}/regions/load"] button[type="submit"]`);
    await page.waitForSelector('table.ranking');
    expect(await page.locator('table.ranking tbody tr').count()).toBe(20);
    await visited(page, 'regions');
  });

  it('has no accessibility violations, sideways scrolling, raw keys or console errors on the pages of the journey', () => {
    console.log(audit.summary());
    expect(audit.report()).toBe('');
    expect(consoleErrors).toEqual([]);
  });
});
