import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { insertRound, territoryId } from '../invitations/fixtures';
import { insertInvitation } from './fixtures';


function csvRecords(body: string | Buffer): Array<Record<string, string>> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  expect(text.charCodeAt(0)).toBe(0xfeff); // Excel needs the BOM to read UTF-8
  return parseCsv(text.slice(1), { columns: true }) as Array<Record<string, string>>;
}

describe('monitoring and exports', () => {
  let t: TestApp;
  let roundId: number;
  let emptyRoundId: number;
  let abai: number;
  let ridder: number;
  let semey: number;
  let researcherToken: string;
  const submittedIds: number[] = [];

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    researcherToken = await apiTokenFor(t, 'researcher');
    abai = await territoryId(t.ctx, 'abai-district');
    ridder = await territoryId(t.ctx, 'ridder-city');
    semey = await territoryId(t.ctx, 'semey-city');
    roundId = await insertRound(t.ctx, { target_total: 10 });
    emptyRoundId = await insertRound(t.ctx, { title: 'Empty' });
    await t.ctx.db('round_targets').insert([
      { round_id: roundId, territory_id: abai, target: 4 },
      { round_id: roundId, territory_id: ridder, target: 3 },
    ]);
    // Abai: pending, opened, submitted. Ridder: in progress, submitted, plus a public respondent who submitted.
    // Semey: submitted. Hand-counted expectations are in the tests below.
    await insertInvitation(t.ctx, roundId, { name: 'Pending Abai', contact: 'p@abai.kz', territoryId: abai, sector: 'A', size: 'micro', state: 'pending' });
    await insertInvitation(t.ctx, roundId, { name: '=Opened Abai', contact: '+7 700 111', territoryId: abai, sector: 'G', size: 'small', state: 'opened' });
    const a = await insertInvitation(t.ctx, roundId, {
      territoryId: abai,
      sector: 'A',
      size: 'micro',
      state: 'submitted',
      response: {
        language: 'kk',
        employees: 12,
        innovated: true,
        profile: { territory: 'abai-district', sector: 'A', size: 'micro', employees: 12, innovated: ['product', 'process'], funding: 'own' },
        answers: { B01: 5, B02: { value: null, comment: 'Білмеймін: қаржы жағы түсініксіз' }, B03: { value: 2, comment: '=HYPERLINK("http://evil")' } },
        submittedAt: '2026-11-20T09:00:00.000Z',
      },
    });
    await insertInvitation(t.ctx, roundId, { name: 'Busy Ridder', territoryId: ridder, sector: 'G', size: 'small', state: 'in_progress', response: { answers: { B01: 3 } } });
    const b = await insertInvitation(t.ctx, roundId, {
      territoryId: ridder,
      sector: 'G',
      size: 'small',
      state: 'submitted',
      response: { language: 'ru', innovated: false, profile: { innovated: ['none'] }, answers: { B01: 1, B22: 4 }, submittedAt: '2026-11-20T10:00:00.000Z' },
    });
    const c = await insertInvitation(t.ctx, roundId, {
      source: 'public',
      territoryId: null,
      state: 'submitted',
      response: { language: 'en', territoryId: ridder, sector: 'C', size: 'medium', answers: { B01: 4 }, submittedAt: '2026-11-20T11:00:00.000Z' },
    });
    const d = await insertInvitation(t.ctx, roundId, { territoryId: semey, sector: 'C', size: 'medium', state: 'submitted', response: { answers: { B01: 2 } } });
    submittedIds.push(a.responseId!, b.responseId!, c.responseId!, d.responseId!);
  });
  afterAll(async () => t.close());

  describe('GET /api/v1/rounds/:id/progress', () => {
    it('counts the funnel overall, by territory against targets, by sector and by size', async () => {
      const res = await request(t.app).get(`/api/v1/rounds/${roundId}/progress`).set('Authorization', `Bearer ${researcherToken}`);
      expect(res.status).toBe(200);
      // Listed: 6 (pending, opened, in progress, 3 submitted); public: 1 submitted.
      expect(res.body).toMatchObject({ invited: 6, opened: 6, started: 5, submitted: 4, target: 10, publicEntries: 1 });
      expect(res.body.responseRate).toBeCloseTo(4 / 6, 10);
      expect(res.body.targetRate).toBeCloseTo(0.4, 10);
      const byCode = Object.fromEntries(res.body.byTerritory.map((r: { code: string }) => [r.code, r]));
      expect(byCode['abai-district']).toMatchObject({ invited: 3, opened: 2, started: 1, submitted: 1, target: 4 });
      expect(byCode['abai-district'].targetRate).toBeCloseTo(0.25, 10);
      // The public respondent is counted in the territory they answered with.
      expect(byCode['ridder-city']).toMatchObject({ invited: 2, opened: 3, started: 3, submitted: 2, target: 3 });
      expect(byCode['semey-city']).toMatchObject({ invited: 1, opened: 1, started: 1, submitted: 1, target: null, targetRate: null });
      expect(byCode['semey-city'].name).toEqual({ kk: 'Семей қаласы', ru: 'город Семей', en: 'Semey city' });
      const sector = Object.fromEntries(res.body.bySector.map((r: { code: string }) => [r.code, r]));
      expect(sector.A).toMatchObject({ invited: 2, submitted: 1 });
      expect(sector.G).toMatchObject({ invited: 3, opened: 3, submitted: 1 });
      expect(sector.C).toMatchObject({ invited: 1, submitted: 2 });
      const size = Object.fromEntries(res.body.bySize.map((r: { code: string }) => [r.code, r]));
      expect(size.medium).toMatchObject({ invited: 1, submitted: 2 });
      expect(res.body.bySize.map((r: { code: string }) => r.code)).toEqual(['micro', 'small', 'medium']);
    });

    it('answers with zeros for a round without invitations and 404 for a missing round', async () => {
      const res = await request(t.app).get(`/api/v1/rounds/${emptyRoundId}/progress`).set('Authorization', `Bearer ${researcherToken}`);
      expect(res.body).toMatchObject({ invited: 0, opened: 0, started: 0, submitted: 0, target: null, responseRate: null, byTerritory: [] });
      expect((await request(t.app).get('/api/v1/rounds/987654/progress').set('Authorization', `Bearer ${researcherToken}`)).status).toBe(404);
    });
  });

  describe('raw response exports', () => {
    it('CSV: one row per submitted response, one column per item, Kazakh intact, formulas neutralised', async () => {
      const res = await request(t.app).get(`/api/v1/rounds/${roundId}/responses.csv`).set('Authorization', `Bearer ${researcherToken}`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/csv');
      expect(res.headers['content-disposition']).toContain('attachment');
      const text = (res.body as Buffer).toString('utf8');
      const records = csvRecords(text);
      const header = parseCsv(text.slice(1), { to_line: 1 })[0] as string[];
      expect(header.slice(0, 8)).toEqual(['response_id', 'submitted_at', 'language', 'territory', 'sector', 'size', 'employees', 'innovated']);
      expect(header).toContain('profile_innovated');
      expect(header).toContain('profile_funding');
      const items = header.filter((h) => /^B\d\d$/.test(h));
      expect(items).toHaveLength(22);
      expect(header.filter((h) => h.endsWith('_comment'))).toHaveLength(22);

      expect(records.map((r) => Number(r.response_id))).toEqual(submittedIds);
      const first = records[0]!;
      expect(first).toMatchObject({ language: 'kk', territory: 'abai-district', sector: 'A', size: 'micro', employees: '12', innovated: '1' });
      expect(first).toMatchObject({ profile_innovated: 'product;process', profile_funding: 'own' });
      // B02 is "cannot judge" (coded -99, as the codebook says), B04 unanswered (empty).
      expect(first).toMatchObject({ B01: '5', B02: '-99', B03: '2', B04: '' });
      expect(first.B02_comment).toBe('Білмеймін: қаржы жағы түсініксіз');
      expect(first.B03_comment).toBe(`'=HYPERLINK("http://evil")`);
      expect(records[1]).toMatchObject({ language: 'ru', innovated: '0', B01: '1', B22: '4', profile_innovated: 'none' });
      expect(records[2]).toMatchObject({ language: 'en', territory: 'ridder-city', sector: 'C', size: 'medium' });
    });

    it('CSV for Excel (ru/kk): the same cells with ";" and decimal commas, codes as column names, BOM, CRLF, formulas still neutralised', async () => {
      const get = (query: string) => request(t.app).get(`/api/v1/rounds/${roundId}/responses.csv${query}`).set('Authorization', `Bearer ${researcherToken}`).buffer(true).parse(binaryParser);
      const [plain, excel] = await Promise.all([get(''), get('?variant=excel')]);
      expect(excel.status).toBe(200);
      expect(excel.headers['content-type']).toContain('text/csv');
      expect(excel.headers['content-disposition']).toContain(`round-${roundId}-responses-excel.csv`);
      const text = (excel.body as Buffer).toString('utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      expect(text.split('\r\n').length).toBeGreaterThan(submittedIds.length);
      const excelRows = parseCsv(text.slice(1), { delimiter: ';' }) as string[][];
      const plainRows = parseCsv((plain.body as Buffer).toString('utf8').slice(1)) as string[][];
      expect(excelRows[0]).toEqual(plainRows[0]); // stable codes, not the interface language
      expect(excelRows.length).toBe(plainRows.length);
      const header = excelRows[0]!;
      const row = Object.fromEntries(header.map((h, i) => [h, excelRows[1]![i]]));
      expect(row).toMatchObject({ B01: '5', B02: '-99', B04: '', territory: 'abai-district' });
      expect(row.B03_comment).toBe(`'=HYPERLINK("http://evil")`);
      // Every cell is the data file's cell, with a decimal comma where that one has a decimal point.
      for (let r = 1; r < plainRows.length; r++) {
        plainRows[r]!.forEach((cell, c) => expect(excelRows[r]![c], `${header[c]} of row ${r}`).toBe(/^-?\d+\.\d+$/.test(cell) ? cell.replace('.', ',') : cell));
      }
      const bad = await get('?variant=spss');
      expect(bad.status).toBe(400);
    });

    it('XLSX: a responses sheet and a codebook sheet, numbers as numbers', async () => {
      const { agent } = await loginAs(t, 'researcher'); // the page links use the cookie session
      const res = await agent.get(`/api/v1/rounds/${roundId}/responses.xlsx`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as ExcelJS.Buffer);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['responses', 'codebook']);
      const sheet = wb.getWorksheet('responses')!;
      const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
      const col = (name: string) => header.indexOf(name) + 1;
      expect(sheet.rowCount).toBe(1 + submittedIds.length);
      const row2 = sheet.getRow(2);
      expect(row2.getCell(col('response_id')).value).toBe(submittedIds[0]);
      expect(row2.getCell(col('B01')).value).toBe(5);
      expect(row2.getCell(col('B02')).value).toBe(-99);
      expect(row2.getCell(col('B04')).value).toBeNull();
      expect(row2.getCell(col('B02_comment')).value).toBe('Білмеймін: қаржы жағы түсініксіз');
      expect(row2.getCell(col('B03_comment')).value).toBe(`'=HYPERLINK("http://evil")`);

      const codebook = wb.getWorksheet('codebook')!;
      const rows = codebook.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1));
      const b01 = rows.find((r) => r[0] === 'column' && r[1] === 'B01')!;
      expect(b01.slice(3)).toEqual(['Инновациялық өнімге төмен сұраныс', 'Низкий спрос на инновационную продукцию', 'Low demand for innovative products']);
    });

    it('codebook CSV: items, scale labels and option codes in all three languages', async () => {
      const res = await request(t.app).get(`/api/v1/rounds/${roundId}/responses-codebook.csv`).set('Authorization', `Bearer ${researcherToken}`);
      expect(res.status).toBe(200);
      const records = csvRecords(res.text);
      const find = (kind: string, variable: string, value?: string) =>
        records.find((r) => r.kind === kind && r.variable === variable && (value === undefined || r.value === value));
      expect(find('scale', 'items', '1')).toMatchObject({ label_kk: 'Кедергі емес', label_ru: 'Не является барьером', label_en: 'Not a barrier' });
      expect(find('scale', 'items', '-99')).toMatchObject({ label_kk: 'Бағалай алмаймын', label_en: 'Cannot judge' });
      expect(find('missing', '', '-99')?.label_en).toContain('Cannot judge');
      expect(find('missing', '', '')?.label_en).toContain('not answered');
      expect(find('option', 'territory', 'semey-city')).toMatchObject({ label_kk: 'Семей қаласы', label_en: 'Semey city' });
      expect(find('option', 'size', 'micro')?.label_ru).toBe('Микро (до 15 человек)');
      expect(find('category', 'MARKET', 'E')?.label_en).toBe('Market factors');
      expect(find('column', 'B05_comment')?.label_ru).toContain('B05');
      expect(find('option', 'profile_funding', 'own')?.label_kk).toBe('Меншікті қаражат');
      // Every column of the data file is explained.
      const dataHeader = parseCsv((await request(t.app).get(`/api/v1/rounds/${roundId}/responses.csv`).set('Authorization', `Bearer ${researcherToken}`)).text.slice(1), { to_line: 1 })[0] as string[];
      for (const column of dataHeader) expect(find('column', column), column).toBeDefined();
    });

    it('exports a header only for a round without responses', async () => {
      const res = await request(t.app).get(`/api/v1/rounds/${emptyRoundId}/responses.csv`).set('Authorization', `Bearer ${researcherToken}`);
      expect(res.status).toBe(200);
      expect(csvRecords(res.text)).toHaveLength(0);
    });
  });

  describe('monitoring page', () => {
    let admin: LoggedIn;
    beforeAll(async () => {
      admin = await loginAs(t, 'admin');
    });

    it('shows the counts, the territory chart, the non-responders and the export links', async () => {
      const res = await admin.agent.get(`/admin/rounds/${roundId}/monitoring`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<svg');
      expect(res.text).toContain(`/api/v1/rounds/${roundId}/responses.xlsx`);
      expect(res.text).toContain(`/api/v1/rounds/${roundId}/responses.csv`);
      expect(res.text).toContain('Pending Abai');
      expect(res.text).toContain('Busy Ridder');
      expect(res.text).toContain('=Opened Abai');
      expect(res.text).not.toMatch(/\/r\/[A-Za-z0-9_-]{22}/);
      expect(res.text).toContain('aria-valuenow="40"');
    });

    it('exports the non-responders for reminders, without links', async () => {
      const res = await admin.agent.get(`/admin/rounds/${roundId}/monitoring/non-responders.csv`);
      expect(res.status).toBe(200);
      const records = csvRecords(res.text);
      expect(Object.keys(records[0]!)).toEqual(['name', 'contact', 'territory', 'status']);
      expect(records.map((r) => r.status)).toEqual(['pending', 'opened', 'in_progress']);
      expect(records[0]).toMatchObject({ name: 'Pending Abai', contact: 'p@abai.kz' });
      expect(records[1]).toMatchObject({ name: "'=Opened Abai", contact: "'+7 700 111" });
      expect(res.text).not.toContain('/r/');
    });

    it('is open to researchers and closed to experts and anonymous visitors', async () => {
      const researcher = await loginAs(t, 'researcher');
      expect((await researcher.agent.get(`/admin/rounds/${roundId}/monitoring`)).status).toBe(200);
      const expert = await loginAs(t, 'expert');
      expect((await expert.agent.get(`/admin/rounds/${roundId}/monitoring`)).status).toBe(403);
      expect((await expert.agent.get(`/admin/rounds/${roundId}/monitoring/non-responders.csv`)).status).toBe(403);
      expect((await expert.agent.get(`/api/v1/rounds/${roundId}/responses.csv`)).status).toBe(403);
      expect((await expert.agent.get(`/api/v1/rounds/${roundId}/progress`)).status).toBe(403);
      const anon = await request(t.app).get(`/admin/rounds/${roundId}/monitoring`);
      expect(anon.status).toBe(303);
      for (const path of ['responses.csv', 'responses.xlsx', 'responses-codebook.csv', 'progress']) {
        expect((await request(t.app).get(`/api/v1/rounds/${roundId}/${path}`)).status).toBe(401);
      }
      const expertToken = await apiTokenFor(t, 'expert');
      expect((await request(t.app).get(`/api/v1/rounds/${roundId}/responses.xlsx`).set('Authorization', `Bearer ${expertToken}`)).status).toBe(403);
    });
  });
});
