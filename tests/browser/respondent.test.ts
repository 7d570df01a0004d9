import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPEN_ROUND_TITLE } from '../../src/modules/responses/responses.demo';
import { createTestApp, type TestApp } from '../helpers/app';
import { describeViolations, hasChromium, launchBrowser, newContext, resultsDir, seriousViolations, serve, sidewaysOverflow, type AxeViolation, type Served } from '../helpers/browser';
import { createInvitation } from '../modules/responses/fixtures';

describe.skipIf(!hasChromium)('respondent in a phone-sized browser', () => {
  let t: TestApp;
  let served: Served;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
    served = await serve(t.app);
    base = served.base;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await t?.close();
  });

  it('completes the demo questionnaire in Kazakh, with no serious accessibility findings', async () => {
    const round = await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first();
    expect(round).toBeTruthy();
    const invitation = await createInvitation(t.ctx, Number(round.id), { name: 'ЖШС «Браузер Тест»' });
    const context = await newContext(browser, { viewport: { width: 390, height: 844 }, locale: 'ru-RU' });
    const page = await context.newPage();
    const findings: Record<string, AxeViolation[]> = {};
    const audit = async (name: string) => {
      findings[name] = await seriousViolations(page);
      // Nothing may scroll sideways on a phone.
      const overflow = await sidewaysOverflow(page);
      expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    };

    await page.goto(`${base}/r/${invitation.token}`);
    expect(new URL(page.url()).pathname).toBe('/respond');
    expect(page.url()).not.toContain(invitation.token);
    await audit('start');
    await page.screenshot({ path: path.join(resultsDir, 'respondent-1-start.png'), fullPage: true });

    // The browser asks for Russian; the respondent chooses Kazakh.
    await page.click('.respond-languages button[value="kk"]');
    expect(new URL(page.url()).pathname).toBe('/respond/profile');
    expect(await page.getAttribute('html', 'lang')).toBe('kk');

    // Sending the empty profile marks the required questions in Kazakh.
    await page.click('button[name="nav"][value="next"]');
    expect(await page.textContent('.respond-errors h2')).toBe('Қателер бар');
    await audit('profile-errors');
    await page.screenshot({ path: path.join(resultsDir, 'respondent-2-profile-errors.png'), fullPage: true });

    const territory = await page.locator('#profile-territory option').nth(3).getAttribute('value');
    await page.selectOption('#profile-territory', territory!);
    await page.check('#profile-sector-C');
    await page.check('#profile-size-small');
    await page.fill('#profile-employees', '37');
    await page.check('#profile-innovated-product');
    await page.check('#profile-funding-own');
    await audit('profile');
    await page.click('button[name="nav"][value="next"]');

    let pages = 0;
    while (new URL(page.url()).pathname.startsWith('/respond/page/')) {
      pages++;
      const legends = await page.locator('fieldset.respond-item').evaluateAll((sets) => sets.map((s) => s.id));
      for (const [i, id] of legends.entries()) {
        // Keyboard and pointer both work; here the label is clicked like a thumb would.
        await page.click(`label[for="${id}-${i % 6 === 5 ? 'na' : String((i % 5) + 1)}"]`);
      }
      if (pages === 2) {
        // The narrowest phones the pages are made for.
        await page.setViewportSize({ width: 360, height: 740 });
        await audit('category-360');
        await page.setViewportSize({ width: 390, height: 844 });
      }
      if (pages === 1) {
        await page.click('.respond-comment summary');
        await page.fill('textarea[name^="comments"]', 'Аудандағы сұраныс өте төмен.');
        await audit('category');
        await page.screenshot({ path: path.join(resultsDir, 'respondent-3-category.png'), fullPage: true });
      }
      await page.click('button[name="nav"][value="next"]');
    }
    expect(pages).toBe(5);
    expect(new URL(page.url()).pathname).toBe('/respond/review');
    expect(await page.locator('.respond-errors').count()).toBe(0);
    await audit('review');
    await page.screenshot({ path: path.join(resultsDir, 'respondent-4-review.png'), fullPage: true });

    await page.click('.respond-submit button');
    expect(new URL(page.url()).pathname).toBe('/respond/done');
    expect(await page.textContent('h1')).toBe('Рахмет!');
    await audit('done');
    await page.screenshot({ path: path.join(resultsDir, 'respondent-5-done.png'), fullPage: true });

    // The browser's back button and a second submit change nothing.
    await page.goBack();
    await page.reload();
    expect(await page.textContent('h1')).toBe('Жауаптарыңыз бұрын жіберілген');
    await context.close();

    const response = await t.ctx.db('responses').where({ invitation_id: invitation.id }).first();
    expect(response.status).toBe('submitted');
    expect(response.language).toBe('kk');
    // The profile is stored as answers of the questions with an analysis role.
    const employees = await t.ctx.db('answers as a').join('questionnaire_items as i', 'i.id', 'a.item_id').where({ 'a.response_id': response.id, 'i.role': 'employees' }).first('a.number_value');
    expect(Number(employees.number_value)).toBe(37);
    const { questions } = await t.services.questionnaires.versionItems(Number(round.questionnaire_id));
    const answers = await t.ctx.db('answers').where({ response_id: response.id }).whereIn('item_id', questions.map((q) => q.id)).select('*');
    expect(answers).toHaveLength(22);
    expect(answers.filter((a: { comment: string | null }) => a.comment)).toHaveLength(1);

    const all = Object.entries(findings).filter(([, v]) => v.length);
    console.log(`[a11y respondent] axe-core on ${Object.keys(findings).length} page checks: ${all.reduce((n, [, v]) => n + v.length, 0)} serious/critical violations`);
    expect(all.map(([name, v]) => `${name}:\n${describeViolations(v)}`).join('\n\n')).toBe('');
  });
});
