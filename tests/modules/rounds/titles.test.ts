import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

/** A round's title in three languages: written in the page's language, translated beside it, shown with a visible fallback. */
describe('round titles in kk, ru and en', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let questionnaireId: number;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    questionnaireId = Number((await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).first()).id);
  });
  afterAll(async () => t.close());

  it('the form asks for the title in the page’s language and its translations; each page shows its own or marks another', async () => {
    const form = await admin.agent.get('/admin/rounds/new').set('cookie', 'kedergi_lang=ru');
    expect(form.text).toContain('name="title_kk"');
    expect(form.text).toContain('name="title_en"');
    expect(form.text).not.toContain('name="title_ru"'); // the main field is the Russian one
    const res = await admin.agent
      .post('/admin/rounds')
      .set('cookie', 'kedergi_lang=ru')
      .type('form')
      .send({ _csrf: admin.csrf, title: 'Весна 2030', title_kk: 'Көктем 2030', title_en: '', questionnaireId: String(questionnaireId), audience: 'invitation', opensAt: '', closesAt: '', targetTotal: '' });
    expect(res.status).toBe(303);
    const id = Number(/\/admin\/rounds\/(\d+)/.exec(res.headers.location)![1]);
    expect(await t.ctx.db('rounds').where({ id }).first()).toMatchObject({ title: 'Весна 2030', title_ru: 'Весна 2030', title_kk: 'Көктем 2030', title_en: null, title_lang: 'ru' });

    const page = (lang: string) => admin.agent.get('/admin/rounds').set('cookie', `kedergi_lang=${lang}`);
    expect((await page('kk')).text).toContain('>Көктем 2030</a>');
    expect((await page('ru')).text).toContain('>Весна 2030</a>');
    expect((await page('en')).text).toContain('>Весна 2030 (ru)</a>');
    const detail = await admin.agent.get(`/admin/rounds/${id}`).set('cookie', 'kedergi_lang=en');
    expect(detail.text).toContain('Весна 2030 (ru)');

    // Editing in English: the English title becomes the main one, the others are kept.
    const edit = await admin.agent.get(`/admin/rounds/${id}/edit`).set('cookie', 'kedergi_lang=en');
    expect(edit.text).toContain('value="Көктем 2030"');
    expect(edit.text).toContain('value="Весна 2030"');
    const saved = await admin.agent
      .post(`/admin/rounds/${id}`)
      .set('cookie', 'kedergi_lang=en')
      .type('form')
      .send({ _csrf: admin.csrf, title: 'Spring 2030', title_kk: 'Көктем 2030', title_ru: 'Весна 2030', questionnaireId: String(questionnaireId), audience: 'invitation', opensAt: '', closesAt: '', targetTotal: '' });
    expect(saved.status).toBe(303);
    expect(await t.ctx.db('rounds').where({ id }).first()).toMatchObject({ title: 'Spring 2030', title_en: 'Spring 2030', title_kk: 'Көктем 2030', title_ru: 'Весна 2030', title_lang: 'en' });
  });

  it('the API takes and gives the translations; without them the language of the title is guessed', async () => {
    const token = await apiTokenFor(t, 'admin');
    const created = await request(t.app)
      .post('/api/v1/rounds')
      .set('authorization', `Bearer ${token}`)
      .send({ title: 'Күз 2030', titles: { ru: 'Осень 2030' }, questionnaireId, audience: 'invitation' });
    expect(created.status).toBe(201);
    expect(created.body.titles).toEqual({ kk: 'Күз 2030', ru: 'Осень 2030', en: null });
    const bad = await request(t.app).post('/api/v1/rounds').set('authorization', `Bearer ${token}`).send({ title: 'X', titles: { de: 'Herbst' }, questionnaireId, audience: 'invitation' });
    expect(bad.status).toBe(400);
  });
});
