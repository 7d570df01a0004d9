import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLOSED_ROUND_TITLE, DEMO_OPEN_ROUND_TITLE } from '../../src/modules/responses/responses.demo';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, resultsDir, serve, sidewaysOverflow, type Served } from '../helpers/browser';

/**
 * Issue 14: the ranking page (and the round report page) fit a 1280 px screen without any
 * sideways scroll, page or table, a phone without the page scrolling sideways, and an A4 print
 * without a clipped table; chart labels stay inside their charts. Screenshots and PDFs are kept
 * in test-results/ (not in git) as artefacts.
 */

/** Every table wrapper that would scroll sideways, with by how much. */
function scrollingTables(page: Page): Promise<Array<{ caption: string; overflow: number }>> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.table-wrap')]
      .map((w) => ({ caption: w.querySelector('caption')?.textContent?.trim() ?? '', overflow: w.scrollWidth - w.clientWidth }))
      .filter((x) => x.overflow > 1),
  );
}

/** Elements (tables, figures, charts) whose right edge passes the content box of the page. */
function widerThanPage(page: Page): Promise<Array<{ what: string; right: number; limit: number }>> {
  return page.evaluate(() => {
    const main = document.querySelector('main')!;
    const box = main.getBoundingClientRect();
    const style = getComputedStyle(main);
    const limit = box.right - parseFloat(style.paddingRight) + 1;
    return [...document.querySelectorAll('main table, main figure, main svg, main .table-wrap')]
      .map((e) => ({ what: `${e.tagName.toLowerCase()} ${(e.querySelector('caption, title')?.textContent ?? '').trim().slice(0, 60)}`, right: e.getBoundingClientRect().right, limit }))
      .filter((x) => x.right > x.limit);
  });
}

/**
 * Chart labels measured inside their boxes: every text of every chart lies within its SVG's
 * drawing area (nothing cut at an edge) and no two axis labels of one chart overlap.
 */
function labelsOutside(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const svg of document.querySelectorAll<SVGSVGElement>('main svg[role="img"]')) {
      const box = svg.getBoundingClientRect();
      const title = svg.querySelector('title')?.textContent ?? '';
      const texts = [...svg.querySelectorAll('text')].filter((t) => (t.textContent ?? '').trim() !== '');
      const rects = texts.map((t) => ({ text: t.textContent!, r: t.getBoundingClientRect() }));
      for (const { text, r } of rects) {
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) problems.push(`${title}: "${text}" outside the chart`);
      }
      // Axis labels of one column (same left edge or same right edge, right-aligned) must not overlap vertically.
      for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i]!.r;
          const b = rects[j]!.r;
          const sameColumn = Math.abs(a.right - b.right) < 0.5;
          const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (sameColumn && overlap > 2 && Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2) problems.push(`${title}: "${rects[i]!.text}" overlaps "${rects[j]!.text}"`);
        }
      }
    }
    return problems;
  });
}

