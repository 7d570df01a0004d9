import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Language } from '../../../src/i18n';
import { EXTENDED_QUESTIONNAIRE_CODE } from '../../../src/modules/questionnaires/questionnaires.seed';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { createInvitation, createRound, someTerritoryCode } from './fixtures';
import { storedProfile } from '../../helpers/profile';

/**
 * Every question kind answered through the respondent's HTML forms (no JavaScript), on the
 * seeded extended questionnaire: stored in its kind's columns, shown on the review page,
 * and bad values refused per kind with a message in the respondent's language, nothing stored.
 */
describe('every question kind through the respondent pages', () => {
  let t: TestApp;
  let roundId: number;
  let questionnaireId: number;
  let territory: string;
  let itemCodes: Map<string, string[]>;

  const open = async (lang: Language = 'ru'): Promise<{ agent: TestAgent; csrf: string; invitationId: number }> => {
    const invitation = await createInvitation(t.ctx, roundId);
    const agent = request.agent(t.app);
    await agent.get(`/r/${invitation.token}`);
    const start = await agent.get('/respond');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(start.text)![1]!;
    await agent.post('/respond/language').type('form').send({ _csrf: csrf, lang });
    return { agent, csrf, invitationId: invitation.id };
  };
  const ratings = (category: string, value = '3') => Object.fromEntries(itemCodes.get(category)!.map((c) => [`answers[${c}]`, value]));
  const answersOf = async (invitationId: number) => {
    const response = await t.ctx.db('responses').where({ invitation_id: invitationId }).first();
    if (!response) return [];
    return t.ctx.db('answers as a').join('questionnaire_items as i', 'i.id', 'a.item_id').where('a.response_id', response.id).select('i.code', 'i.kind', 'a.*');
  };

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    questionnaireId = Number((await t.ctx.db('questionnaires').where({ code: EXTENDED_QUESTIONNAIRE_CODE }).first()).id);
    roundId = await createRound(t.ctx, questionnaireId);
    territory = await someTerritoryCode(t.ctx);
    const rows = await t.ctx.db('questionnaire_items as i').join('questionnaire_categories as c', 'c.id', 'i.category_id').where('i.questionnaire_id', questionnaireId).where('i.kind', 'rating').orderBy('i.position').select('i.code', 'c.code as category');
    itemCodes = new Map();
    for (const r of rows) itemCodes.set(r.category, [...(itemCodes.get(r.category) ?? []), r.code]);
  });
  afterAll(async () => t.close());

  it('renders each kind as plain HTML controls', async () => {
    const { agent, csrf } = await open('en');
    // A product innovator is asked the activity questions that depend on it.
    await agent.post('/respond/profile').type('form').send({ _csrf: csrf, nav: 'next', territory, sector: 'C', size: 'small', innovated: ['product'] });
    const activity = await agent.get('/respond/page/ACTIVITY');
    expect(activity.status).toBe(200);
    expect(activity.text).toMatch(/name="answers\[A01\]"[^>]*inputmode="decimal"/);
    expect(activity.text).toContain('million tenge');
    expect(activity.text).toMatch(/<textarea id="answers-A03-input" name="answers\[A03\]" rows="4" maxlength="1000"/);
    const reasons = await agent.get('/respond/page/REASONS');
    expect(reasons.text).toMatch(/type="checkbox"[^>]*name="answers\[R01\]" value="B06"/);
    expect(reasons.text).toContain('name="others[R01]"');
    const support = await agent.get('/respond/page/SUPPORT');
    expect(support.text).toMatch(/<select id="answers-S03-GRANTS" name="answers\[S03\]\[GRANTS\]"/);
    expect(support.text).toContain('Place 3');
    expect(support.text).toMatch(/name="answers\[S04\]" value="0"/);
    expect(support.text).not.toContain('<script');
  });

  it('stores every kind in its own columns and shows it on the review page', async () => {
    const { agent, csrf, invitationId } = await open('ru');
    const post = (path: string, body: Record<string, unknown>) => agent.post(path).type('form').send({ _csrf: csrf, nav: 'next', ...body });
    expect((await post('/respond/profile', { territory, sector: 'C', size: 'small', employees: '12', innovated: ['product', 'marketing'], funding: 'own' })).status).toBe(303);
    for (const category of [...itemCodes.keys()].filter((c) => c !== 'SUPPORT')) expect((await post(`/respond/page/${category}`, ratings(category, '4'))).status).toBe(303);
    expect((await post('/respond/page/ACTIVITY', { 'answers[A01]': '12,5', 'answers[A02]': '3.25', 'answers[A03]': '  Дешёвые кредиты\r\nи гранты  ' })).status).toBe(303);
    expect((await post('/respond/page/REASONS', { 'answers[R01]': ['B08', 'B06', 'OTHER'], 'others[R01]': 'Нет помещения' })).status).toBe(303);
    const support = await post('/respond/page/SUPPORT', {
      'answers[S01]': ['DAMU', 'QAZINN'],
      'answers[S02]': ['GRANTS', 'TAX'],
      'answers[S03][GRANTS]': '2',
      'answers[S03][TAX]': '1',
      'answers[S03][CREDIT]': '3',
      'answers[S03][INFO]': '',
      'answers[S04]': '0',
    });
    expect(support.status).toBe(303);
    expect(support.headers.location).toBe('/respond/review');

    const byCode = new Map((await answersOf(invitationId)).map((a) => [a.code, a]));
    expect(Number(byCode.get('A01').number_value)).toBe(12.5);
    expect(Number(byCode.get('A02').number_value)).toBe(3.25);
    expect(byCode.get('A03').text_value).toBe('Дешёвые кредиты\nи гранты');
    expect(byCode.get('R01')).toMatchObject({ choice: 'B06 B08 OTHER', text_value: 'Нет помещения' });
    expect(byCode.get('S01').choice).toBe('DAMU QAZINN');
    expect(byCode.get('S03').choice).toBe('TAX GRANTS CREDIT');
    expect(Number(byCode.get('S04').value)).toBe(0);
    expect(Boolean(byCode.get('S04').cannot_judge)).toBe(false);
    expect(Number(byCode.get('B01').value)).toBe(4);

    const review = await agent.get('/respond/review');
    expect(review.text).toContain('Недостаток собственных средств; Слишком высокие затраты на инновации; Другая причина: Нет помещения');
    expect(review.text).toContain('1. Налоговые льготы; 2. Гранты на инновации; 3. Льготные кредиты и гарантии');
    expect(review.text).toContain('0 — точно нет');
    expect(review.text).toContain('3.25 млн тенге');
    const submit = await agent.post('/respond/submit').type('form').send({ _csrf: csrf, idempotencyKey: `every-kind-${invitationId}` });
    expect(submit.status).toBe(303);
    expect(submit.headers.location).toBe('/respond/done');

    const response = await t.ctx.db('responses').where({ invitation_id: invitationId }).first();
    expect(response.status).toBe('submitted');
    submittedId = Number(response.id);
  });

  let submittedId = 0;

  it('exports every kind: 0/1 per option, a rank per option, numbers, text, -99 for cannot judge; codebook labels in three languages', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const csv = await request(t.app).get(`/api/v1/rounds/${roundId}/responses.csv`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryParser);
    expect(csv.status).toBe(200);
    const records = parseCsv((csv.body as Buffer).toString('utf8').slice(1), { columns: true }) as Array<Record<string, string>>;
    const row = records.find((r) => Number(r.response_id) === submittedId)!;
    expect(row).toMatchObject({ B01: '4', A01: '12.5', A02: '3.25', A03: 'Дешёвые кредиты\nи гранты' });
    expect(row).toMatchObject({ R01_B06: '1', R01_B07: '0', R01_B08: '1', R01_NEED_DEMAND: '0', R01_OTHER: '1', R01_OTHER_text: 'Нет помещения' });
    expect(row).toMatchObject({ S01_DAMU: '1', S01_QAZINN: '1', S01_NONE: '0', S03_TAX: '1', S03_GRANTS: '2', S03_CREDIT: '3', S03_INFO: '', S04: '0' });

    // The Excel (ru/kk) variant writes the same numbers with decimal commas (issue 14).
    const excelCsv = await request(t.app).get(`/api/v1/rounds/${roundId}/responses.csv?variant=excel`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryParser);
    const excelRecords = parseCsv((excelCsv.body as Buffer).toString('utf8').slice(1), { columns: true, delimiter: ';' }) as Array<Record<string, string>>;
    expect(excelRecords.find((r) => Number(r.response_id) === submittedId)).toMatchObject({ B01: '4', A01: '12,5', A02: '3,25', A03: 'Дешёвые кредиты\nи гранты' });

    const xlsx = await request(t.app).get(`/api/v1/rounds/${roundId}/responses.xlsx`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryParser);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as ExcelJS.Buffer);
    const sheet = wb.getWorksheet('responses')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const line = [...Array(sheet.rowCount - 1).keys()].map((i) => sheet.getRow(i + 2)).find((r) => r.getCell(header.indexOf('response_id') + 1).value === submittedId)!;
    const cell = (name: string) => line.getCell(header.indexOf(name) + 1).value;
    expect([cell('A01'), cell('R01_B06'), cell('S03_GRANTS'), cell('S04'), cell('A03')]).toEqual([12.5, 1, 2, 0, 'Дешёвые кредиты\nи гранты']);

    const codebook = await request(t.app).get(`/api/v1/rounds/${roundId}/responses-codebook.csv`).set('Authorization', `Bearer ${token}`);
    const cb = parseCsv(codebook.text.slice(1), { columns: true }) as Array<Record<string, string>>;
    const find = (kind: string, variable: string, value?: string) => cb.find((r) => r.kind === kind && r.variable === variable && (value === undefined || r.value === value));
    expect(find('column', 'R01_B06')?.label_ru).toContain('Недостаток собственных средств');
    expect(find('value', 'R01_B06', '1')?.label_en).toBe('Lack of own funds');
    expect(find('value', 'S04', '10')?.label_kk).toBe('10 — міндетті түрде');
    expect(find('value', 'S04', '-99')?.label_ru).toBe('Затрудняюсь ответить');
    expect(find('column', 'S03_TAX')?.label_en).toContain('Tax incentives');
    expect(find('missing', '', '-99')).toBeTruthy();
  });

  it('analyses every kind: shares with Wilson intervals and cross-tabs, ranking statistics and Kendall W, number summary, filtered text', async () => {
    // A second respondent through the one-request API (JSON), with the ranking as a list of codes.
    const { agent, csrf, invitationId } = await open('en');
    const answers: Record<string, unknown> = {};
    for (const codes of itemCodes.values()) for (const code of codes) answers[code] = 2;
    Object.assign(answers, { S04: 7, A01: 50, A02: 1, A03: 'Налоговые льготы', R01: ['B06'], S01: ['NONE'], S02: ['CREDIT'], S03: ['GRANTS', 'TAX', 'INFO'] });
    const res = await agent
      .post('/respond/submit-all')
      .set('x-csrf-token', csrf)
      .set('accept', 'application/json')
      .send({ profile: { territory, sector: 'G', size: 'micro', innovated: ['product'], funding: 'own' }, answers, idempotencyKey: `every-kind-json-${invitationId}` });
    expect(res.status).toBe(201);
    await t.services.analysisCounter.settled();

    const r = await t.services.analysis.ranking(roundId);
    const q = (code: string) => r.questions.find((x) => x.code === code)!;
    const r01 = q('R01');
    if (r01.kind !== 'multi-choice') throw new Error('R01 is a multi-choice');
    expect(r01.n).toBe(2);
    expect(r01.options.find((o) => o.code === 'B06')).toMatchObject({ count: 2, share: 1 });
    expect(r01.options.find((o) => o.code === 'B08')).toMatchObject({ count: 1, share: 0.5 });
    expect(r01.options.find((o) => o.code === 'B08')!.low).toBeCloseTo(0.0945, 3); // Wilson 1 of 2 (R prop.test(1, 2, correct = FALSE)$conf.int: 0.0945-0.9055)
    const bySector = r01.crossTabs.find((c) => c.by === 'sector')!;
    expect(bySector.groups.sort()).toEqual(['C', 'G']);
    expect(bySector.totals).toEqual([1, 1]);

    const s03 = q('S03');
    if (s03.kind !== 'ranking') throw new Error('S03 is a ranking');
    const opt = (code: string) => s03.options.find((o) => o.code === code)!;
    // Orders TAX, GRANTS, CREDIT and GRANTS, TAX, INFO; an option left out takes (3 + 1 + 7) / 2 = 5.5.
    expect(opt('GRANTS')).toMatchObject({ meanRank: 1.5, shareFirst: 0.5, borda: 5, timesRanked: 2 });
    expect(opt('TAX')).toMatchObject({ meanRank: 1.5, shareFirst: 0.5, borda: 5 });
    expect(opt('CREDIT')).toMatchObject({ meanRank: 4.25, shareFirst: 0, borda: 1, timesRanked: 1 });
    expect(opt('TRAINING')).toMatchObject({ meanRank: 5.5, borda: 0, timesRanked: 0 });
    expect(s03.kendall?.raters).toBe(2);
    expect(s03.kendall?.w).toBeGreaterThan(0.5);

    const a01 = q('A01');
    if (a01.kind !== 'number') throw new Error('A01 is a number');
    expect(a01.summary).toMatchObject({ n: 2, mean: 31.25, median: 31.25, min: 12.5, max: 50 });

    const s04 = r.items.find((i) => i.code === 'S04')!;
    expect(s04).toMatchObject({ n: 2, mean: 3.5, lowest: 0 });

    const a03 = q('A03');
    expect(a03).toMatchObject({ kind: 'text', total: 2 });
    const filtered = await t.services.analysis.ranking(roundId, { text: 'льготы' });
    expect(filtered.questions.find((x) => x.code === 'A03')).toMatchObject({ total: 1, texts: ['Налоговые льготы'] });

    expect(r.innovationBySize.find((x) => x.size === 'micro')).toMatchObject({ respondents: 1, innovating: 1, level: 1 });
    expect(r.innovationBySize.find((x) => x.size === 'small')).toMatchObject({ respondents: 1, innovating: 1, level: 1 });

    // Beside the published results: B01-B05 with the 32-enterprise means, R01 with the national statistics.
    expect(r.reference.published.rows.map((x) => x.code).sort()).toEqual(['B01', 'B02', 'B03', 'B04', 'B05']);
    const b01 = r.reference.published.rows.find((x) => x.code === 'B01')!;
    expect(b01).toMatchObject({ published: 4.5, mean: 3 }); // rated 4 and 2
    expect(b01.difference).toBeCloseTo(-1.5, 12);
    const national = r.reference.national.find((x) => x.questionCode === 'R01')!;
    expect(national.rows).toHaveLength(11);
    expect(national.rows.find((x) => x.code === 'B06')).toMatchObject({ nationalCount: 513, nationalRank: 1, count: 2, rank: 1 });
    expect(national.rows.find((x) => x.code === 'NEED_DEMAND')).toMatchObject({ nationalCount: 505, nationalRank: 2, count: 0 });
    expect(national.rows.reduce((sum, x) => sum + x.nationalShare, 0)).toBeCloseTo(1, 12);
    expect(national.spearman).not.toBeNull();

    // The page and the API show the same.
    const token = await apiTokenFor(t, 'researcher');
    const api = await request(t.app).get(`/api/v1/rounds/${roundId}/ranking`).set('authorization', `Bearer ${token}`);
    expect(api.body.questions.find((x: { code: string }) => x.code === 'S03').options.find((o: { code: string }) => o.code === 'GRANTS').borda).toBe(5);
    expect(api.body.items.find((x: { code: string }) => x.code === 'S04').distribution).toMatchObject({ '0': 1, '7': 1, '10': 0 });
    const researcher = await loginAs(t, 'researcher');
    const page = await researcher.agent.get(`/analysis/rounds/${roundId}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Кендалл W = 0,\d{3}/);
    expect(page.text).toContain('Жарияланған нәтижелермен салыстыру');
    expect(page.text).toContain('Налоговые льготы');
  });

  it('asks a question only when an earlier answer matches, does not require it otherwise, and does not keep it once hidden', async () => {
    const { agent, csrf, invitationId } = await open('en');
    const post = (path: string, body: Record<string, unknown>) => agent.post(path).type('form').send({ _csrf: csrf, nav: 'next', ...body });
    const profile = { territory, sector: 'C', size: 'small', funding: 'own' };
    // Did not innovate: A01 (product innovators) and A02 (any innovator) are not asked.
    expect((await post('/respond/profile', { ...profile, innovated: ['none'] })).status).toBe(303);
    let page = await agent.get('/respond/page/ACTIVITY');
    expect(page.text).not.toContain('name="answers[A01]"');
    expect(page.text).not.toContain('name="answers[A02]"');
    expect(page.text).toContain('name="answers[A03]"');
    const refused = await post('/respond/page/ACTIVITY', { 'answers[A01]': '10' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(escapeHtml(translator('en')('respond:errors.unknownItem', { code: 'A01' })));

    // A process innovator is asked A02 but not A01; both answered while shown...
    expect((await post('/respond/profile', { ...profile, innovated: ['process'] })).status).toBe(303);
    page = await agent.get('/respond/page/ACTIVITY');
    expect(page.text).not.toContain('name="answers[A01]"');
    expect(page.text).toContain('name="answers[A02]"');
    expect((await post('/respond/profile', { ...profile, innovated: ['product'] })).status).toBe(303);
    expect((await post('/respond/page/ACTIVITY', { 'answers[A01]': '40', 'answers[A02]': '7' })).status).toBe(303);
    for (const category of [...itemCodes.keys()].filter((c) => c !== 'SUPPORT')) expect((await post(`/respond/page/${category}`, ratings(category, '3'))).status).toBe(303);
    expect((await post('/respond/page/SUPPORT', { 'answers[S01]': ['NONE'], 'answers[S02]': ['INFO'], 'answers[S03][INFO]': '1', 'answers[S03][TAX]': '2', 'answers[S03][GRANTS]': '3', 'answers[S04]': 'na' })).status).toBe(303);
    // ...then the respondent corrects the profile: no innovation after all.
    expect((await post('/respond/profile', { ...profile, innovated: ['none'] })).status).toBe(303);
    const review = await agent.get('/respond/review');
    expect(review.text).not.toContain('A01.');
    expect(review.text).toContain('A03.');
    const submit = await agent.post('/respond/submit').type('form').send({ _csrf: csrf, idempotencyKey: `conditions-${invitationId}-x` });
    expect(submit.status).toBe(303);
    const stored = new Map((await answersOf(invitationId)).map((a) => [a.code, a]));
    expect(stored.has('A01')).toBe(false);
    expect(stored.has('A02')).toBe(false);
    expect(Boolean(stored.get('S04').cannot_judge)).toBe(true);
  });

  const bad: Array<{ kind: string; page: string; body: Record<string, unknown>; key: string; params?: Record<string, unknown> }> = [
    { kind: 'rating (0-10)', page: 'SUPPORT', body: { 'answers[S04]': '11' }, key: 'respond:errors.outOfRange', params: { min: 0, max: 10 } },
    { kind: 'multi-choice: unknown option', page: 'REASONS', body: { 'answers[R01]': ['B06', 'B99'] }, key: 'respond:errors.invalidChoice' },
    { kind: 'multi-choice: other without text', page: 'REASONS', body: { 'answers[R01]': ['OTHER'] }, key: 'respond:errors.otherRequired' },
    { kind: 'multi-choice: exclusive combined', page: 'SUPPORT', body: { 'answers[S01]': ['NONE', 'DAMU'] }, key: 'respond:errors.exclusive', params: { option_kk: 'Ешбір бағдарламаны пайдаланған жоқпыз', option_ru: 'Не пользовались ни одной программой', option_en: 'Used no programme' } },
    { kind: 'ranking: a place twice', page: 'SUPPORT', body: { 'answers[S03][GRANTS]': '1', 'answers[S03][TAX]': '1', 'answers[S03][CREDIT]': '2' }, key: 'respond:errors.rankTwice' },
    { kind: 'ranking: incomplete', page: 'SUPPORT', body: { 'answers[S03][GRANTS]': '1' }, key: 'respond:errors.rankIncomplete', params: { k: 3 } },
    { kind: 'number: out of range', page: 'ACTIVITY', body: { 'answers[A01]': '120' }, key: 'respond:errors.number', params: { min: 0, max: 100 } },
    { kind: 'number: not a number', page: 'ACTIVITY', body: { 'answers[A01]': '12%' }, key: 'respond:errors.number', params: { min: 0, max: 100 } },
    { kind: 'text: too long', page: 'ACTIVITY', body: { 'answers[A03]': 'x'.repeat(1001) }, key: 'respond:errors.textTooLong', params: { max: 1000, count: 1000 } },
  ];
  for (const lang of ['kk', 'ru', 'en'] as const) {
    for (const c of bad.filter((b) => b.page)) {
      it(`refuses ${c.kind} in ${lang} and stores nothing from the page`, async () => {
        const { agent, csrf, invitationId } = await open(lang);
        // A product innovator, so that every activity question is asked.
        await agent.post('/respond/profile').type('form').send({ _csrf: csrf, nav: 'next', territory, sector: 'C', size: 'small', innovated: ['product'] });
        const before = await answersOf(invitationId);
        const res = await agent.post(`/respond/page/${c.page}`).type('form').send({ _csrf: csrf, nav: 'next', ...c.body });
        expect(res.status).toBe(400);
        expect(res.text).toContain(escapeHtml(translator(lang)(c.key, c.params)));
        expect(res.text).toContain(escapeHtml(translator(lang)('respond:errors.malformed')));
        expect(await answersOf(invitationId)).toEqual(before);
      });
    }
  }
});

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

describe('prefill from the invitation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
  });
  afterAll(async () => t.close());

  it('offers the list\'s territory, sector and size as answers, stores them only when posted, and keeps the respondent\'s correction', async () => {
    const questionnaireId = Number((await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).first()).id);
    const roundId = await createRound(t.ctx, questionnaireId);
    const territory = await t.ctx.db('territories').whereNot({ kind: 'region' }).orderBy('id').first();
    const invitation = await createInvitation(t.ctx, roundId);
    await t.ctx.db('invitations').where({ id: invitation.id }).update({ territory_id: territory.id, sector: 'G', size: 'micro' });
    const agent = request.agent(t.app);
    await agent.get(`/r/${invitation.token}`);
    const start = await agent.get('/respond');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(start.text)![1]!;
    const page = await agent.get('/respond/profile');
    expect(page.text).toContain('id="prefill-note"');
    expect(page.text).toMatch(new RegExp(`<option value="${territory.code}" selected>`));
    expect(page.text).toMatch(/id="profile-sector-G" name="sector" value="G" checked/);
    expect(page.text).toMatch(/id="profile-size-micro" name="size" value="micro" checked/);
    expect(await t.ctx.db('responses').where({ invitation_id: invitation.id }).first()).toBeUndefined();

    // The respondent corrects the size.
    const saved = await agent.post('/respond/profile').type('form').send({ _csrf: csrf, nav: 'next', territory: territory.code, sector: 'G', size: 'small' });
    expect(saved.status).toBe(303);
    const response = await t.ctx.db('responses').where({ invitation_id: invitation.id }).first();
    expect(await storedProfile(t.ctx.db, response.id)).toMatchObject({ territory: territory.code, sector: 'G', size: 'small' });
    const again = await agent.get('/respond/profile');
    expect(again.text).not.toContain('id="prefill-note"');
    expect(again.text).toMatch(/name="size" value="small" checked/);
  });
});
