import { PassThrough } from 'node:stream';
import type { Knex } from 'knex';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readXlsxSheets, writeXlsx } from '../../../src/lib/spreadsheet';
import { diffDefinitions } from '../../../src/modules/questionnaires/questionnaires.diff';
import { readXlsForm } from '../../../src/modules/questionnaires/questionnaires.xlsform';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';


async function workbook(tables: Record<string, string[][]>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeXlsx(out, Object.entries(tables).map(([name, [header, ...rows]]) => ({ name, header: header!, rows })));
  return Buffer.concat(chunks);
}

async function counts(db: Knex) {
  const n = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n);
  return { questionnaires: await n('questionnaires'), categories: await n('questionnaire_categories'), items: await n('questionnaire_items') };
}

const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', '=HYPERLINK("http://evil.example","click")', '{{constructor.constructor}} ${7*7} <%= 7*7 %>'];
const L = ['label::Kazakh (kk)', 'label::Russian (ru)', 'label::English (en)'];
const H = ['hint::Kazakh (kk)', 'hint::Russian (ru)', 'hint::English (en)'];

/** A form with hostile text in every field that an XLSForm can carry into Kedergi. */
function hostileForm(formId: string): Record<string, string[][]> {
  const [a, b, c, d] = HOSTILE as [string, string, string, string];
  return {
    survey: [
      ['type', 'name', ...L, ...H, 'required', 'relevant', 'appearance'],
      ['begin_group', 'g1', a, b, c, '', '', '', '', '', ''],
      ['select_one choice', 'q1', b, c, d, '', '', '', 'yes', '', ''],
      ['select_one scale', 'q2', c, d, a, '', '', '', 'yes', '', 'likert'],
      ['select_multiple many', 'q3', d, a, b, '', '', '', 'no', '', ''],
      ['text', 'q3_oth', a, a, a, '', '', '', 'yes', "selected(${q3}, 'oth')", ''],
      ['decimal', 'q4', a, b, c, d, a, b, 'no', '', ''],
      ['end_group', '', '', '', '', '', '', '', '', '', ''],
      ['begin_group', 'g2', d, c, b, '', '', '', '', "${q1} = 'x'", ''],
      ['text', 'q5', c, b, a, '', '', '', 'no', '', 'multiline'],
      ['end_group', '', '', '', '', '', '', '', '', '', ''],
    ],
    choices: [
      ['list_name', 'name', ...L],
      ['choice', 'x', a, b, c],
      ['choice', 'y', d, a, b],
      ['scale', '1', a, a, a],
      ['scale', '2', b, b, b],
      ['scale', '3', c, c, c],
      ['scale', '-99', d, d, d],
      ['many', 'm1', b, c, d],
      ['many', 'm2', c, d, a],
      ['many', 'oth', d, a, b],
    ],
    settings: [
      ['form_id', 'form_title', 'kedergi_title_kk', 'kedergi_title_ru', 'kedergi_title_en', 'kedergi_source'],
      [formId, a, b, c, d, a],
    ],
  };
}

