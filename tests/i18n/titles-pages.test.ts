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
  it('a saved model: titled in three languages when saved, renamed and translated on its page, bad input changes nothing', async () => {
    const repo = new IndicatorsRepository(t.ctx.db);
    const t40 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-territories-2020')!;
    const indicators = await repo.listIndicators(t40.id);
    const territories = await t.ctx.db('territories').whereIn('code', ['abai-district', 'altai-district', 'semey-city']);
    const x1 = indicators.find((i) => i.code === 'X1')!;
    const x3 = indicators.find((i) => i.code === 'X3')!;
    // The save form of a composite index, on a Russian page: the title in Russian, English beside it, Kazakh left blank.
    const form = await admin.agent.get('/indicators/composite').set('cookie', 'kedergi_lang=ru');
    expect(form.text).toContain('name="title_kk"');
    expect(form.text).toContain('name="title_en"');
    expect(form.text).not.toContain('name="title_ru"');
    const saved = await admin.agent
      .post('/indicators/composite')
      .set('cookie', 'kedergi_lang=ru')
      .type('form')
      .send(
        [
          `_csrf=${encodeURIComponent(admin.csrf)}`,
          `title=${encodeURIComponent('Индекс трёх территорий')}`,
          `title_en=${encodeURIComponent('Three territories index')}`,
          'title_kk=',
          ...territories.map((tr: { id: number }) => `territories=${tr.id}`),
          `indicators=${x1.id}`,
          `indicators=${x3.id}`,
          'aggregate=arithmetic',
          'levels=equal-interval',
        ].join('&'),
      );
    expect(saved.status).toBe(303);
    const id = Number(saved.headers.location.split('/').pop());
    expect(await t.ctx.db('indicator_models').where({ id }).first()).toMatchObject({
      title: 'Индекс трёх территорий',
      title_lang: 'ru',
      title_ru: 'Индекс трёх территорий',
      title_en: 'Three territories index',
      title_kk: null,
    });
    expect((await admin.agent.get(`/indicators/models/${id}`).set('cookie', 'kedergi_lang=en')).text).toContain('<h1>Three territories index</h1>');
    const kkPage = await admin.agent.get(`/indicators/models/${id}`).set('cookie', 'kedergi_lang=kk');
    expect(kkPage.text).toContain('<h1>Индекс трёх территорий (ru)</h1>');
    // The rename form on the model page: in Kazakh, the title field is blank (no Kazakh yet) and the others are filled.
    expect(kkPage.text).toMatch(/id="model-title" name="title"[^>]*value=""/);
    expect(kkPage.text).toMatch(/name="title_ru"[^>]*value="Индекс трёх территорий"/);

    // Translated to Kazakh from the Kazakh page: the Kazakh title becomes the one as written; the others stay.
    const renamed = await admin.agent
      .post(`/indicators/models/${id}/title`)
      .set('cookie', 'kedergi_lang=kk')
      .type('form')
      .send({ _csrf: admin.csrf, title: 'Үш аумақ индексі', title_ru: 'Индекс трёх территорий', title_en: 'Three territories index' });
    expect(renamed.status).toBe(303);
    expect(renamed.headers.location).toBe(`/indicators/models/${id}?renamed=1`);
    const row = await t.ctx.db('indicator_models').where({ id }).first();
    expect(row).toMatchObject({ title: 'Үш аумақ индексі', title_lang: 'kk', title_kk: 'Үш аумақ индексі', title_ru: 'Индекс трёх территорий', title_en: 'Three territories index' });
    expect((await admin.agent.get(`/indicators/models/${id}`).set('cookie', 'kedergi_lang=kk')).text).toContain('<h1>Үш аумақ индексі</h1>');

    // A blank title or a translation too long: 400 beside the field, in the reader's language, nothing changed.
    for (const body of [{ title: '  ' }, { title: 'X', title_ru: 'я'.repeat(301) }]) {
      const bad = await admin.agent.post(`/indicators/models/${id}/title`).set('cookie', 'kedergi_lang=en').type('form').send({ _csrf: admin.csrf, ...body });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('field-error');
      expect(bad.text).toContain('aria-invalid="true"');
    }
    expect(await t.ctx.db('indicator_models').where({ id }).first()).toEqual(row);

    // An expert cannot rename a model.
    const expert = await loginAs(t, 'expert');
    expect((await expert.agent.post(`/indicators/models/${id}/title`).type('form').send({ _csrf: expert.csrf, title: 'Hijacked' })).status).toBe(403);
    expect((await t.ctx.db('indicator_models').where({ id }).first()).title).toBe('Үш аумақ индексі');
  });
});
