import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndicatorsRepository } from '../../src/modules/indicators/indicators.repository';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../helpers/app';

/** Expert panels, indicator datasets and saved models: a name in three languages, shown in the reader's or marked. */
describe('titles in three languages beyond rounds', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => t.close());

  it('an expert panel: written in Kazakh, translated to English, shown marked in Russian', async () => {
    const res = await admin.agent
      .post('/admin/panels')
      .set('cookie', 'kedergi_lang=kk')
      .type('form')
      .send({ _csrf: admin.csrf, name: 'ШҚО сарапшылары', name_en: 'East Kazakhstan experts', name_ru: '', surveyRoundId: '' });
    expect(res.status).toBe(303);
    const row = await t.ctx.db('panels').where({ name: 'ШҚО сарапшылары' }).first();
    expect(row).toMatchObject({ name_kk: 'ШҚО сарапшылары', name_en: 'East Kazakhstan experts', name_ru: null, name_lang: 'kk' });
    expect((await admin.agent.get('/admin/panels').set('cookie', 'kedergi_lang=en')).text).toContain('>East Kazakhstan experts</a>');
    expect((await admin.agent.get('/admin/panels').set('cookie', 'kedergi_lang=ru')).text).toContain('>ШҚО сарапшылары (kk)</a>');
    const edit = await admin.agent.get(`/admin/panels/${row.id}`).set('cookie', 'kedergi_lang=ru');
    expect(edit.text).toContain('name="name_kk"');
    expect(edit.text).toContain('value="ШҚО сарапшылары"');
  });

  it('an indicator dataset: the form takes translations; the name as written stays for the code', async () => {
    const res = await admin.agent
      .post('/indicators/datasets')
      .set('cookie', 'kedergi_lang=en')
      .type('form')
      .send({ _csrf: admin.csrf, name: 'Regional innovation 2024', name_ru: 'Региональные инновации 2024', name_kk: '', description: '', source: '' });
    expect(res.status).toBe(303);
    const row = await t.ctx.db('indicator_datasets').where({ name: 'Regional innovation 2024' }).first();
    expect(row).toMatchObject({ code: 'regional-innovation-2024', name_en: 'Regional innovation 2024', name_ru: 'Региональные инновации 2024', name_kk: null, name_lang: 'en' });
    expect((await admin.agent.get(`/indicators/datasets/${row.id}`).set('cookie', 'kedergi_lang=ru')).text).toContain('<h1>Региональные инновации 2024</h1>');
    expect((await admin.agent.get(`/indicators/datasets/${row.id}`).set('cookie', 'kedergi_lang=kk')).text).toContain('<h1>Regional innovation 2024 (en)</h1>');
    const tooLong = await admin.agent.post(`/indicators/datasets/${row.id}`).set('cookie', 'kedergi_lang=en').type('form').send({ _csrf: admin.csrf, name: 'X', name_ru: 'я'.repeat(301) });
    expect(tooLong.status).toBe(400);
    expect((await t.ctx.db('indicator_datasets').where({ id: row.id }).first()).name).toBe('Regional innovation 2024');
  });

  it('a saved model keeps the language its title is written in and is marked elsewhere', async () => {
    const repo = new IndicatorsRepository(t.ctx.db);
    const datasetId = await repo.createDataset({ code: 'models-titles', name: 'Models', description: null, source: null });
    const id = await repo.createModel({ datasetId, kind: 'fit', title: 'Интегральный индекс 2026', spec: {}, origin: null, result: {}, createdBy: null });
    expect(await t.ctx.db('indicator_models').where({ id }).first()).toMatchObject({ title_ru: 'Интегральный индекс 2026', title_kk: null, title_lang: 'ru' });
    expect(await repo.findModel(id)).toMatchObject({ title_ru: 'Интегральный индекс 2026', title_lang: 'ru' });
    const page = await admin.agent.get(`/indicators/datasets/${datasetId}/models`).set('cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Интегральный индекс 2026 (ru)</a>');
  });
});