describe('XLSForm over the API and the admin pages', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let adminToken: string;
  let researcherToken: string;
  let defaultId: number;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    adminToken = await apiTokenFor(t, 'admin');
    researcherToken = await apiTokenFor(t, 'researcher');
    defaultId = Number((await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS', version: 1 }).first()).id);
  });
  afterAll(async () => t.close());

  it('GET answers the workbook; importing it back changes nothing; a changed copy becomes the next version', async () => {
    const res = await request(t.app).get(`/api/v1/questionnaires/${defaultId}/xlsform`).set('authorization', `Bearer ${researcherToken}`).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toContain('SME-BARRIERS-v1.xlsx');
    const file = res.body as Buffer;
    const stored = await t.services.questionnaires.getQuestionnaire(defaultId);
    expect(diffDefinitions(stored.definition, (await readXlsForm(file)).definition).same).toBe(true);

    const before = await counts(t.ctx.db);
    const again = await request(t.app).post('/api/v1/questionnaires/xlsform').set('authorization', `Bearer ${adminToken}`).attach('file', file, 'SME-BARRIERS-v1.xlsx');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: defaultId, version: 1, outcome: 'unchanged', warnings: [] });
    expect(await counts(t.ctx.db)).toEqual(before);

    // Change one Russian label in the workbook: the next version of the known form_id.
    const sheets = await readXlsxSheets(file, 10_000);
    const tables = Object.fromEntries([...sheets].map(([name, rows]) => [name, rows.map((r) => [...r.cells])]));
    const header = tables.survey![0]!;
    const b05 = tables.survey!.find((r) => r[header.indexOf('name')] === 'B05')!;
    b05[header.indexOf('label::Russian (ru)')] = 'Изменённая формулировка';
    const changed = await request(t.app).post('/api/v1/questionnaires/xlsform').set('authorization', `Bearer ${adminToken}`).attach('file', await workbook(tables), 'changed.xlsx');
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ code: 'SME-BARRIERS', version: 2, outcome: 'created' });
    const { diff } = await t.services.questionnaires.compare({ id: defaultId }, { id: changed.body.id });
    expect(diff.counts).toMatchObject({ changed: 1, added: 0, removed: 0 });
  });

  it('a form that cannot be represented: 400 listing every cell, nothing stored (API and page)', async () => {
    const bad = await workbook({
      survey: [
        ['type', 'name', 'label', 'hint'],
        ['geopoint', 'where', 'Where?', ''],
        ['text', 'name', 'Name?', 'Look on the signboard'],
        ['text', '<b>x</b>', 'Bad name', ''],
      ],
      settings: [['form_id'], ['KOBO-BAD']],
    });
    const before = await counts(t.ctx.db);
    const res = await request(t.app).post('/api/v1/questionnaires/xlsform').set('authorization', `Bearer ${adminToken}`).set('accept-language', 'en').attach('file', bad, 'bad.xlsx');
    expect(res.status).toBe(400);
    const fields = res.body.error.fields as Array<{ path: string; message: string }>;
    expect(fields.map((f) => f.path)).toEqual(['survey!A2', 'survey!D3', 'survey!B4']);
    expect(fields[0]!.message).toContain('geopoint');
    expect(await counts(t.ctx.db)).toEqual(before);

    const page = await admin.agent.post(`/admin/questionnaires/import-xlsform?_csrf=${admin.csrf}`).set('cookie', 'kedergi_lang=ru').attach('file', bad, 'bad.xlsx');
    expect(page.status).toBe(400);
    expect(page.text).toContain('Ничего не импортировано');
    expect(page.text).toContain('survey!D3');
    expect(page.text).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(page.text).not.toContain('<b>x</b>');
    expect(await counts(t.ctx.db)).toEqual(before);

    const empty = await admin.agent.post(`/admin/questionnaires/import-xlsform?_csrf=${admin.csrf}`).set('cookie', 'kedergi_lang=en').field('x', '1');
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Choose an XLSForm file (.xlsx).');
    const notXlsx = await request(t.app).post('/api/v1/questionnaires/xlsform').set('authorization', `Bearer ${adminToken}`).attach('file', Buffer.from('{"code":"X"}'), 'q.json');
    expect(notXlsx.status).toBe(400);
    expect(await counts(t.ctx.db)).toEqual(before);
  });

  it('hostile text in every imported field stays inert on the pages and in the next export', async () => {
    const staged = await admin.agent.post(`/admin/questionnaires/import-xlsform?_csrf=${admin.csrf}`).set('cookie', 'kedergi_lang=en').attach('file', await workbook(hostileForm('HOSTILE')), 'hostile.xlsx');
    expect(staged.status).toBe(303);
    expect(staged.headers.location).toMatch(/^\/admin\/questionnaires\/import-xlsform\/\d+$/);
    // The confirmation page shows the hostile title and file name as text, in every language.
    for (const lang of ['kk', 'ru', 'en']) {
      const page = await admin.agent.get(staged.headers.location).set('cookie', `kedergi_lang=${lang}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<img src=x');
      expect(page.text).not.toContain('<script>alert(1)');
      expect(page.text).not.toMatch(/⟦/);
    }
    const res = await admin.agent.post(`${staged.headers.location}/confirm`).type('form').send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/questionnaires\/\d+\?saved=created$/);
    const id = Number(/questionnaires\/(\d+)/.exec(res.headers.location)![1]);
    const q = await t.services.questionnaires.getQuestionnaire(id);
    expect(q.definition.title).toEqual({ kk: HOSTILE[1], ru: HOSTILE[2], en: HOSTILE[3] });
    expect(q.definition.source).toBe(HOSTILE[0]);

    // A second version with every text changed, so the comparison page shows them all.
    const swapped = hostileForm('HOSTILE');
    swapped.survey = swapped.survey!.map((r, i) => (i === 0 ? r : r.map((c) => (HOSTILE.includes(c) ? HOSTILE[(HOSTILE.indexOf(c) + 1) % HOSTILE.length]! : c))));
    swapped.choices = swapped.choices!.map((r, i) => (i === 0 ? r : r.map((c) => (HOSTILE.includes(c) ? HOSTILE[(HOSTILE.indexOf(c) + 1) % HOSTILE.length]! : c))));
    // Uploaded on the page, the changed form shows its changes (hostile text inert) and, cancelled, imports nothing.
    const before = await counts(t.ctx.db);
    const second = await admin.agent.post(`/admin/questionnaires/import-xlsform?_csrf=${admin.csrf}`).attach('file', await workbook(swapped), 'hostile2.xlsx');
    const preview = await admin.agent.get(second.headers.location).set('cookie', 'kedergi_lang=en');
    expect(preview.text).toContain('Creates version 2; version 1 and the rounds using it stay as they are.');
    expect(preview.text).toContain('What changes from version 1');
    expect(preview.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(preview.text).not.toContain('<script>alert(1)');
    const cancelled = await admin.agent.post(`${second.headers.location}/cancel`).type('form').send({ _csrf: admin.csrf });
    expect(cancelled.headers.location).toBe('/admin/questionnaires?import=cancelled#xlsform-heading');
    expect(await counts(t.ctx.db)).toEqual(before);
    expect((await admin.agent.get(second.headers.location)).status).toBe(404);

    const v2 = await request(t.app).post('/api/v1/questionnaires/xlsform').set('authorization', `Bearer ${adminToken}`).attach('file', await workbook(swapped), 'hostile2.xlsx');
    expect(v2.status).toBe(201);

    for (const lang of ['kk', 'ru', 'en']) {
      for (const url of ['/admin/questionnaires', `/admin/questionnaires/${id}`, `/admin/questionnaires/${v2.body.id}`, `/admin/questionnaires/compare?from=${id}&to=${v2.body.id}`]) {
        const page = await admin.agent.get(url).set('cookie', `kedergi_lang=${lang}`);
        expect(page.status, url).toBe(200);
        expect(page.text, url).not.toContain('<script>alert(1)');
        expect(page.text, url).not.toContain('<img src=x');
        expect(page.text, url).not.toMatch(/⟦/);
      }
    }
    const compare = await admin.agent.get(`/admin/questionnaires/compare?from=${id}&to=${v2.body.id}`).set('cookie', 'kedergi_lang=en');
    expect(compare.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(compare.text).toContain('{{constructor.constructor}} ${7*7} &lt;%= 7*7 %&gt;');

    // Exported again: the formula-like text is neutralised in the cells, and reads back as written.
    const file = (await request(t.app).get(`/api/v1/questionnaires/${id}/xlsform`).set('authorization', `Bearer ${adminToken}`).buffer(true).parse(binaryParser)).body as Buffer;
    const cells = [...(await readXlsxSheets(file, 10_000)).values()].flatMap((rows) => rows.flatMap((r) => r.cells));
    expect(cells).toContain(`'${HOSTILE[2]}`);
    expect(cells).not.toContain(HOSTILE[2]);
    const back = await readXlsForm(file);
    expect(back.definition.title.ru).toBe(HOSTILE[2]);
  });

  it('the admin pages link the XLSForm download and the detail page says how many notes an import left', async () => {
    const list = await admin.agent.get('/admin/questionnaires').set('cookie', 'kedergi_lang=en');
    expect(list.text).toContain(`/admin/questionnaires/${defaultId}/export.xlsx`);
    expect(list.text).toContain('Import an XLSForm');
    const download = await admin.agent.get(`/admin/questionnaires/${defaultId}/export.xlsx`).buffer(true).parse(binaryParser);
    expect(download.status).toBe(200);
    expect((await readXlsForm(download.body as Buffer)).definition.code).toBe('SME-BARRIERS');

    const oneLanguage = await workbook({
      survey: [
        ['type', 'name', 'label'],
        ['start', 'start', ''],
        ['integer', 'age', 'How old are you?'],
      ],
      settings: [['form_id', 'form_title'], ['ONE-LANGUAGE', 'One language']],
    });
    const before = await counts(t.ctx.db);
    const staged = await admin.agent.post(`/admin/questionnaires/import-xlsform?_csrf=${admin.csrf}`).attach('file', oneLanguage, 'one.xlsx');
    expect(staged.status).toBe(303);
    // Read and shown, not imported yet: the notes by cell, what the import will do.
    const page = await admin.agent.get(staged.headers.location).set('cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('3 notes: what the import completed or left out'); // the label and the title copied, the start row skipped
    expect(page.text).toContain('<span class="error-location">survey!A2</span> The metadata row');
    expect(page.text).toContain('<span class="error-location">survey!3:3</span>');
    expect(page.text).toContain('was copied from another language');
    expect(page.text).toContain('Creates a new questionnaire, version 1.');
    expect(page.text).toMatch(/Sections: \d+, questions: 1/);
    const ru = await admin.agent.get(staged.headers.location).set('cookie', 'kedergi_lang=ru');
    expect(ru.text).toContain('3 замечания');
    expect(await counts(t.ctx.db)).toEqual(before);
    // Administrators only.
    const researcher = await loginAs(t, 'researcher');
    expect((await researcher.agent.get(staged.headers.location)).status).toBe(403);

    const res = await admin.agent.post(`${staged.headers.location}/confirm`).type('form').send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/saved=created&notes=3$/);
    // A second click finds it gone and imports nothing more.
    const after = await counts(t.ctx.db);
    const again = await admin.agent.post(`${staged.headers.location}/confirm`).type('form').send({ _csrf: admin.csrf });
    expect(again.headers.location).toBe('/admin/questionnaires?import=gone#xlsform-heading');
    expect((await admin.agent.get(again.headers.location).set('cookie', 'kedergi_lang=en')).text).toContain('That import is no longer waiting');
    expect(await counts(t.ctx.db)).toEqual(after);

    // An expired one is neither shown nor imported.
    const late = await admin.agent.post(`/admin/questionnaires/import-xlsform?_csrf=${admin.csrf}`).attach('file', await workbook({ survey: [['type', 'name', ...L], ['integer', 'n', 'Саны', 'Число', 'Number']], settings: [['form_id'], ['LATE-FORM']] }), 'late.xlsx');
    await t.ctx.db('questionnaire_imports').update({ expires_at: '2000-01-01T00:00:00.000Z' });
    expect((await admin.agent.get(late.headers.location)).status).toBe(404);
    expect((await admin.agent.post(`${late.headers.location}/confirm`).type('form').send({ _csrf: admin.csrf })).headers.location).toBe('/admin/questionnaires?import=gone#xlsform-heading');
    expect(await t.ctx.db('questionnaires').where({ code: 'LATE-FORM' }).first()).toBeUndefined();
    const detail = await admin.agent.get(res.headers.location).set('cookie', 'kedergi_lang=en');
    expect(detail.text).toContain('3 notes from the XLSForm import');
  });
});
