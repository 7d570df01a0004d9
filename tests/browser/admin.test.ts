import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kkInvitations from '../../src/i18n/locales/kk/invitations.json';
import { CANNOT_JUDGE_CODE } from '../../src/modules/questionnaires/kinds';
import { DEMO_OPEN_ROUND_TITLE } from '../../src/modules/responses/responses.demo';
import { createUser, type TestApp } from '../helpers/app';
import { PHONE, PageAudit, hasChromium, newContext, type Served } from '../helpers/browser';
import { startJourney, visitedPage, type Journey } from '../helpers/journey';

// Three enterprises with Kazakh letters (ә ғ қ ң ө ұ ү һ і), a quoted comma and quotes, plus one
// line with an unknown territory so that the import stops at the preview and must be confirmed.
const ENTERPRISES = [
  { name: 'Қазығұрт Агро ЖШС', contact: 'info@kazygurt.kz', territory: 'Алтай ауданы', sector: 'A', size: 'small' },
  { name: 'Шығыс Ұн, ЖШС', contact: '+7 777 000 00 01', territory: 'Абай ауданы', sector: 'C', size: 'micro' },
  { name: 'ЖК «Өңір-Һүнер» "Үлбі"', contact: '', territory: 'Аягөз ауданы', sector: 'G', size: 'micro' },
];
const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const PASTED = [
  'name,contact,territory,sector,size',
  ...ENTERPRISES.map((e) => [e.name, e.contact, e.territory, e.sector, e.size].map(csvField).join(',')),
  'Белгісіз Аудан ЖШС,,Жоқ ауданы,A,small',
].join('\n');

