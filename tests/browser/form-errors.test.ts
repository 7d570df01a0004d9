import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { PHONE, hasChromium, launchBrowser, newContext, serve, sidewaysOverflow, type Served } from '../helpers/browser';

/**
 * Issue 15 in a real browser with JavaScript switched off, on a 390 px phone: a refused form
 * shows the error summary focused at the top, each entry names its field by label and its link
 * leads to the field; the expert form goes section by section without sideways scrolling.
 */
describe.skipIf(!hasChromium)('form errors and the expert form, without JavaScript, on a phone', () => {
  let t: TestApp;
  let browser: Browser;
  let served: Served;
  let context: BrowserContext;
  let page: Page;

  const signIn = async (email: string, password: string) => {
    await page.goto(served.base + '/login');
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('main button[type="submit"]')]);
  };

  beforeAll(async () => {
    [t, browser] = await Promise.all([createTestApp({ seed: 'base' }), launchBrowser()]);
    served = await serve(t.app);
    context = await newContext(browser, { viewport: { ...PHONE }, javaScriptEnabled: false, locale: 'ru-RU' });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await served?.close();
    await t?.close();
  });

  it('a refused form: the summary is focused, names each field by its label and links to it', async () => {
    const admin = await createUser(t.ctx, 'admin');
    await signIn(admin.email, admin.password);
    await page.goto(served.base + '/admin/rounds/new');
    await page.fill('#round-title', '   ');
    await page.fill('#round-target-total', '-5');
    await Promise.all([page.waitForNavigation(), page.click('main form button[type="submit"]')]);
    const summary = page.locator('.error-summary');
    await expect(summary.isVisible()).resolves.toBe(true);
    // Focused on arrival, without a script: the autofocus attribute.
    expect(await page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
    const entries = await summary.locator('li').allInnerTexts();
    expect(entries.some((e) => /^Название \(ru\): /.test(e)), entries.join(' | ')).toBe(true); // the title in the page's language
    expect(entries.some((e) => /^Целевое число ответов[^:]*: Значение должно быть не меньше 1/.test(e))).toBe(true);
    expect(entries.join(' ')).not.toMatch(/title|targetTotal|Expected|received/);
    // Each link leads to its field, and the field says what is wrong beside it.
    const hrefs = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of hrefs) expect(await page.locator(href!).count()).toBe(1);
    await summary.locator('a').first().click();
    expect(new URL(page.url()).hash).toBe(hrefs[0]);
    expect(await page.locator('#round-title').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#round-title-error').innerText()).toBe('Это поле обязательно.');
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(1);
  });

  it('the expert form goes section by section on a 390 px phone', async () => {
    const adminUser = await createUser(t.ctx, 'admin');
    const expert = await createUser(t.ctx, 'expert');
    const panelId = await t.services.experts.createPanel(adminUser.id, { name: 'Phone panel', surveyRoundId: undefined });
    await t.services.experts.addMember(adminUser.id, panelId, expert.id);
    await t.services.experts.openFirstRound(adminUser.id, panelId);
    await context.clearCookies();
    await signIn(expert.email, expert.password);
    await page.goto(`${served.base}/expert/panels/${panelId}`);
    expect(await page.locator('input[name="section"]').inputValue()).toBe('swot-S');
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(1);
    // One section is a fraction of the old single page (33,000 px on a phone).
    expect(height).toBeLessThan(12_000);
    const codes = await page.locator('fieldset.experts-factor').evaluateAll((fs) => fs.map((f) => f.id.slice(2)));
    for (const code of codes) {
      await page.check(`#f-${code}-w-3`);
      await page.check(`#f-${code}-s-4`);
    }
    await Promise.all([page.waitForNavigation(), page.click('.button-row button[type="submit"]:not([name])')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('section')).toBe('swot-W');
    expect(await page.locator('.alert.success').innerText()).toContain('сохранён');
    expect(await page.locator('.experts-sections li').first().getAttribute('class')).toContain('done');
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(1);
  });
});
