import ExcelJS from 'exceljs';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReturningId, nowIso } from '../../../src/db/dialect';
import { almatyToday, measureDueDate, measureStatus } from '../../../src/modules/programmes/programmes.rules';
import { CONCEPT_CODE, readConcept } from '../../../src/modules/programmes/programmes.seed';
import { runSeeds } from '../../../seeds';
import { binaryParser, createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';

type Agent = { agent: TestAgent; csrf: string; user: { id: number } };

/** Cells of the table rows marked data-code / data-number, by data-field. */
function cells(html: string, rowAttr: 'data-code' | 'data-number', field: string): Map<string, string> {
  const out = new Map<string, string>();
  const rowRe = new RegExp(`<tr[^>]*${rowAttr}="([^"]+)"[^>]*>([\\s\\S]*?)</tr>`, 'g');
  for (const m of html.matchAll(rowRe)) {
    const cell = new RegExp(`data-field="${field}"[^>]*>([\\s\\S]*?)</td>`).exec(m[2]!);
    if (cell) out.set(m[1]!, cell[1]!.replace(/<[^>]+>/g, '').trim());
  }
  return out;
}

/** "97,9 %", "2,35", "1 100" -> number (kk/ru formats), "—" -> null. */
const numberOf = (text: string | undefined) => {
  if (text === undefined || text.trim() === '—') return null;
  return Number(text.replace(/[\s\u00a0\u202f%]/g, '').replace(',', '.'));
};

async function readWorkbook(buffer: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  return wb;
}


describe(`programmes: the 2026-2035 concept on ${testDbEngine}`, () => {
  let t: TestApp;
  let analyst: Agent;
  let admin: Agent;
  let executor: Agent;
  let pid: number;
  const ref = readConcept();
  const indicatorId = async (code: string) => (await t.ctx.db('programme_indicators').where({ programme_id: pid, code }).first()).id as number;
  const measureId = async (n: number) => (await t.ctx.db('programme_measures').where({ programme_id: pid, number: n }).first()).id as number;
  const bodyId = async (code: string) => (await t.ctx.db('programme_bodies').where({ programme_id: pid, code }).first()).id as number;
  const count = async (table: string) => Number((await t.ctx.db(table).count({ n: '*' }).first())!.n);

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    analyst = await loginAs(t, 'researcher');
    admin = await loginAs(t, 'admin');
    executor = await loginAs(t, 'executor');
    pid = (await t.ctx.db('programmes').where({ code: CONCEPT_CODE }).first()).id;
    // The administrator links the executor to the Atomic Energy Agency (АЭА).
    const res = await admin.agent.post(`/programmes/${pid}/executors`).type('form').send({ _csrf: admin.csrf, userId: executor.user.id, bodyIds: String(await bodyId('АЭА')) });
    expect(res.status).toBe(303);
  });
  afterAll(async () => t?.close());

  it('seeds the programme as the reference file gives it: six indicators with every yearly target, 25 measures with deadlines and bodies', async () => {
    const api = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body;
    expect(api.name.kk).toBe(ref.passport.name.kk);
    expect(api.indicators).toHaveLength(6);
    for (const row of ref.targetIndicators.rows) {
      const ind = api.indicators.find((i: { code: string }) => i.code === row.code);
      expect(ind.name).toEqual({ kk: row.kk, ru: row.ru, en: row.en });
      expect(ind.unit.kk).toBe(row.unit.kk);
      expect(ind.unit.en).toBe(row.unit.en);
      expect(ind.unit.ru).toMatch(/[а-я]/);
      expect(ind.direction).toBe(row.direction.startsWith('lower') ? 'lower' : 'higher');
      expect(ind.baseline).toEqual(row.baseline);
      expect(ind.targets).toEqual(row.targets);
      expect(Object.keys(ind.targets)).toHaveLength(10);
    }
    expect(api.measures).toHaveLength(25);
    for (const row of ref.actionPlan.rows) {
      const m = api.measures.find((x: { number: number }) => x.number === row.number);
      expect(m.name).toEqual({ kk: row.kk, ru: row.ru, en: row.en });
      expect(m.direction.number).toBe(row.direction);
      expect(m.completionForm).toEqual({ kk: row.completionForm.kk, ru: row.completionForm.ru, en: row.completionForm.en });
      expect(m.deadline.text.kk).toBe(row.deadline.kk);
      expect(m.deadline.text.en).toBe(row.deadline.en);
      expect(m.deadline.text.ru).toMatch(/[а-я]/);
      expect([m.deadline.from, m.deadline.to]).toEqual([row.deadline.years[0], row.deadline.years.at(-1)]);
      expect(m.deadline.kind).toBe(row.deadline.kind === 'annual' ? 'annual' : 'once');
      expect(m.deadline.dueMonth).toBe(row.deadline.dueMonth ?? 3); // "I тоқсан": the quarter ends in March
      expect(m.bodies.map((b: { code: string; byAgreement: boolean }) => [b.code, b.byAgreement])).toEqual(row.executors.map((e) => [e.body, e.byAgreement]));
      expect(Object.keys(m.status).map(Number)).toEqual(row.deadline.years);
    }
    // The reporting duties of the resolution (1 April, 1 May) and the 3 % science-city threshold are data.
    const duties = await t.ctx.db('programme_duties').where({ programme_id: pid }).orderBy('code');
    expect(duties.map((d) => [d.code, d.reporter, Number(d.due_day), Number(d.due_month), Number(d.year_offset)])).toEqual([
      ['R1', 'executors', 1, 4, 1],
      ['R2', 'lead', 1, 5, 1],
    ]);
    expect(Number((await t.ctx.db('programme_criteria').where({ programme_id: pid, code: 'TH1' }).first()).threshold_value)).toBe(3);
    expect(await t.ctx.db('programme_directions').where({ programme_id: pid }).orderBy('number').pluck('name_kk')).toEqual(ref.actionPlan.directions.map((d) => d.kk));
    // The glossary of bodies on the overview page, with the measures each executes.
    const overview = await analyst.agent.get(`/programmes/${pid}`);
    expect(overview.text).toMatch(/<th scope="row">ҚР ҰҒА<\/th><td>[^<]*<\/td><td>1<\/td>/);
    // Seeding again adds nothing.
    const before = await count('programme_measures');
    await runSeeds(t.ctx, false, t.services);
    expect(await count('programme_measures')).toBe(before);
    expect(await count('programmes')).toBe(1);
  });

  it('an analyst enters 2026 actuals from the form; attainment and status follow the rule stated on the page', async () => {
    const enter = (code: string, value: string, source = 'Бюро национальной статистики') =>
      indicatorId(code).then((id) => analyst.agent.post(`/programmes/${pid}/indicators/${id}/actuals`).type('form').send({ _csrf: analyst.csrf, year: '2026', value, source }));
    for (const [code, value] of [['T1', '2,3'], ['T2', '31'], ['T3', '900'], ['T4', '0.5'], ['T5', '4'], ['T6', '10']] as const) {
      expect((await enter(code, value)).status, code).toBe(303);
    }
    const api = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body;
    const by = (code: string) => api.indicators.find((i: { code: string }) => i.code === code);
    // Hand-computed: T1 2.3/2.35, T2 (lower is better) 30/31, T3 900/900, T4 0.5/0.65, T5 4/4, T6 10/10.
    expect(by('T1').attainment['2026']).toBeCloseTo(2.3 / 2.35, 12);
    expect(by('T1').status['2026']).toBe('at_risk');
    expect(by('T2').attainment['2026']).toBeCloseTo(30 / 31, 12);
    expect(by('T2').status['2026']).toBe('at_risk');
    expect(by('T3').status['2026']).toBe('on_track');
    expect(by('T4').attainment['2026']).toBeCloseTo(0.5 / 0.65, 12);
    expect(by('T4').status['2026']).toBe('off_track');
    expect(by('T5').status['2026']).toBe('on_track');
    expect(by('T6').status['2026']).toBe('on_track');
    // Against the 2035 target: 2.3 / 8.
    expect(by('T1').latest.attainmentFinal).toBeCloseTo(2.3 / 8, 12);
    // Two values (baseline and 2026): a trend line but no interval yet.
    expect(by('T1').projection.interval95).toBeNull();

    const page = await analyst.agent.get(`/programmes/${pid}?year=2026`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('100 %'); // the rule's thresholds are printed on the page
    // The page is in Kazakh (the default language).
    expect(cells(page.text, 'data-code', 'status').get('T4')).toBe('жоспардан артта');
    expect(cells(page.text, 'data-code', 'status').get('T3')).toBe('жоспар бойынша');
    expect(numberOf(cells(page.text, 'data-code', 'attainment').get('T1'))).toBe(97.9);

    // Bad input: not a number, a year outside the period; nothing written.
    const before = await count('programme_actuals');
    const bad = await enter('T1', 'екі', 'x');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/class="field-error"/);
    const outside = await indicatorId('T1').then((id) => analyst.agent.post(`/programmes/${pid}/indicators/${id}/actuals`).type('form').send({ _csrf: analyst.csrf, year: '2036', value: '3' }));
    expect(outside.status).toBe(400);
    expect(await count('programme_actuals')).toBe(before);
  });

  it('a third value gives the projection its 95 % prediction interval and an outlook', async () => {
    const id = await indicatorId('T6');
    expect((await analyst.agent.post(`/programmes/${pid}/indicators/${id}/actuals`).type('form').send({ _csrf: analyst.csrf, year: '2027', value: '12' })).status).toBe(303);
    const t6 = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body.indicators.find((i: { code: string }) => i.code === 'T6');
    // Points (2025, 9), (2026, 10), (2027, 12): slope 1.5, ŷ(2035) = 10.3333 + 9·1.5 = 23.8333.
    expect(t6.projection.value).toBeCloseTo(23.8333333, 5);
    expect(t6.projection.interval95.lower).toBeLessThan(t6.projection.value);
    expect(t6.projection.interval95.upper).toBeGreaterThan(t6.projection.value);
    expect(['likely', 'uncertain', 'unlikely']).toContain(t6.projection.outlook);
    const page = await analyst.agent.get(`/programmes/${pid}/indicators/${id}`);
    expect(page.text).toContain('<svg');
    expect(page.text).toMatch(/role="img"/);
  });

  it('reports every bad row of an import (unknown indicator, year outside 2025-2035, non-number) and writes nothing', async () => {
    const before = await count('programme_actuals');
    const historyBefore = await count('programme_history');
    const csv = ['indicator,year,value,source', 'T9,2026,1,x', 'T1,2040,3,x', 'T2,2026,abc,x', 'T3,2027,930,good row', 'T3,2027,931,twice', 'T4,,1,x'].join('\n');
    const res = await analyst.agent.post(`/programmes/${pid}/actuals/import?_csrf=${analyst.csrf}`).attach('file', Buffer.from(csv), 'actuals.csv');
    expect(res.status).toBe(400);
    const lines = [...res.text.matchAll(/<tr data-line="(\d+)"><td>\d+<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td>/g)].map((m) => [Number(m[1]), m[2], m[3]]);
    expect(lines.map((l) => l[0])).toEqual([2, 3, 4, 6, 7]);
    expect(String(lines[0]![2])).toContain('T9');
    expect(String(lines[1]![2])).toContain('2040');
    expect(String(lines[2]![2])).toContain('abc');
    expect(await count('programme_actuals')).toBe(before);
    expect(await count('programme_history')).toBe(historyBefore);
    expect(await t.ctx.db('programme_actuals').where({ indicator_id: await indicatorId('T3'), year: 2027 }).first()).toBeUndefined();

    // The same kinds of errors in an XLSX file, with Kazakh headers.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('actuals');
    ws.addRows([['көрсеткіш', 'жыл', 'мән'], ['T1', 2024, 2], ['T2', 2026, 'отыз']]);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const res2 = await analyst.agent.post(`/programmes/${pid}/actuals/import?_csrf=${analyst.csrf}`).attach('file', xlsx, 'actuals.xlsx');
    expect(res2.status).toBe(400);
    expect([...res2.text.matchAll(/<tr data-line="(\d+)">/g)].map((m) => Number(m[1]))).toEqual([2, 3]);
    expect(await count('programme_actuals')).toBe(before);

    // A good file is written in full, with its source.
    const good = ['indicator;year;value;source', 'T3;2027;930;НАН РК', 'T4;2027;0,72;Минфин'].join('\r\n');
    const ok = await analyst.agent.post(`/programmes/${pid}/actuals/import?_csrf=${analyst.csrf}`).attach('file', Buffer.from(good), 'good.csv');
    expect(ok.status).toBe(303);
    expect(await count('programme_actuals')).toBe(before + 2);
    const t4 = await t.ctx.db('programme_actuals').where({ indicator_id: await indicatorId('T4'), year: 2027 }).first();
    expect(Number(t4.value)).toBe(0.72);
    expect(t4.source).toBe('Минфин');
  });

  it('re-importing a file that would overwrite stored values shows old -> new first and writes nothing until confirmed', async () => {
    // A researcher of their own, reading English (the catalogue's plural forms are checked in ru below).
    const me = await loginAs(t, 'researcher');
    expect((await me.agent.post('/account/language').type('form').send({ _csrf: me.csrf, language: 'en' })).status).toBe(303);
    const t3 = await indicatorId('T3');
    const t4 = await indicatorId('T4');
    const upload = (who: Agent, csv: string, name = 'again.csv') => who.agent.post(`/programmes/${pid}/actuals/import?_csrf=${who.csrf}`).attach('file', Buffer.from(csv), name);
    const stored = async () => (await t.ctx.db('programme_actuals').whereIn('indicator_id', [t3, t4]).orderBy(['indicator_id', 'year'])).map((r) => [r.indicator_id, r.year, Number(r.value), r.source]);
    // Only new values: written at once, no question.
    const fresh = await upload(me, 'indicator;year;value;source\nT3;2028;940;НАН РК\n');
    expect(fresh.status).toBe(303);
    expect(fresh.headers.location).toBe(`/programmes/${pid}?imported=1`);
    const before = await stored();
    const historyBefore = await count('programme_history');

    // One replaced value (T3 2027: 930 -> 955), one identical (T4 2027), one new (T3 2029).
    const res = await upload(me, 'indicator;year;value;source\nT3;2027;955;НАН РК\nT4;2027;0,72;Минфин\nT3;2029;960;НАН РК\n');
    expect(res.status).toBe(303);
    const page = res.headers.location as string;
    expect(page).toMatch(new RegExp(`^/programmes/${pid}/actuals/imports/\\d+$`));
    expect(await stored()).toEqual(before);
    expect(await count('programme_history')).toBe(historyBefore);

    const confirm = await me.agent.get(page);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Replace 1 stored value with the file again.csv?');
    expect(confirm.text).toContain('2027: 930 → 955');
    expect(confirm.text).not.toMatch(/T4[^<]*→/);
    expect(confirm.text).toContain('1 new value is added.');
    expect(confirm.text).toContain('1 row repeats the stored value');
    expect(confirm.text).toContain(`action="${page}/confirm"`);
    // Reloading the page, someone else, or a POST without the button: still nothing written.
    expect((await me.agent.post('/account/language').type('form').send({ _csrf: me.csrf, language: 'ru' })).status).toBe(303);
    const ru = await me.agent.get(page);
    expect(ru.status).toBe(200);
    expect(ru.text).toContain('Заменить 1 сохранённое значение данными файла again.csv?');
    expect(ru.text).toContain('Добавляется 1 новое значение.');
    expect((await analyst.agent.get(page)).status).toBe(404);
    expect((await admin.agent.get(page)).status).toBe(404);
    expect((await admin.agent.post(`${page}/confirm`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' })).status).toBe(404);
    const noButton = await me.agent.post(`${page}/confirm`).type('form').send({ _csrf: me.csrf });
    expect(noButton.status).toBe(303);
    expect(noButton.headers.location).toBe(page);
    expect(await stored()).toEqual(before);
    expect(await count('programme_history')).toBe(historyBefore);

    // Confirmed: the whole file is written, once.
    const done = await me.agent.post(`${page}/confirm`).type('form').send({ _csrf: me.csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/programmes/${pid}?imported=3`);
    expect(Number((await t.ctx.db('programme_actuals').where({ indicator_id: t3, year: 2027 }).first()).value)).toBe(955);
    expect(Number((await t.ctx.db('programme_actuals').where({ indicator_id: t3, year: 2029 }).first()).value)).toBe(960);
    const changed = await t.ctx.db('programme_history').where({ indicator_id: t3, year: 2027, action: 'actual.changed' }).orderBy('id', 'desc').first();
    expect(JSON.parse(changed.detail)).toMatchObject({ value: 955, previous: 930, via: 'import', file: 'again.csv' });
    const again = await me.agent.post(`${page}/confirm`).type('form').send({ _csrf: me.csrf, confirm: 'yes' });
    expect(again.status).toBe(404);
    expect(await count('programme_actual_imports')).toBe(0);
  });

  it('an executor records its own measure with evidence but cannot touch another body\'s measure or an indicator not assigned to it', async () => {
    const m1 = await measureId(1); // ҚР ҰҒА only
    const m2 = await measureId(2); // ҒЖБМ, АЭА (by agreement)
    const post = (url: string, body: Record<string, unknown>) => executor.agent.post(url).type('form').send({ _csrf: executor.csrf, ...body });
    const reportsBefore = await count('programme_measure_reports');
    expect((await post(`/programmes/${pid}/measures/${m1}/report`, { year: 2026, status: 'done', summary: 'x' })).status).toBe(403);
    expect((await post(`/programmes/${pid}/measures/${m1}/evidence`, { kind: 'text', text: 'x' })).status).toBe(403);
    expect((await post(`/programmes/${pid}/indicators/${await indicatorId('T2')}/actuals`, { year: 2026, value: '29' })).status).toBe(403);
    expect(await count('programme_measure_reports')).toBe(reportsBefore);
    // An import by the executor names the rows it may not write.
    const imp = await executor.agent.post(`/programmes/${pid}/actuals/import?_csrf=${executor.csrf}`).attach('file', Buffer.from('indicator,year,value\nT2,2026,29\n'), 'a.csv');
    expect(imp.status).toBe(400);
    expect(imp.text).toContain('T2');

    // Its own measure: report done, a text, a link and a file as evidence.
    const page = await executor.agent.get(`/programmes/${pid}/measures/${m1}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(`/measures/${m1}/report"`);
    expect((await post(`/programmes/${pid}/measures/${m2}/report`, { year: 2026, status: 'done', summary: 'Жоба Үкіметке жіберілді', completedOn: '2026-06-20' })).status).toBe(303);
    expect((await post(`/programmes/${pid}/measures/${m2}/evidence`, { kind: 'link', year: 2026, url: 'https://legalacts.egov.kz/npa/view?id=1', text: 'Жоба' })).status).toBe(303);
    expect((await post(`/programmes/${pid}/measures/${m2}/evidence`, { kind: 'link', url: 'javascript:alert(1)' })).status).toBe(400);
    const file = await executor.agent
      .post(`/programmes/${pid}/measures/${m2}/evidence?_csrf=${executor.csrf}`)
      .field('kind', 'file')
      .field('year', '2026')
      .field('text', 'Хат')
      .attach('file', Buffer.from('%PDF-1.4 letter'), 'хат.pdf');
    expect(file.status).toBe(303);
    const evidence = await t.ctx.db('programme_evidence').where({ measure_id: m2, kind: 'file' }).first();
    const download = await analyst.agent.get(`/programmes/${pid}/evidence/${evidence.id}`).buffer(true).parse(binaryParser);
    expect(download.status).toBe(200);
    expect(String(download.headers['content-disposition'])).toMatch(/^attachment/);
    expect(Buffer.from(download.body).toString()).toBe('%PDF-1.4 letter');
    const detail = await analyst.agent.get(`/programmes/${pid}/measures/${m2}`);
    expect(detail.text).toContain('Жоба Үкіметке жіберілді');
    expect(detail.text).toContain('хат.pdf');
    expect((await t.ctx.db('programme_history').where({ measure_id: m2 })).map((h) => h.action).sort()).toEqual(['evidence.file', 'evidence.link', 'measure.done']);
  });

  it('the tracker filters by direction, body and year and marks overdue measures by the deadline rule', async () => {
    const today = almatyToday(new Date());
    const numbers = (html: string) => [...html.matchAll(/<tr class="[^"]*" data-number="(\d+)"/g)].map((m) => Number(m[1]));
    const all2026 = await analyst.agent.get(`/programmes/${pid}/measures?year=2026`);
    const due2026 = ref.actionPlan.rows.filter((r) => r.deadline.years.includes(2026)).map((r) => r.number);
    expect(numbers(all2026.text)).toEqual(due2026);
    expect(numbers((await analyst.agent.get(`/programmes/${pid}/measures?year=2026&direction=3`)).text)).toEqual(due2026.filter((n) => n >= 12 && n <= 20));
    expect(numbers((await analyst.agent.get(`/programmes/${pid}/measures?year=2026&body=${await bodyId('ҚР ҰҒА')}`)).text)).toEqual([1]);
    // Measure 1 (March 2026, no report) against today's date in Almaty, by the same rule the page states.
    const expected = measureStatus(undefined, measureDueDate({ dueMonth: 3 }, 2026), today);
    expect(all2026.text).toMatch(new RegExp(`<tr class="${expected === 'overdue' ? 'overdue' : ''}" data-number="1"`));
    const overdue = numbers((await analyst.agent.get(`/programmes/${pid}/measures?year=2026&status=overdue`)).text);
    expect(overdue).not.toContain(2); // reported done
    if (expected === 'overdue') expect(overdue).toContain(1);
  });

  it('the reporting calendar lists what is due from whom and what is missing; an executor submits only for its body', async () => {
    const page = await executor.agent.get(`/programmes/${pid}/calendar?year=2026`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('2027-04-01');
    expect(page.text).toContain('2027-05-01');
    const duty = await t.ctx.db('programme_duties').where({ programme_id: pid, code: 'R1' }).first();
    const other = await executor.agent.post(`/programmes/${pid}/calendar/submissions`).type('form').send({ _csrf: executor.csrf, dutyId: duty.id, year: 2026, bodyId: await bodyId('ҰЭМ'), submittedOn: '2027-03-30' });
    expect(other.status).toBe(403);
    const own = await executor.agent.post(`/programmes/${pid}/calendar/submissions`).type('form').send({ _csrf: executor.csrf, dutyId: duty.id, year: 2026, bodyId: await bodyId('АЭА'), submittedOn: '2027-03-30' });
    expect(own.status).toBe(303);
    const rows = await t.services.programmes.calendar({ id: analyst.user.id, role: 'researcher' }, pid, 2026);
    const aea = rows.find((r) => r.kind === 'duty' && r.duty!.code === 'R1' && r.body?.code === 'АЭА')!;
    expect(aea.done).toBe(true);
    const nas = rows.find((r) => r.kind === 'duty' && r.duty!.code === 'R1' && r.body?.code === 'ҚР ҰҒА')!;
    expect(nas.done).toBe(false);
    expect(nas.missingMeasures).toEqual([1]);
    const ministry = rows.find((r) => r.kind === 'duty' && r.duty!.code === 'R2')!;
    expect(ministry.missingBodies.map((b) => b.code)).toContain('ҚР ҰҒА');
    expect(ministry.missingBodies.map((b) => b.code)).not.toContain('АЭА');
    expect(rows.filter((r) => r.kind === 'measure').map((r) => r.measure!.number).sort((a, b) => a - b)).toEqual(ref.actionPlan.rows.filter((r) => r.deadline.years.includes(2026)).map((r) => r.number));
  });

  it("the annual report's figures equal the pages', on the printable page and in the XLSX, in Kazakh", async () => {
    const overview = await analyst.agent.get(`/programmes/${pid}?year=2026`);
    const report = await analyst.agent.get(`/programmes/${pid}/report?year=2026&lang=kk`);
    expect(report.status).toBe(200);
    expect(report.text).toContain('<html lang="kk">');
    expect(report.text).toContain('Нысаналы индикаторлар');
    const xlsx = await analyst.agent.get(`/programmes/${pid}/report.xlsx?year=2026&lang=kk`).buffer(true).parse(binaryParser);
    expect(xlsx.status).toBe(200);
    const wb = await readWorkbook(xlsx.body as Buffer);
    const sheet = wb.worksheets[0]!;
    expect(String(sheet.getRow(1).getCell(7).value)).toContain('Нақты мән');
    const api = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body;
    const pageActual = cells(overview.text, 'data-code', 'actual');
    const pageAttainment = cells(overview.text, 'data-code', 'attainment');
    const reportActual = cells(report.text, 'data-code', 'actual');
    const reportAttainment = cells(report.text, 'data-code', 'attainment');
    for (let r = 2; r <= 7; r++) {
      const row = sheet.getRow(r);
      const code = String(row.getCell(1).value);
      const actual = row.getCell(7).value as number;
      const attainment = row.getCell(8).value as number;
      expect(numberOf(pageActual.get(code)), code).toBe(actual);
      expect(numberOf(reportActual.get(code)), code).toBe(actual);
      expect(numberOf(pageAttainment.get(code)), code).toBe(attainment);
      expect(numberOf(reportAttainment.get(code)), code).toBe(attainment);
      const ind = api.indicators.find((i: { code: string }) => i.code === code);
      expect(actual).toBe(ind.actuals['2026']);
      expect(attainment).toBe(Math.round(ind.attainment['2026'] * 1000) / 10);
      expect(String(row.getCell(6).value)).toBe(String(ind.targets['2026']));
    }
    // Measures: the status on the report equals the tracker's, with the evidence listed.
    const measures = wb.worksheets[1]!;
    const tracker = await analyst.agent.get(`/programmes/${pid}/measures?year=2026`);
    const byNumber = new Map<number, ExcelJS.Row>();
    measures.eachRow((row, i) => i > 1 && byNumber.set(Number(row.getCell(1).value), row));
    expect([...byNumber.keys()]).toEqual(ref.actionPlan.rows.filter((r) => r.deadline.years.includes(2026)).map((r) => r.number));
    expect(String(byNumber.get(2)!.getCell(8).value)).toBe('орындалды');
    expect(String(byNumber.get(2)!.getCell(11).value)).toContain('хат.pdf');
    expect(report.text).toMatch(/data-number="2"[^>]*>[\s\S]*?орындалды/);
    const trackerKk = await analyst.agent.get(`/programmes/${pid}/measures?year=2026`).set('Cookie', 'kedergi_lang=kk');
    expect(tracker.status).toBe(200);
    expect(trackerKk.text).toMatch(/data-number="2"[\s\S]*?measure-done">орындалды/);
  });

  it('analyses the regions: the regional table as an indicators dataset, the integral index, the 3 % criterion per settlement', async () => {
    const load = await analyst.agent.post(`/programmes/${pid}/regions/load`).type('form').send({ _csrf: analyst.csrf });
    expect(load.status).toBe(303);
    const programme = await t.ctx.db('programmes').where({ id: pid }).first();
    const datasetId = Number(programme.regional_dataset_id);
    const indicators = await t.ctx.db('indicators').where({ dataset_id: datasetId });
    expect(indicators.map((i) => i.code).sort()).toEqual(['GRP', 'RDexp', 'RDexpPerStaff', 'RDstaff', 'researchersPerMillion']);
    expect(indicators.find((i) => i.code === 'RDexp').name_kk).toContain('ҒЗТКЖ');
    const values = await t.ctx.db('indicator_values').whereIn('indicator_id', indicators.map((i) => i.id));
    expect(values).toHaveLength(21 * 5);
    const almaty = await t.ctx.db('territories').where({ code: 'almaty-city' }).first();
    const rdexp = indicators.find((i) => i.code === 'RDexp');
    expect(Number(values.find((v) => v.indicator_id === rdexp.id && v.territory_id === almaty.id).value)).toBe(94.5);
    const model = await t.ctx.db('indicator_models').where({ dataset_id: datasetId, kind: 'composite' }).first();
    const index = JSON.parse(model.result);
    expect(index.territories).toHaveLength(20); // 17 regions and 3 cities; the country row is not a unit
    expect(index.territories.every((r: { rankInterval?: number[] }) => Array.isArray(r.rankInterval))).toBe(true); // with its robustness analysis
    // Loading again reuses the dataset.
    const datasets = await count('indicator_datasets');
    await analyst.agent.post(`/programmes/${pid}/regions/load`).type('form').send({ _csrf: analyst.csrf });
    expect(await count('indicator_datasets')).toBe(datasets);
    expect(Number((await t.ctx.db('programmes').where({ id: pid }).first()).regional_dataset_id)).toBe(datasetId);

    const kurchatov = await t.ctx.db('territories').where({ code: 'kurchatov-city' }).first();
    const settle = (body: Record<string, unknown>) => analyst.agent.post(`/programmes/${pid}/regions/settlements`).type('form').send({ _csrf: analyst.csrf, ...body });
    expect((await settle({ territoryId: kurchatov.id, year: '2026', scienceWorkers: '1 600', employed: '12000', source: 'test' })).status).toBe(303);
    expect((await settle({ territoryId: almaty.id, year: '2026', scienceWorkers: '9290', employed: '1 050 000' })).status).toBe(303);
    const bad = await settle({ territoryId: almaty.id, year: '2026', scienceWorkers: '20', employed: '10' });
    expect(bad.status).toBe(400);
    const page = await analyst.agent.get(`/programmes/${pid}/regions`);
    const share = [...page.text.matchAll(/<tr data-territory="(\d+)">[\s\S]*?data-field="share">([^<]*)<\/td>\s*<td data-field="meets">([^<]*)<\/td>/g)].map((m) => [Number(m[1]), numberOf(m[2]), m[3]]);
    expect(share).toEqual([
      [kurchatov.id, 13.33, 'иә'],
      [almaty.id, 0.88, 'жоқ'],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)));
    expect(page.text).toContain('class="ranking"');
    expect(page.text).toContain('Басқа әдістердегі орын'); // the rank interval column of the robustness analysis
  });

  it('attaches a survey round or an expert panel as evidence to a measure or a territory', async () => {
    const q = await t.ctx.db('questionnaires').first();
    const now = nowIso();
    const roundId = await insertReturningId(t.ctx.db, 'rounds', { title: 'Kurchatov enterprises 2026', questionnaire_id: q.id, status: 'closed', audience: 'invitation', created_at: now, updated_at: now });
    const panelId = await insertReturningId(t.ctx.db, 'panels', { name: 'Kurchatov Delphi panel', created_at: now, updated_at: now });
    const m1 = await measureId(1);
    const kurchatov = await t.ctx.db('territories').where({ code: 'kurchatov-city' }).first();
    const ok = await analyst.agent.post(`/programmes/${pid}/measures/${m1}/evidence`).type('form').send({ _csrf: analyst.csrf, kind: 'round', roundId, text: 'Barriers reported by enterprises' });
    expect(ok.status).toBe(303);
    const bad = await analyst.agent.post(`/programmes/${pid}/measures/${m1}/evidence`).type('form').send({ _csrf: analyst.csrf, kind: 'round', roundId: 999999 });
    expect(bad.status).toBe(400);
    const territory = await analyst.agent.post(`/programmes/${pid}/regions/evidence`).type('form').send({ _csrf: analyst.csrf, territoryId: kurchatov.id, kind: 'panel', panelId });
    expect(territory.status).toBe(303);
    const refused = await executor.agent.post(`/programmes/${pid}/regions/evidence`).type('form').send({ _csrf: executor.csrf, territoryId: kurchatov.id, kind: 'panel', panelId });
    expect(refused.status).toBe(403);
    const detail = await analyst.agent.get(`/programmes/${pid}/measures/${m1}`);
    expect(detail.text).toContain('Kurchatov enterprises 2026');
    expect(detail.text).toContain(`/analysis/rounds/${roundId}`);
    const regions = await analyst.agent.get(`/programmes/${pid}/regions`);
    expect(regions.text).toContain('Kurchatov Delphi panel');
  });

  it('lists programmes on the API, and another programme can be exported and imported the same way', async () => {
    const list = await analyst.agent.get('/api/v1/programmes');
    expect(list.body.programmes.map((p: { code: string }) => p.code)).toEqual([CONCEPT_CODE]);
    const exported = await admin.agent.get(`/programmes/${pid}/export.json`);
    const spec = JSON.parse(exported.text);
    expect(spec.indicators).toHaveLength(6);
    spec.code = 'regional-science-2027';
    spec.name = { kk: 'Өңірлік бағдарлама', ru: 'Региональная программа', en: 'Regional programme' };
    const up = (body: unknown) => admin.agent.post(`/programmes/import?_csrf=${admin.csrf}`).attach('file', Buffer.from(JSON.stringify(body)), 'p.json');
    const res = await up(spec);
    expect(res.status).toBe(303);
    const copy = await t.ctx.db('programmes').where({ code: 'regional-science-2027' }).first();
    expect(await t.ctx.db('programme_measures').where({ programme_id: copy.id }).count({ n: '*' }).first()).toEqual({ n: testDbEngine === 'postgres' ? '25' : 25 });
    const again = await up(spec);
    expect(again.status).toBe(409);
    const before = await count('programmes');
    const broken = await up({ ...spec, code: 'broken', measures: [{ ...spec.measures[0], executors: [{ body: 'NOPE', byAgreement: false }] }] });
    expect(broken.status).toBe(400);
    expect(broken.text).toContain('measures[0].executors[0]');
    expect(await count('programmes')).toBe(before);
    expect((await executor.agent.get('/programmes/import')).status).toBe(403);
  });

  it('unticking an executor\'s body asks first, naming the bodies that go; adding one does not', async () => {
    const other = await loginAs(t, 'executor');
    const [aea, nan] = [await bodyId('АЭА'), await bodyId('ҚР ҰҒА')];
    const links = async () => (await t.ctx.db('programme_executors').where({ user_id: other.user.id }).orderBy('body_id')).map((r) => r.body_id);
    const save = (body: Record<string, unknown>) => admin.agent.post(`/programmes/${pid}/executors`).type('form').send({ _csrf: admin.csrf, userId: String(other.user.id), ...body });
    expect((await save({ bodyIds: [String(aea), String(nan)] })).status).toBe(303);
    expect(await links()).toEqual([aea, nan].sort((a, b) => a - b));
    const asked = await save({ bodyIds: String(aea) });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('ҚР ҰҒА —');
    expect(asked.text).not.toContain('АЭА —');
    expect(asked.text).toContain(`name="bodyIds" value="${aea}"`);
    expect(await links()).toEqual([aea, nan].sort((a, b) => a - b));
    expect((await save({ bodyIds: String(aea), confirm: 'yes' })).status).toBe(303);
    expect(await links()).toEqual([aea]);
    // Removing every body: asked too, then none left.
    expect((await save({})).status).toBe(200);
    expect(await links()).toEqual([aea]);
    expect((await save({ confirm: 'yes' })).status).toBe(303);
    expect(await links()).toEqual([]);
  });

  it("assigning bodies to an indicator asks before taking a body off it, naming what goes and what comes; adding only does not ask", async () => {
    const t5 = await indicatorId('T5');
    const [aea, nan] = [await bodyId('АЭА'), await bodyId('ҚР ҰҒА')];
    const assigned = async () => (await t.ctx.db('programme_indicator_bodies').where({ indicator_id: t5 }).orderBy('body_id')).map((r) => r.body_id);
    const save = (body: Record<string, unknown>) => admin.agent.post(`/programmes/${pid}/indicators/${t5}/bodies`).type('form').send({ _csrf: admin.csrf, ...body });
    const history = async () => count('programme_history');
    expect((await save({ confirm: 'yes' })).status).toBe(303);
    expect(await assigned()).toEqual([]);
    // Adding to none: nothing is taken off, saved at once.
    expect((await save({ bodyIds: String(aea) })).status).toBe(303);
    expect(await assigned()).toEqual([aea]);
    // Replacing АЭА by ҚР ҰҒА: a page that names both, changes nothing, and a reload (the same POST again) changes nothing either.
    const before = await history();
    for (let i = 0; i < 2; i++) {
      const asked = await save({ bodyIds: String(nan) });
      expect(asked.status).toBe(200);
      expect(asked.text).toContain('name="confirm" value="yes"');
      expect(asked.text).toContain(`name="bodyIds" value="${nan}"`);
      expect(asked.text).toMatch(/АЭА —[\s\S]*ҚР ҰҒА —/);
      expect(await assigned()).toEqual([aea]);
      expect(await history()).toBe(before);
    }
    // In Russian the counts agree: "снимается 1 орган", "Закрепляется 1 новый орган".
    const ru = await loginAs(t, 'admin');
    expect((await ru.agent.post('/account/language').type('form').send({ _csrf: ru.csrf, language: 'ru' })).status).toBe(303);
    const asked = await ru.agent.post(`/programmes/${pid}/indicators/${t5}/bodies`).type('form').send({ _csrf: ru.csrf, bodyIds: String(nan) });
    expect(asked.text).toContain('С индикатора снимается 1 орган;');
    expect(asked.text).toContain('Закрепляется 1 новый орган:');
    // Confirmed: replaced once; the confirmation's button sent again finds nothing left to ask and nothing to change.
    expect((await save({ bodyIds: String(nan), confirm: 'yes' })).status).toBe(303);
    expect(await assigned()).toEqual([nan]);
    expect(await history()).toBe(before + 1);
    // Unticking every body asks too.
    expect((await save({})).status).toBe(200);
    expect(await assigned()).toEqual([nan]);
    expect((await save({ confirm: 'yes' })).status).toBe(303);
    expect(await assigned()).toEqual([]);
  });

  it('a waiting actuals file can be discarded: asked first, then gone, and nothing from it is written', async () => {
    const me = await loginAs(t, 'researcher');
    const t3 = await indicatorId('T3');
    const stored = async () => (await t.ctx.db('programme_actuals').where({ indicator_id: t3 }).orderBy('year')).map((r) => [r.year, Number(r.value)]);
    const before = await stored();
    const existing = before.find(([year]) => year === 2027)!;
    const res = await me.agent.post(`/programmes/${pid}/actuals/import?_csrf=${me.csrf}`).attach('file', Buffer.from(`indicator;year;value\nT3;2027;${existing[1]! + 1}\nT3;2031;999\n`), 'waiting.csv');
    expect(res.status).toBe(303);
    const page = res.headers.location as string;
    expect(page).toMatch(/\/actuals\/imports\/\d+$/);
    const confirmPage = await me.agent.get(page);
    expect(confirmPage.text).toContain(`action="${page}/discard"`);
    // The discard button asks first (reloading the question changes nothing); someone else's discard finds nothing.
    for (let i = 0; i < 2; i++) {
      const asked = await me.agent.post(`${page}/discard`).type('form').send({ _csrf: me.csrf });
      expect(asked.status).toBe(200);
      expect(asked.text).toContain('waiting.csv');
      expect(asked.text).toContain('name="confirm" value="yes"');
      expect(await count('programme_actual_imports')).toBe(1);
    }
    expect((await analyst.agent.post(`${page}/discard`).type('form').send({ _csrf: analyst.csrf, confirm: 'yes' })).status).toBe(404);
    expect(await count('programme_actual_imports')).toBe(1);
    const gone = await me.agent.post(`${page}/discard`).type('form').send({ _csrf: me.csrf, confirm: 'yes' });
    expect(gone.status).toBe(303);
    expect(gone.headers.location).toBe(`/programmes/${pid}/actuals/import?discarded=1`);
    expect((await me.agent.get(gone.headers.location as string)).text).toMatch(/class="alert success" role="status"><p>[^<]+</);
    expect(await count('programme_actual_imports')).toBe(0);
    expect(await stored()).toEqual(before);
    // Afterwards the page, the discard and the confirmation all find nothing: nothing is written by a reload.
    expect((await me.agent.get(page)).status).toBe(404);
    expect((await me.agent.post(`${page}/discard`).type('form').send({ _csrf: me.csrf, confirm: 'yes' })).status).toBe(404);
    expect((await me.agent.post(`${page}/confirm`).type('form').send({ _csrf: me.csrf, confirm: 'yes' })).status).toBe(404);
    expect(await stored()).toEqual(before);
  });

  it('administrators correct targets and the status thresholds from the pages; the status follows, the history keeps the change', async () => {
    const t1 = await indicatorId('T1');
    const before = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body.indicators.find((i: { code: string }) => i.code === 'T1');
    expect(before.status['2026']).toBe('at_risk');
    const targets = Object.fromEntries(Object.entries(before.targets as Record<string, number>).map(([y, v]) => [`targets[y${y}]`, String(v)]));
    const bad = await admin.agent.post(`/programmes/${pid}/indicators/${t1}/targets`).type('form').send({ _csrf: admin.csrf, baselineValue: '2,3', direction: 'higher', ...targets, 'targets[y2026]': 'екі' });
    expect(bad.status).toBe(400);
    const refused = await analyst.agent.post(`/programmes/${pid}/indicators/${t1}/targets`).type('form').send({ _csrf: analyst.csrf, baselineValue: '2,3', direction: 'higher', ...targets });
    expect(refused.status).toBe(403);
    // Replacing a stored target (and removing another) asks first, listing each, and changes nothing until confirmed.
    const storedTargets = async () => (await t.ctx.db('programme_targets').where({ indicator_id: t1 }).orderBy('year')).map((r) => [r.year, Number(r.value)]);
    const targetsBefore = await storedTargets();
    const { 'targets[y2030]': _dropped, ...withoutOne } = { ...targets, 'targets[y2026]': '2,3' };
    const asked = await admin.agent.post(`/programmes/${pid}/indicators/${t1}/targets`).type('form').send({ _csrf: admin.csrf, baselineValue: String(before.baseline.value).replace('.', ','), direction: 'higher', ...withoutOne, 'targets[y2030]': '' });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('name="confirm" value="yes"');
    expect(asked.text).toMatch(new RegExp(`2026: [^<]*${String(before.targets['2026']).replace('.', '[.,]')}[^<]*→ 2,3`));
    expect(asked.text).toMatch(new RegExp(`2030: [^<]*${String(before.targets['2030']).replace('.', '[.,]')}`));
    expect(asked.text).toContain('name="targets[y2035]" value="8"');
    expect(await storedTargets()).toEqual(targetsBefore);
    // Nothing stored changes (same values): saved without a question.
    const same = await admin.agent.post(`/programmes/${pid}/indicators/${t1}/targets`).type('form').send({ _csrf: admin.csrf, baselineValue: String(before.baseline.value).replace('.', ','), direction: before.direction, ...targets });
    expect(same.status).toBe(303);
    const ok = await admin.agent.post(`/programmes/${pid}/indicators/${t1}/targets`).type('form').send({ _csrf: admin.csrf, baselineValue: '2,3', direction: 'higher', ...targets, 'targets[y2026]': '2,3', confirm: 'yes' });
    expect(ok.status).toBe(303);
    let after = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body;
    let ind = after.indicators.find((i: { code: string }) => i.code === 'T1');
    expect(ind.targets['2026']).toBe(2.3);
    expect(ind.targets['2035']).toBe(8);
    expect(ind.status['2026']).toBe('on_track');
    // Thresholds typed as percentages: with 95 % for "on track", T2's 96.8 % is on track.
    expect((await admin.agent.post(`/programmes/${pid}/rule`).type('form').send({ _csrf: admin.csrf, onTrackMin: '95', atRiskMin: '99' })).status).toBe(400);
    expect((await admin.agent.post(`/programmes/${pid}/rule`).type('form').send({ _csrf: admin.csrf, onTrackMin: '95', atRiskMin: '80' })).status).toBe(303);
    after = (await analyst.agent.get(`/api/v1/programmes/${pid}`)).body;
    expect(after.statusRule).toEqual({ onTrackMin: 0.95, atRiskMin: 0.8 });
    expect(after.indicators.find((i: { code: string }) => i.code === 'T2').status['2026']).toBe('on_track');
    expect((await analyst.agent.get(`/programmes/${pid}`)).text).toContain('95 %');
    expect((await t.ctx.db('programme_history').where({ programme_id: pid }).whereIn('action', ['indicator.targets', 'programme.rule'])).length).toBe(3);
    ind = after.indicators.find((i: { code: string }) => i.code === 'T4');
    expect(ind.status['2026']).toBe('off_track'); // 76.9 % stays below 80 %
  });
});