const readCsv = (file: string) => parse(fs.readFileSync(file, 'utf8'), { bom: true, columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;

describe.skipIf(!hasChromium)('administrator in a desktop and a phone browser', () => {
  let journey: Journey;
  let t: TestApp;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  const audit = new PageAudit('admin');

  beforeAll(async () => {
    journey = await startJourney({ seed: 'demo', context: { locale: 'kk-KZ' } });
    ({ t, served, browser, page, consoleErrors } = journey);
  });
  afterAll(async () => journey?.close());

  const visited = (name: string) => visitedPage(page, audit, 'admin', name);

  const pathname = () => new URL(page.url()).pathname;

  async function download(action: () => Promise<unknown>): Promise<Download> {
    const [file] = await Promise.all([page.waitForEvent('download'), action()]);
    expect(await file.failure()).toBeNull();
    return file;
  }

  it('signs in, adds invitations from a pasted list, downloads the links once and the responses', async () => {
    const admin = await createUser(t.ctx, 'admin');
    const round = await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first();
    expect(round).toBeTruthy();
    const roundPath = `/admin/rounds/${round.id}`;
    const invitationsBefore = Number((await t.ctx.db('invitations').where({ round_id: round.id }).count({ n: '*' }).first())!.n);

    await page.goto(served.base + '/admin/rounds');
    expect(pathname()).toBe('/login');
    await page.fill('#email', admin.email);
    await page.fill('#password', admin.password);
    await page.click('main button[type="submit"]');
    expect(pathname()).toBe('/admin/rounds');
    await visited('rounds');

    await page.click(`main a[href="${roundPath}"]`);
    expect(pathname()).toBe(roundPath);
    expect(await page.textContent('h1')).toContain(DEMO_OPEN_ROUND_TITLE);
    await visited('round');

    await page.click(`main a[href="${roundPath}/invitations"]`);
    expect(pathname()).toBe(`${roundPath}/invitations`);
    await visited('invitations');

    await page.click(`nav.round-nav a[href="${roundPath}/invitations/new"]`);
    expect(pathname()).toBe(`${roundPath}/invitations/new`);
    await visited('invitations-new');

    // Paste: the unknown territory stops the import at a preview that names the bad line.
    await page.fill('#paste-text', PASTED);
    await page.click('form[action$="/invitations/paste"] button[type="submit"]');
    expect(pathname()).toMatch(new RegExp(`^${roundPath}/invitations/imports/[\\w-]+$`));
    const badRows = await page.locator('table.bad-rows tbody tr').allTextContents();
    expect(badRows).toHaveLength(1);
    expect(badRows[0]).toContain('Жоқ ауданы');
    await visited('invitations-preview');
    const afterPreview = Number((await t.ctx.db('invitations').where({ round_id: round.id }).count({ n: '*' }).first())!.n);
    expect(afterPreview).toBe(invitationsBefore);

    // Confirm the three good lines: their links are shown on this page only.
    await page.click('form[action$="/confirm"] button[type="submit"]');
    const shown = await page.locator('table.links tbody tr').evaluateAll((trs) => trs.map((tr) => ({ name: tr.cells[0]!.textContent!.trim(), link: tr.cells[3]!.textContent!.trim() })));
    expect(shown.map((s) => s.name)).toEqual(ENTERPRISES.map((e) => e.name));
    for (const s of shown) expect(s.link).toMatch(new RegExp(`^${served.base.replace(/\./g, '\\.')}/r/[A-Za-z0-9_-]{20,}$`));
    await visited('invitations-links');

    const linksFile = await download(() => page.click('form[action*="/invitations/links/"] button[type="submit"]'));
    const links = readCsv((await linksFile.path())!);
    expect(links).toHaveLength(3);
    expect(links.map((r) => r.name)).toEqual(ENTERPRISES.map((e) => e.name));
    expect(links.map((r) => r.territory)).toEqual(ENTERPRISES.map((e) => e.territory));
    expect(links.map((r) => r.link)).toEqual(shown.map((s) => s.link));
    for (const r of links) expect(new URL(r.link!).pathname).toMatch(/^\/r\/[A-Za-z0-9_-]{20,}$/);
    const afterConfirm = Number((await t.ctx.db('invitations').where({ round_id: round.id }).count({ n: '*' }).first())!.n);
    expect(afterConfirm).toBe(invitationsBefore + 3);

    // Once: a second download of the same batch is refused with a page that says why.
    const [again] = await Promise.all([page.waitForResponse((r) => r.url().includes('/invitations/links/')), page.click('form[action*="/invitations/links/"] button[type="submit"]')]);
    expect(again.status()).toBe(409);
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toContain(kkInvitations.errors.linksGone);
    await visited('links-gone');
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !/status of 409/.test(e)));

    // A new link opened in a fresh browser lands on the respondent's start page, without the token in the address.
    const respondent = await newContext(browser, { viewport: { ...PHONE } });
    const respondentPage = await respondent.newPage();
    await respondentPage.goto(links[0]!.link!);
    expect(new URL(respondentPage.url()).pathname).toBe('/respond');
    expect(respondentPage.url()).not.toContain(new URL(links[0]!.link!).pathname.slice(3));
    await respondent.close();

    await page.goto(served.base + `${roundPath}/monitoring`);
    expect(pathname()).toBe(`${roundPath}/monitoring`);
    await visited('monitoring');
    const responsesFile = await download(() => page.click(`a[href="/api/v1/rounds/${round.id}/responses.csv"]`));
    const responses = readCsv((await responsesFile.path())!);
    const submitted = Number((await t.ctx.db('responses').where({ round_id: round.id, status: 'submitted' }).count({ n: '*' }).first())!.n);
    expect(submitted).toBeGreaterThan(0);
    expect(responses).toHaveLength(submitted);
    expect(Object.keys(responses[0]!)).toContain('B01');
    // A point of the 1-5 scale, -99 for "cannot judge" (stated in the codebook), empty when unanswered.
    for (const r of responses) expect(['1', '2', '3', '4', '5', String(CANNOT_JUDGE_CODE), '']).toContain(r.B01);

    console.log(audit.summary());
    expect(consoleErrors).toEqual([]);
    expect(audit.report()).toBe('');
  });
});