describe.skipIf(!hasChromium)('ranking and report pages fit a 1280 px screen, a phone and an A4 page', () => {
  let t: TestApp;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let open: { id: number };
  let closed: { id: number };

  beforeAll(async () => {
    [t, browser] = await Promise.all([createTestApp({ seed: 'demo' }), launchBrowser()]);
    served = await serve(t.app);
    context = await newContext(browser, { viewport: { ...DESKTOP }, locale: 'ru-RU' });
    page = await context.newPage();
    const researcher = await createUser(t.ctx, 'researcher');
    open = await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first();
    closed = await t.ctx.db('rounds').where({ title: DEMO_CLOSED_ROUND_TITLE }).first();
    await page.goto(served.base + '/login');
    await page.fill('#email', researcher.email);
    await page.fill('#password', researcher.password);
    await page.click('main button[type="submit"]');
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await served?.close();
    await t?.close();
  });

  const pages = () => {
    const sector = 'C';
    return [
      { name: 'ranking', path: `/analysis/rounds/${open.id}?compare=${closed.id}` },
      { name: 'ranking-filtered', path: `/analysis/rounds/${open.id}?sector=${sector}&innovated=yes&heatmap=size&measure=top2` },
      { name: 'report', path: `/analysis/rounds/${open.id}/report?compare=${closed.id}` },
    ];
  };

  for (const lang of ['ru', 'kk'] as const) {
    it(`has no sideways scroll at 1280 px, neither the page nor a table, and chart labels inside their charts (${lang})`, async () => {
      await context.addCookies([{ name: 'kedergi_lang', value: lang, url: served.base }]);
      for (const { name, path: p } of pages()) {
        await page.setViewportSize(DESKTOP);
        const response = await page.goto(served.base + p);
        expect(response?.status(), p).toBe(200);
        await page.screenshot({ path: path.join(resultsDir, `fit-${name}-${lang}-${DESKTOP.width}.png`), fullPage: true });
        expect(await sidewaysOverflow(page), `${name} page at 1280`).toBeLessThanOrEqual(1);
        expect(await scrollingTables(page), `${name} tables at 1280`).toEqual([]);
        expect(await widerThanPage(page), `${name} at 1280`).toEqual([]);
        expect(await labelsOutside(page), `${name} chart labels`).toEqual([]);

        await page.setViewportSize(PHONE);
        await page.screenshot({ path: path.join(resultsDir, `fit-${name}-${lang}-${PHONE.width}.png`), fullPage: true });
        expect(await sidewaysOverflow(page), `${name} page on a phone`).toBeLessThanOrEqual(1);
      }
    }, 180_000);
  }

  it('keeps chart labels inside their charts on the panel, indicator and monitoring pages too (long territory names wrap)', async () => {
    await context.addCookies([{ name: 'kedergi_lang', value: 'ru', url: served.base }]);
    const panel = await t.ctx.db('panels').first();
    const t40 = await t.ctx.db('indicator_models').where('title', 'like', 'Table 40%').first();
    const t17 = await t.ctx.db('indicator_models').where('title', 'like', 'Table 17%').first();
    const paths = [`/panels/${panel.id}/swot`, `/panels/${panel.id}/pest`, `/panels/${panel.id}/agreement`, `/indicators/models/${t40.id}`, `/indicators/models/${t17.id}`];
    await page.setViewportSize(DESKTOP);
    for (const p of paths) {
      const response = await page.goto(served.base + p);
      expect(response?.status(), p).toBe(200);
      expect(await page.locator('main svg[role="img"]').count(), p).toBeGreaterThan(0);
      expect(await labelsOutside(page), `${p} chart labels`).toEqual([]);
      // Nothing cut with an ellipsis any more.
      expect(await page.evaluate(() => [...document.querySelectorAll('main svg text')].map((x) => x.textContent ?? '').filter((x) => x.endsWith('…'))), p).toEqual([]);
    }
  }, 180_000);

  it('prints on A4 with no table or chart clipped, stating the filters and n', async () => {
    await context.addCookies([{ name: 'kedergi_lang', value: 'kk', url: served.base }]);
    for (const { name, path: p } of pages()) {
      await page.goto(served.base + p);
      await page.emulateMedia({ media: 'print' });
      // A4 is 210 mm; with the print stylesheet's 10 mm side margins 190 mm = 718 CSS px wide.
      await page.setViewportSize({ width: 718, height: 1000 });
      expect(await widerThanPage(page), `${name} in print`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${name} print width`).toBeLessThanOrEqual(1);
      const statement = (await page.textContent('.analysis-filter-statement'))?.trim() ?? '';
      expect(statement.length, `${name} states its filters`).toBeGreaterThan(0);
      if (name === 'ranking-filtered') expect(statement).toMatch(/:/);
      expect(await page.isVisible('dl.facts'), `${name} states n in print`).toBe(true);
      const file = path.join(resultsDir, `fit-${name}-kk-A4.pdf`);
      await page.pdf({ path: file, format: 'A4', printBackground: false, preferCSSPageSize: true });
      await page.emulateMedia({ media: 'screen' });
      // The printed text still has every barrier code and the last column of the ranking table.
      if (fs.existsSync('/usr/bin/pdftotext') && name !== 'report') {
        const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
        for (const code of ['B01', 'B11', 'B22']) expect(text, `${name}: ${code} printed`).toContain(code);
        expect(text).toContain('үлестірімі'); // the distribution column's header, the rightmost
      }
    }
  }, 180_000);
});
