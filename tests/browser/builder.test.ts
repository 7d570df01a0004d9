import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { DESKTOP, PHONE, PageAudit, hasChromium, launchBrowser, newContext, screenshotAt, serve, watchConsole, type Served } from '../helpers/browser';

/**
 * The builder journey of issue 11 in Debian's chromium with JavaScript off: an administrator who
 * never sees the JSON format builds a questionnaire with every kind, translates it, previews it
 * at phone width with a condition working between pages, publishes it, changes it and compares
 * the two versions.
 */
describe.skipIf(!hasChromium)('questionnaire builder in a browser without JavaScript', () => {
  let t: TestApp;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  /** axe-core needs script: each page's HTML is audited in a second context that runs it. */
  let auditContext: BrowserContext;
  let auditPage: Page;
  const audit = new PageAudit('builder');
  const pathname = () => new URL(page.url()).pathname;

  beforeAll(async () => {
    [t, browser] = await Promise.all([createTestApp({ seed: 'base' }), launchBrowser()]);
    served = await serve(t.app);
    context = await newContext(browser, { viewport: { ...DESKTOP }, locale: 'en-GB', javaScriptEnabled: false });
    page = await context.newPage();
    consoleErrors = watchConsole(page);
    auditContext = await newContext(browser, { viewport: { ...PHONE } });
    auditPage = await auditContext.newPage();
  });

  afterAll(async () => {
    await auditContext?.close();
    await context?.close();
    await browser?.close();
    await served?.close();
    await t?.close();
  });

  /** Screenshots at both sizes, no sideways scroll on a phone, axe-core and raw keys. */
  const visited = async (name: string) => {
    await screenshotAt(page, PHONE, `builder-${name}-${PHONE.width}.png`);
    await audit.checkNoSidewaysScroll(page, name);
    // The same document, at the same origin (so its stylesheet applies), with script for axe-core.
    await auditPage.goto(`${served.base}/healthz`);
    await auditPage.setContent(await page.content(), { waitUntil: 'load' });
    await audit.check(auditPage, name);
    await page.setViewportSize(DESKTOP);
  };

  /** Fill the three languages of a text field group (ids f-<path>-kk/ru/en). */
  const fillText = async (path: string, kk: string, ru: string | null, en: string | null) => {
    const id = `#f-${path.replace(/\./g, '-')}`;
    await page.fill(`${id}-kk`, kk);
    if (ru !== null) await page.fill(`${id}-ru`, ru);
    if (en !== null) await page.fill(`${id}-en`, en);
  };
  const save = () => page.click('main form.builder-question button[type="submit"]:not([name])');
  const addQuestion = async (section: string, kind: string) => {
    await page.selectOption(`#add-kind-${section}`, kind);
    await page.click(`form.builder-add:has(#add-kind-${section}) button[type="submit"]`);
    expect(pathname()).toMatch(/\/questions\/new$/);
  };
  const options = async (rows: Array<[string, string]>, exclusive: number[] = []) => {
    for (const [i, [code, name]] of rows.entries()) {
      await page.fill(`#f-options-${i}-code`, code);
      await fillText(`options.${i}.text`, `${name} (kk)`, `${name} (ru)`, name);
      if (exclusive.includes(i)) await page.check(`#f-options-${i}-exclusive`);
    }
  };

  let draftPath = '';

  it('builds a questionnaire with every kind of question, section by section', async () => {
    const admin = await createUser(t.ctx, 'admin');
    await page.goto(served.base + '/admin/questionnaires');
    await page.fill('#email', admin.email);
    await page.fill('#password', admin.password);
    await page.click('main button[type="submit"]');
    await page.click('main a[href="/admin/questionnaires/drafts"]');
    await visited('list');

    await page.fill('#f-code', 'SME-PILOT');
    await page.fill('#f-title-kk', 'Пилоттық сауалнама');
    await page.fill('#f-scaleMin', '1');
    await page.fill('#f-scaleMax', '4');
    await page.click('form[action="/admin/questionnaires/drafts"] button[type="submit"]');
    expect(pathname()).toMatch(/^\/admin\/questionnaires\/drafts\/\d+$/);
    draftPath = pathname();
    expect(await page.locator('.badge.missing-translation').count()).toBeGreaterThan(10);

    // The scale: a label per point and "cannot judge", in three languages.
    await page.click(`main a[href="${draftPath}/scale"]`);
    for (const p of [1, 2, 3, 4]) await fillText(`scale.labels.${p}`, `${p}-деңгей`, `Уровень ${p}`, `Level ${p}`);
    await fillText('scale.notApplicable', 'Бағалай алмаймын', 'Затрудняюсь ответить', 'Cannot judge');
    await page.click('main form button[type="submit"]');
    expect(pathname()).toBe(draftPath);

    for (const [code, kk, ru, en] of [
      ['MARKET', 'Нарық', 'Рынок', 'Market'],
      ['SUPPORT', 'Қолдау', 'Поддержка', 'Support'],
    ] as const) {
      await page.click(`main a[href="${draftPath}/sections/new"]`);
      await page.fill('#f-code', code);
      await fillText('title', kk, ru, en);
      await page.click('main form button[type="submit"]:not([name])');
      expect(pathname()).toBe(draftPath);
    }

    await addQuestion('MARKET', 'rating');
    await page.fill('#f-code', 'B01');
    await fillText('text', 'Сұраныс аз', 'Низкий спрос', 'Low demand');
    await page.fill('#f-referenceMean', '2,8');
    await save();
    expect(pathname()).toBe(draftPath);

    await addQuestion('MARKET', 'single-choice');
    await page.fill('#f-code', 'EXPORTS');
    await fillText('text', 'Экспорттайсыз ба?', 'Вы экспортируете?', 'Do you export?');
    await options([['yes', 'Yes'], ['no', 'No']]);
    await save();

    // A bad limit is refused beside its field, named by its label, and nothing is saved.
    await addQuestion('SUPPORT', 'ranking');
    await page.fill('#f-code', 'FORMS');
    await fillText('text', 'Қолдау түрлерін реттеңіз', 'Упорядочьте формы поддержки', 'Rank the forms of support');
    await options([['grant', 'Grants'], ['loan', 'Loans'], ['advice', 'Advice']]);
    await page.fill('#f-pick', 'two');
    await save();
    expect(pathname()).toMatch(/\/questions$/);
    expect(await page.textContent('.error-summary')).toContain('How many to rank');
    expect(await page.locator('#f-pick-error').count()).toBe(1);
    await visited('question-error');
    await page.click('.error-summary a[href="#f-pick"]');
    await page.fill('#f-pick', '2');
    await save();
    expect(pathname()).toBe(draftPath);

    // Shown only to exporters: a condition on the earlier choice question.
    await addQuestion('SUPPORT', 'multi-choice');
    await page.fill('#f-code', 'MARKETS');
    await fillText('text', 'Қайда экспорттайсыз?', 'Куда вы экспортируете?', 'Where do you export to?');
    await options([['cn', 'China'], ['ru', 'Russia'], ['none', 'Nowhere yet']], [2]);
    await page.fill('#f-other-code', 'other');
    await fillText('other.text', 'Басқа ел', 'Другая страна', 'Another country');
    await page.fill('#f-maxChoices', '2');
    await page.selectOption('#f-showIf-question', 'EXPORTS');
    await page.check('input[name="showIf.option"][value="EXPORTS/yes"]');
    await visited('question-form');
    await save();
    expect(pathname()).toBe(draftPath);

    await addQuestion('SUPPORT', 'number');
    await page.fill('#f-code', 'STAFF');
    await fillText('text', 'Қызметкерлер саны', 'Численность работников', 'Number of employees');
    await page.fill('#f-min', '0');
    await page.fill('#f-max', '250');
    await fillText('unit', 'адам', 'чел.', 'people');
    await save();

    // The open question is written in Kazakh and Russian only, to be translated later.
    await addQuestion('SUPPORT', 'text');
    await page.fill('#f-code', 'IDEAS');
    await fillText('text', 'Қандай қолдау керек?', 'Какая поддержка нужна?', null);
    await page.fill('#f-maxLength', '500');
    await page.uncheck('#f-required');
    await save();
    expect(pathname()).toBe(draftPath);

    const rows = await page.locator('table.builder-questions tbody tr[id^="question-"]').evaluateAll((trs) => trs.map((tr) => tr.id));
    expect(rows).toEqual(['question-B01', 'question-EXPORTS', 'question-FORMS', 'question-MARKETS', 'question-STAFF', 'question-IDEAS']);

    // Reorder: the number question before the multi-choice one.
    await page.click(`form[action="${draftPath}/questions/STAFF/move"]:has(input[name="direction"][value="up"]) button`);
    const after = await page.locator('table.builder-questions tbody tr[id^="question-"]').evaluateAll((trs) => trs.map((tr) => tr.id));
    expect(after.indexOf('question-STAFF')).toBeLessThan(after.indexOf('question-MARKETS'));
    await visited('draft');
  });

  it('shows what lacks a translation and translates it', async () => {
    await page.selectOption('#missing-filter', 'en');
    await page.click('form.builder-filter button[type="submit"]');
    const lacking = await page.locator('table.builder-questions tbody tr[id^="question-"]').evaluateAll((trs) => trs.map((tr) => tr.id));
    expect(lacking).toEqual(['question-IDEAS']);
    expect(await page.locator('#title').count()).toBe(1); // the title lacks English too
    await visited('missing-en');

    await page.click(`#question-IDEAS a[href="${draftPath}/questions/IDEAS"]`);
    await page.fill('#f-text-en', 'What support do you need?');
    await save();
    await page.click(`main a[href="${draftPath}/title"]`);
    await fillText('title', 'Пилоттық сауалнама', 'Пилотная анкета', 'Pilot questionnaire');
    await page.click('main form button[type="submit"]');
    expect(pathname()).toBe(draftPath);
    expect(await page.locator('.badge.missing-translation').count()).toBe(0);
    expect(await page.locator(`form[action="${draftPath}/publish"]`).count()).toBe(1);
  });

  it('previews the draft at phone width in Russian, with the condition working between pages', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${served.base}${draftPath}/preview?lang=ru&device=phone`);
    const frame = page.frameLocator('iframe.preview-frame');
    await expect.poll(() => frame.locator('h1').textContent()).toContain('Рынок');
    expect(await frame.locator('.test-mode').count()).toBe(1);
    expect(await frame.locator('body').textContent()).toContain('Низкий спрос');
    const box = await page.locator('iframe.preview-frame').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(360);
    await page.screenshot({ path: `${process.cwd()}/test-results/builder-preview-phone.png`, fullPage: true });

    // A non-exporter skips the exporters' question...
    await frame.locator('input[name="answers[B01]"][value="3"]').check();
    await frame.locator('input[name="answers[EXPORTS]"][value="no"]').check();
    await frame.locator('button[name="nav"][value="next"]').click();
    await expect.poll(() => frame.locator('h1').textContent()).toContain('Поддержка');
    expect(await frame.locator('fieldset#answers-MARKETS').count()).toBe(0);
    expect(await frame.locator('fieldset#answers-FORMS').count()).toBe(1);
    // ...an exporter is asked it.
    await frame.locator('button[name="nav"][value="back"]').click();
    await expect.poll(() => frame.locator('h1').textContent()).toContain('Рынок');
    await frame.locator('input[name="answers[EXPORTS]"][value="yes"]').check();
    await frame.locator('button[name="nav"][value="next"]').click();
    await expect.poll(() => frame.locator('fieldset#answers-MARKETS').count()).toBe(1);
    expect(await frame.locator('body').textContent()).toContain('China (ru)');

    // Test answers are no response.
    expect(Number((await t.ctx.db('responses').count({ n: '*' }).first())!.n)).toBe(0);
    await page.setViewportSize(DESKTOP);
  });

  let v1 = 0;

  it('publishes the draft as version 1', async () => {
    await page.goto(`${served.base}${draftPath}`);
    await page.click(`form[action="${draftPath}/publish"] button[type="submit"]`);
    expect(pathname()).toMatch(/^\/admin\/questionnaires\/\d+$/);
    v1 = Number(pathname().split('/').pop());
    expect(await page.locator('.alert.success').textContent()).toContain('SME-PILOT');
    const q = await t.services.questionnaires.getQuestionnaire(v1);
    expect(q.version).toBe(1);
    expect(q.questions.map((x) => x.kind).sort()).toEqual(['multi-choice', 'number', 'ranking', 'rating', 'single-choice', 'text']);
  });

  it('changes the published questionnaire and compares the two versions', async () => {
    await page.click(`form[action="/admin/questionnaires/${v1}/draft"] button[type="submit"]`);
    expect(pathname()).toMatch(/^\/admin\/questionnaires\/drafts\/\d+$/);
    draftPath = pathname();
    await page.click(`#question-B01 a[href="${draftPath}/questions/B01"]`);
    await page.fill('#f-text-en', 'Weak demand for new products');
    await save();
    await page.click(`#question-IDEAS form[action="${draftPath}/questions/IDEAS/delete"] button[type="submit"]`);
    // Deleting asks first.
    expect(await page.locator('form.confirm input[name="confirm"][value="yes"]').count()).toBe(1);
    await visited('confirm-delete');
    await page.click('form.confirm button[type="submit"]');
    expect(pathname()).toBe(draftPath);
    expect(await page.locator('#question-IDEAS').count()).toBe(0);

    // What changed, before publishing.
    await page.click(`main a[href="${draftPath}/changes"]`);
    const changes = await page.locator('main').textContent();
    expect(changes).toContain('Weak demand for new products');
    expect(changes).toContain('IDEAS');
    await visited('changes');
    await page.goto(`${served.base}${draftPath}`);
    await page.click(`form[action="${draftPath}/publish"] button[type="submit"]`);
    const v2 = Number(pathname().split('/').pop());
    expect((await t.services.questionnaires.getQuestionnaire(v2)).version).toBe(2);

    await page.goto(`${served.base}/admin/questionnaires/compare?from=${v1}&to=${v2}`);
    const compared = await page.locator('main').textContent();
    expect(compared).toContain('Weak demand for new products');
    expect(compared).toContain('IDEAS');
    // Version 1 is as it was published.
    expect((await t.services.questionnaires.getQuestionnaire(v1)).definition.questions!.some((q) => q.code === 'IDEAS')).toBe(true);
  });

  it('every page passed the audit, with no console errors', () => {
    console.log(audit.summary());
    expect(audit.report()).toBe('');
    // The refused ranking question answered 400 on purpose (the form shown again with its errors).
    expect(consoleErrors.filter((e) => !/\/questions: Failed to load resource: the server responded with a status of 400/.test(e))).toEqual([]);
  });
});
