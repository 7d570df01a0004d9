import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import table40 from '../../../seeds/domain/reference-data/east-kz-territories-2020.json';
import { IndicatorsRepository } from '../../../src/modules/indicators/indicators.repository';
import { runComposite, runFit } from '../../../src/modules/indicators/models.spec';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

const rowsOf = (html: string, tableClass: string) => {
  const table = new RegExp(`<table class="${tableClass}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '';
  return (/<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '').split('<tr>').length - 1;
};

describe('indicator pages', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  let repo: IndicatorsRepository;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    researcher = await loginAs(t, 'researcher');
    repo = new IndicatorsRepository(t.ctx.db);
  });
  afterAll(async () => t.close());

  it('a researcher on a fresh start sees the ranking of the 19 territories and the table 17 model with its chart', async () => {
    const res = await researcher.agent.get('/indicators').set('cookie', 'kedergi_lang=en');
    expect(res.status).toBe(200);
    expect(rowsOf(res.text, 'ranking')).toBe(19);
    for (const row of table40.rows.filter((r) => r.kind !== 'region')) expect(res.text).toContain(row.en.replace('(', '').split(' ')[0]);
    expect(res.text).not.toContain('East Kazakhstan region (total)');
    // The table 17 equation with its published exponents, and two SVG charts (ranking, observed vs fitted).
    expect(res.text).toMatch(/dZin<sup>0\.355<\/sup>/);
    expect(res.text).toMatch(/Nsb<sup>1\.931<\/sup>/);
    expect(res.text).toMatch(/t<sup>0\.265<\/sup>/);
    expect(res.text).toContain('ln A = -6.915');
    expect((res.text.match(/<svg[^>]*role="img"/g) ?? []).length).toBe(2);
  });

  it('renders in Kazakh by default and in Russian on request', async () => {
    const kk = await researcher.agent.get('/indicators');
    expect(kk.text).toContain('Көрсеткіштер мен модельдер');
    const ru = await researcher.agent.get('/indicators').set('cookie', 'kedergi_lang=ru');
    expect(ru.text).toContain('Показатели и модели');
    expect(ru.text).not.toContain('⟦');
  });

  it('experts are refused and anonymous visitors are sent to the login page', async () => {
    const expert = await loginAs(t, 'expert');
    expect((await expert.agent.get('/indicators')).status).toBe(403);
    expect((await expert.agent.get('/indicators/composite')).status).toBe(403);
    const anonymous = await request(t.app).get('/indicators/calculators');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login/);
    const admin = await loginAs(t, 'admin');
    expect((await admin.agent.get('/indicators')).status).toBe(200);
  });

  it('every saved model reruns from its downloadable spec to the same result', async () => {
    for (const model of await repo.listModels()) {
      const spec = await researcher.agent.get(`/indicators/models/${model.id}/spec.json`);
      expect(spec.status).toBe(200);
      const rerun = model.kind === 'fit' ? runFit(JSON.parse(spec.text)) : runComposite(JSON.parse(spec.text));
      expect(JSON.parse(JSON.stringify(rerun))).toEqual(model.result);
      const page = await researcher.agent.get(`/indicators/models/${model.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<svg');
    }
  });

  it('builds a composite index from the form, and re-renders the form naming missing choices', async () => {
    const bad = await researcher.agent.post('/indicators/composite').type('form').send({ _csrf: researcher.csrf, aggregate: 'geometric', levels: 'kmeans' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('field-error');
    const t40 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-territories-2020')!;
    const indicators = await repo.listIndicators(t40.id);
    const territories = await t.ctx.db('territories').whereIn('code', ['abai-district', 'altai-district', 'ayagoz-district', 'semey-city', 'ridder-city']);
    const x1 = indicators.find((i) => i.code === 'X1')!;
    const x3 = indicators.find((i) => i.code === 'X3')!;
    const res = await researcher.agent
      .post('/indicators/composite')
      .type('form')
      .send(
        [
          `_csrf=${researcher.csrf}`,
          'title=Five+territories',
          ...territories.map((tr: { id: number }) => `territories=${tr.id}`),
          `indicators=${x1.id}`,
          `indicators=${x3.id}`,
          `direction[i${x1.id}]=destimulant`,
          `direction[i${x3.id}]=stimulant`,
          `weight[i${x1.id}]=2`,
          `weight[i${x3.id}]=1`,
          'aggregate=geometric',
          'levels=kmeans',
          'seed=7',
        ].join('&'),
      );
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    const model = (await repo.findModel(id))!;
    const spec = model.spec as { rows: unknown[]; indicators: Array<{ name: string; weight: number }>; seed: number };
    expect(spec.rows).toHaveLength(5);
    expect(spec.indicators).toEqual([
      { name: 'X1', direction: 'destimulant', weight: 2 },
      { name: 'X3', direction: 'stimulant', weight: 1 },
    ]);
    expect(spec.seed).toBe(7);
    // Semey's unemployment (5.0) is the highest of the five: partial 0, geometric index 0, shown as such.
    const page = await researcher.agent.get(`/indicators/models/${id}`).set('cookie', 'kedergi_lang=en');
    expect(page.text).toContain('zero: X1');
  });

  it('fits a model from the dataset page and saves a forecast typed on the model page', async () => {
    const t18 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-socioeconomic-2010-2020')!;
    const [vrp, sdd] = ['VRP', 'SDD'].map((code) => ({ code, id: 0 }));
    const inds = await repo.listIndicators(t18.id);
    vrp!.id = inds.find((i) => i.code === 'VRP')!.id;
    sdd!.id = inds.find((i) => i.code === 'SDD')!.id;
    const region = await t.ctx.db('territories').where({ code: 'east-kazakhstan-region' }).first();
    const page = await researcher.agent.get(`/indicators/datasets/${t18.id}/models`);
    expect(page.status).toBe(200);
    const res = await researcher.agent
      .post(`/indicators/datasets/${t18.id}/models`)
      .type('form')
      .send({ _csrf: researcher.csrf, form: 'power', rowsBy: 'period', territoryId: String(region.id), y: String(sdd!.id), x: String(vrp!.id), trend: 'on' });
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    const model = (await repo.findModel(id))!;
    expect((model.spec as { x: string[] }).x).toEqual(['VRP', 't']);
    expect((model.result as { n: number }).n).toBe(11);

    const forecast = await researcher.agent
      .post(`/indicators/models/${id}/forecast`)
      .type('form')
      .send(`_csrf=${researcher.csrf}&rows[0][year]=2021&rows[0][VRP]=5200&rows[1][year]=&rows[1][VRP]=`);
    expect(forecast.status).toBe(303);
    const saved = (await repo.findModel(id))!.result as { forecast: Array<{ year: number; t: number; y: number }> };
    expect(saved.forecast).toHaveLength(1);
    expect(saved.forecast[0]!.t).toBe(12);

    const bad = await researcher.agent.post(`/indicators/models/${id}/forecast`).type('form').send(`_csrf=${researcher.csrf}&rows[0][year]=2022&rows[0][VRP]=-5`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('field-error');
  });

  it('imports a CSV only after confirmation, reporting every bad line with its reason', async () => {
    const create = await researcher.agent.post('/indicators/datasets').type('form').send({ _csrf: researcher.csrf, name: 'Test statistics', description: '', source: 'hand-made' });
    expect(create.status).toBe(303);
    const datasetId = Number(create.headers.location.split('/').pop());
    const csv = ['territory;year;GRP;EMP', 'Semey;2021;10,5;3', 'Nowhere;2021;1;2', 'Ridder city;2021;abc;4', 'Oskemen;2021;12;', 'Semey;2021;11;3'].join('\n');
    const upload = await researcher.agent
      .post(`/indicators/datasets/${datasetId}/import?_csrf=${researcher.csrf}`)
      .attach('file', Buffer.from(csv, 'utf8'), 'stats.csv');
    expect(upload.status).toBe(303);
    const preview = await researcher.agent.get(upload.headers.location).set('cookie', 'kedergi_lang=en');
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('Unknown territory: Nowhere');
    expect(preview.text).toMatch(/GRP: abc is not a number/);
    expect(preview.text).toMatch(/already given on line 2/);
    expect(await repo.countValues(datasetId)).toBe(0);

    const importId = upload.headers.location.split('/').pop();
    const confirm = await researcher.agent.post(`/indicators/imports/${importId}/confirm`).type('form').send({ _csrf: researcher.csrf });
    expect(confirm.status).toBe(303);
    // Semey line 2 (two values) and Oskemen (one value, EMP empty).
    expect(await repo.countValues(datasetId)).toBe(3);
    const values = await repo.values({ indicatorIds: (await repo.listIndicators(datasetId)).map((i) => i.id) });
    expect(values.map((v) => v.value).sort((a, b) => a - b)).toEqual([3, 10.5, 12]);
    const again = await researcher.agent.post(`/indicators/imports/${importId}/confirm`).type('form').send({ _csrf: researcher.csrf });
    expect(again.status).toBe(409);
    expect(await repo.countValues(datasetId)).toBe(3);
  });

  it('refuses an unreadable upload with a message on the dataset page', async () => {
    const datasetId = (await repo.listDatasets())[0]!.id;
    const res = await researcher.agent
      .post(`/indicators/datasets/${datasetId}/import?_csrf=${researcher.csrf}`)
      .attach('file', Buffer.from('value;period\n1;2020\n'), 'bad.csv');
    expect(res.status).toBe(400);
    expect(res.text).toContain('field-error');
  });

  it('edits an indicator: names in three languages, unit, direction, source; a bad direction changes nothing', async () => {
    const ind = (await repo.listIndicators())[0]!;
    const form = await researcher.agent.get(`/indicators/indicators/${ind.id}/edit`);
    expect(form.status).toBe(200);
    const bad = await researcher.agent
      .post(`/indicators/indicators/${ind.id}`)
      .type('form')
      .send({ _csrf: researcher.csrf, name_kk: 'А', name_ru: 'Б', name_en: 'C', unit: '%', direction: 'sideways', source: '' });
    expect(bad.status).toBe(400);
    expect((await repo.findIndicator(ind.id))!.name_en).toBe(ind.name_en);
    const ok = await researcher.agent
      .post(`/indicators/indicators/${ind.id}`)
      .type('form')
      .send({ _csrf: researcher.csrf, name_kk: 'Жаңа', name_ru: 'Новое', name_en: 'New', unit: 'pp', direction: 'destimulant', source: 'Stat agency' });
    expect(ok.status).toBe(303);
    const after = (await repo.findIndicator(ind.id))!;
    expect([after.name_kk, after.name_ru, after.name_en, after.unit, after.direction, after.source]).toEqual(['Жаңа', 'Новое', 'New', 'pp', 'destimulant', 'Stat agency']);
  });

  it('a territory page lists its values and its place in each saved index', async () => {
    const semey = await t.ctx.db('territories').where({ code: 'semey-city' }).first();
    const res = await researcher.agent.get(`/indicators/territories/${semey.id}`).set('cookie', 'kedergi_lang=en');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/of 19/);
    expect(res.text).toContain('5,316,940');
  });

  it('calculators reproduce Balassa\'s published example and classify Ka', async () => {
    const rca = await researcher.agent.get('/indicators/calculators?calc=rca&rca_x=0,00146&rca_X=0.00296&rca_wx=13.92&rca_W=17.59').set('cookie', 'kedergi_lang=en');
    expect(rca.text).toMatch(/RCA = <strong>0\.623<\/strong>/);
    const ka = await researcher.agent.get('/indicators/calculators?calc=ka&ka1=0.3&ka2=0.9&ka3=0.25&ka4=0.45').set('cookie', 'kedergi_lang=en');
    expect(ka.text).toMatch(/Ka = <strong>0\.475<\/strong> · stable/);
    const bad = await researcher.agent.get('/indicators/calculators?calc=ka&ka1=35').set('cookie', 'kedergi_lang=en');
    expect(bad.text).toContain('not per cent');
    // The published It/Io pairs give I and the complex coefficient 0.5107 (hand-computed 0.51065).
    expect(rca.text).toMatch(/0\.51(06|07)/);
  });
});
