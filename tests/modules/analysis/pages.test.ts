import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { addResponses, createRound, createSurvey, manyResponses, SMALL_ROUND, type SurveyFixture } from './fixtures';

const INJECTION = '=HYPERLINK("http://evil.example","Қаржы")';


async function readWorkbook(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  return wb;
}

function sheetRows(ws: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('analysis pages, exports and API', () => {
  let t: TestApp;
  let survey: SurveyFixture;
  let researcher: LoggedIn;
  const rounds = { empty: 0, one: 0, small: 0, many: 0 };

  beforeAll(async () => {
    t = await createTestApp();
    const db = t.ctx.db;
    survey = await createSurvey(db, { A1: INJECTION, A2: 'Білікті кадрлардың жетіспеушілігі — «ғылым»' });
    rounds.empty = await createRound(db, survey, 'Бос раунд');
    rounds.one = await createRound(db, survey, 'One response');
    await addResponses(db, survey, rounds.one, [{ territory: 'T1', sector: 'C', ratings: { A1: 4, A2: 2, A3: null, B1: 5, B2: 5 } }]);
    rounds.small = await createRound(db, survey, 'Small');
    await addResponses(db, survey, rounds.small, SMALL_ROUND);
    rounds.many = await createRound(db, survey, 'Many', 'closed');
    await addResponses(db, survey, rounds.many, manyResponses(150, 3));
    researcher = await loginAs(t, 'researcher');
  });
  afterAll(async () => t.close());

  describe('role gates', () => {
    it('sends anonymous visitors to the login page and refuses anonymous API calls', async () => {
      const page = await request(t.app).get(`/analysis/rounds/${rounds.small}`);
      expect(page.status).toBe(303);
      expect(page.headers.location).toMatch(/^\/login\?next=/);
      expect((await request(t.app).get('/analysis')).status).toBe(303);
      expect((await request(t.app).get(`/analysis/rounds/${rounds.small}/items.csv`)).status).toBe(303);
      const api = await request(t.app).get(`/api/v1/rounds/${rounds.small}/ranking`);
      expect(api.status).toBe(401);
      expect(api.body.error.code).toBe('unauthorized');
    });

    it('refuses experts on pages, exports and the API', async () => {
      const expert = await loginAs(t, 'expert');
      expect((await expert.agent.get('/analysis')).status).toBe(403);
      expect((await expert.agent.get(`/analysis/rounds/${rounds.small}`)).status).toBe(403);
      expect((await expert.agent.get(`/analysis/rounds/${rounds.small}/workbook.xlsx`)).status).toBe(403);
      expect((await expert.agent.get(`/api/v1/rounds/${rounds.small}/ranking`)).status).toBe(403);
      const token = await apiTokenFor(t, 'expert');
      expect((await request(t.app).get(`/api/v1/rounds/${rounds.small}/ranking`).set('authorization', `Bearer ${token}`)).status).toBe(403);
    });

    it('lets administrators and researchers in, by cookie or bearer token', async () => {
      const admin = await loginAs(t, 'admin');
      expect((await admin.agent.get(`/analysis/rounds/${rounds.small}`)).status).toBe(200);
      expect((await researcher.agent.get(`/api/v1/rounds/${rounds.small}/ranking`)).status).toBe(200);
      for (const role of ['admin', 'researcher'] as const) {
        const token = await apiTokenFor(t, role);
        expect((await request(t.app).get(`/api/v1/rounds/${rounds.small}/ranking`).set('authorization', `Bearer ${token}`)).status).toBe(200);
      }
    });
  });

  describe('pages', () => {
    it('lists the rounds with their submitted responses', async () => {
      const res = await researcher.agent.get('/analysis');
      expect(res.status).toBe(200);
      expect(res.text).toContain(`href="/analysis/rounds/${rounds.small}"`);
      expect(res.text).toContain('Бос раунд');
      expect(res.text).toMatch(new RegExp(`rounds/${rounds.small}">Small</a>[\\s\\S]*?<td class="num">6</td>`));
    });

    for (const name of ['empty', 'one', 'small', 'many'] as const) {
      it(`renders the ranking page of the ${name} round without NaN, with both charts and their text alternatives`, async () => {
        const res = await researcher.agent.get(`/analysis/rounds/${rounds[name]}`);
        expect(res.status).toBe(200);
        expect(res.text).not.toMatch(/NaN|undefined|Infinity|\[object/);
        const svgs = res.text.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
        expect(svgs).toHaveLength(3); // distribution, means, heat map
        for (const svg of svgs) {
          expect(svg).toMatch(/role="img"/);
          expect(svg).toMatch(/<title id="[^"]+">[^<]+<\/title><desc id="[^"]+">[^<]+<\/desc>/);
        }
        expect(res.text).toContain('<caption>');
        if (name === 'empty') {
          expect(res.text).toContain('role="status"');
          expect(svgs[0]).toMatch(/<desc[^>]*>[^<]*(баға жоқ|no ratings)/i);
        } else {
          expect(res.text).not.toMatch(/class="alert warning" role="status"/);
        }
      });
    }

    it('shows the hand-computed numbers of the small round, escaped, in Kazakh by default', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.small}`);
      // Ranking order A2 (4,20), A1 and A3 (3,83), B1 and B2 (2,60); decimal comma in Kazakh.
      const order = [...res.text.matchAll(/<td><code>(A\d|B\d)<\/code><\/td>\s*<td>/g)].map((m) => m[1]).slice(0, 5);
      expect(order).toEqual(['A2', 'A1', 'A3', 'B1', 'B2']);
      expect(res.text).toContain('<strong>4,20</strong>');
      expect(res.text).toContain('<strong>3,83</strong>');
      expect(res.text).toContain('<strong>0,904</strong>'); // alpha of C1
      expect(res.text).not.toContain(INJECTION);
      expect(res.text).toContain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;Қаржы&#34;)');
    });

    it('applies the GET filters and keeps them in the form and the download links', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.small}?sector=C&innovated=yes&territory=&size=`);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/<dd><strong>2<\/strong><\/dd>/);
      expect(res.text).toMatch(/<option value="C" selected>/);
      expect(res.text).toMatch(/<option value="yes" selected>/);
      expect(res.text).toContain(`/analysis/rounds/${rounds.small}/items.csv?sector=C&amp;innovated=yes`);
      const one = await researcher.agent.get(`/analysis/rounds/${rounds.small}?territory=${survey.territoryIds.T1}`);
      expect(one.text).toMatch(/<dd><strong>2<\/strong><\/dd>/);
    });

    it('refuses malformed filters with 400 and unknown rounds with 404', async () => {
      expect((await researcher.agent.get(`/analysis/rounds/${rounds.small}?innovated=maybe`)).status).toBe(400);
      expect((await researcher.agent.get(`/analysis/rounds/${rounds.small}?sector=%3Cscript%3E`)).status).toBe(400);
      expect((await researcher.agent.get(`/analysis/rounds/${rounds.small}?territory=-1`)).status).toBe(400);
      expect((await researcher.agent.get(`/analysis/rounds/${rounds.small}?compare=${rounds.small}`)).status).toBe(400);
      expect((await researcher.agent.get('/analysis/rounds/999999')).status).toBe(404);
      expect((await researcher.agent.get('/analysis/rounds/abc')).status).toBe(400);
    });

    it('compares with another round', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.small}?compare=${rounds.many}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('id="mw-heading"');
      expect(res.text).toMatch(/«Many»|“Many”|"Many"/);
    });
  });

  describe('exports', () => {
    it('writes item statistics as CSV with BOM, Kazakh text intact and formulas neutralised', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.small}/items.csv`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/csv/);
      expect(res.headers['content-disposition']).toMatch(/attachment; filename="round-\d+-items.csv"/);
      const body = res.body as Buffer;
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = parseCsv(body.toString('utf8').slice(1)) as string[][];
      expect(rows[0]![0]).toBe('rank'); // stable codes, not the Kazakh headers
      expect(rows).toHaveLength(6);
      const a1 = rows.find((r) => r[1] === 'A1')!;
      expect(a1[3]).toBe(`'${INJECTION}`);
      expect(Number(a1[6])).toBeCloseTo(23 / 6, 12);
      expect(rows.find((r) => r[1] === 'A2')![3]).toBe('Білікті кадрлардың жетіспеушілігі — «ғылым»');
    });

    it('writes category statistics as CSV, in the language of the reader', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.small}/categories.csv`).set('cookie', 'kedergi_lang=en').buffer(true).parse(binaryParser);
      const rows = parseCsv((res.body as Buffer).toString('utf8').slice(1)) as string[][];
      expect(rows[0]).toContain('cronbach_alpha');
      const c1 = rows.find((r) => r[1] === 'C1')!;
      expect(Number(c1[rows[0]!.indexOf('cronbach_alpha')])).toBeCloseTo(0.9036144578313254, 12);
      expect(c1[rows[0]!.indexOf('complete_respondents')]).toBe('5');
    });

    it('keeps data-file column names whatever the language, and writes an Excel (ru/kk) variant', async () => {
      const kk = await researcher.agent.get(`/analysis/rounds/${rounds.small}/items.csv`).set('cookie', 'kedergi_lang=kk').buffer(true).parse(binaryParser);
      const ru = await researcher.agent.get(`/analysis/rounds/${rounds.small}/items.csv`).set('cookie', 'kedergi_lang=ru').buffer(true).parse(binaryParser);
      const headerOf = (b: Buffer) => (parseCsv(b.toString('utf8').slice(1)) as string[][])[0];
      expect(headerOf(kk.body as Buffer)).toEqual(headerOf(ru.body as Buffer));
      const excel = await researcher.agent.get(`/analysis/rounds/${rounds.small}/items.csv?variant=excel`).set('cookie', 'kedergi_lang=kk').buffer(true).parse(binaryParser);
      expect(excel.status).toBe(200);
      expect(excel.headers['content-disposition']).toContain('items-excel.csv');
      const body = excel.body as Buffer;
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = parseCsv(body.toString('utf8').slice(1), { delimiter: ';' }) as string[][];
      expect(rows[0]![0]).toBe('орны'); // headers in the reader's language
      const a1 = rows.find((r) => r[1] === 'A1')!;
      expect(a1[3]).toBe(`'${INJECTION}`); // formulas neutralised in spreadsheet files
      expect(a1[6]).toMatch(/^3,83333/); // decimal comma, full precision
      expect(Number(a1[6]!.replace(',', '.'))).toBeCloseTo(23 / 6, 12);
      expect((await researcher.agent.get(`/analysis/rounds/${rounds.small}/items.csv?variant=xls`)).status).toBe(400);
    });

    it('writes empty cells, not NaN, for an empty round', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.empty}/items.csv`).buffer(true).parse(binaryParser);
      const text = (res.body as Buffer).toString('utf8');
      expect(text).not.toMatch(/NaN|undefined|null/);
      const rows = parseCsv(text.slice(1)) as string[][];
      expect(rows.slice(1).every((r) => r[4] === '0' && r[6] === '')).toBe(true);
    });

    for (const name of ['empty', 'one', 'many'] as const) {
      it(`writes a workbook that parses back for the ${name} round`, async () => {
        const res = await researcher.agent.get(`/analysis/rounds/${rounds[name]}/workbook.xlsx`).set('cookie', 'kedergi_lang=en').buffer(true).parse(binaryParser);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/spreadsheetml/);
        const wb = await readWorkbook(res.body as Buffer);
        const names = wb.worksheets.map((w) => w.name);
        expect(names.slice(0, 6)).toEqual(['Responses', 'Item statistics', 'Category statistics', 'SWOT', 'PEST', 'Expert agreement']);
        const responses = sheetRows(wb.getWorksheet('Responses')!);
        const expected = { empty: 0, one: 1, many: 150 }[name];
        expect(responses.length - 1).toBe(expected);
        const items = sheetRows(wb.getWorksheet('Item statistics')!);
        expect(items).toHaveLength(6);
        expect(items[0]![0]).toBe('rank');
        expect(sheetRows(wb.getWorksheet('SWOT')!)[1]![0]).toMatch(/No expert panel/);
      });
    }

    it('keeps the filters in the workbook and neutralises formulas in it', async () => {
      const res = await researcher.agent.get(`/analysis/rounds/${rounds.small}/workbook.xlsx?sector=C`).buffer(true).parse(binaryParser);
      const wb = await readWorkbook(res.body as Buffer);
      const [responses, items] = [wb.worksheets[0]!, wb.worksheets[1]!];
      const header = sheetRows(responses)[0]!;
      const rows = sheetRows(responses).slice(1);
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r[header.indexOf('sector')] === 'C')).toBe(true);
      const a1 = sheetRows(items).find((r) => r[1] === 'A1')!;
      expect(a1[3]).toBe(`'${INJECTION}`);
      expect(a1[4]).toBe(3);
    });
  });

  describe('JSON API', () => {
    it('answers the documented shape', async () => {
      const res = await researcher.agent.get(`/api/v1/rounds/${rounds.small}/ranking`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['items', 'categories']));
      const keys = ['code', 'category', 'n', 'cannotJudge', 'mean', 'median', 'sd', 'ciLow', 'ciHigh', 'top2', 'rank'];
      for (const item of res.body.items) for (const k of keys) expect(item).toHaveProperty(k);
      for (const c of res.body.categories) for (const k of ['code', 'mean', 'alpha']) expect(c).toHaveProperty(k);
      expect(res.body.items.map((i: { code: string }) => i.code)).toEqual(['A2', 'A1', 'A3', 'B1', 'B2']);
      const a1 = res.body.items[1];
      expect(a1).toMatchObject({ code: 'A1', category: 'C1', n: 6, cannotJudge: 0, median: 4, rank: 2, distribution: { 1: 0, 2: 1, 3: 1, 4: 2, 5: 2 } });
      expect(a1.mean).toBeCloseTo(23 / 6, 12);
      expect(a1.ciLow).toBeLessThan(a1.mean);
      expect(res.body.categories[0]).toMatchObject({ code: 'C1', alpha: expect.closeTo(0.9036144578313254, 12) });
    });

    it('gives nulls, not NaN, for the empty and one-response rounds', async () => {
      const empty = await researcher.agent.get(`/api/v1/rounds/${rounds.empty}/ranking`);
      expect(empty.body.items.every((i: Record<string, unknown>) => i.n === 0 && i.mean === null && i.sd === null && i.rank === null)).toBe(true);
      expect(empty.body.categories.every((c: Record<string, unknown>) => c.alpha === null && c.mean === null)).toBe(true);
      const one = await researcher.agent.get(`/api/v1/rounds/${rounds.one}/ranking`);
      expect(one.body.items.find((i: { code: string }) => i.code === 'A1')).toMatchObject({ n: 1, mean: 4, sd: null, ciLow: null, ciHigh: null });
    });

    it('applies the query filters and the comparison', async () => {
      const res = await researcher.agent.get(`/api/v1/rounds/${rounds.small}/ranking?innovated=no&compare=${rounds.many}`);
      expect(res.body.respondents).toBe(2);
      expect(res.body.filters).toEqual({ innovated: false });
      expect(res.body.items.find((i: { code: string }) => i.code === 'A1').mean).toBe(2.5);
      expect(res.body.comparison.round.id).toBe(rounds.many);
      expect(res.body.comparison.items[0]).toHaveProperty('rankBiserial');
    });

    it('answers 400 with the field for a bad filter and 404 for an unknown round', async () => {
      const bad = await researcher.agent.get(`/api/v1/rounds/${rounds.small}/ranking?size=${'x'.repeat(30)}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields[0].path).toBe('size');
      const missing = await researcher.agent.get('/api/v1/rounds/999999/ranking');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
    });
  });
});
