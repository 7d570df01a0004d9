import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndicatorsRepository } from '../../../src/modules/indicators/indicators.repository';
import type { ScenarioResult } from '../../../src/modules/indicators/models.spec';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

/** The issue 17 pages on the seeded data: polynomial fits, scenarios, composite options and robustness (both engines). */
describe('indicator method pages', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  let repo: IndicatorsRepository;
  let t17: number;
  let region: number;
  const id = async (code: string) => (await repo.listIndicators(t17)).find((i) => i.code === code)!.id;
  const en = { cookie: 'kedergi_lang=en' };

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    researcher = await loginAs(t, 'researcher');
    repo = new IndicatorsRepository(t.ctx.db);
    t17 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-innovation-activity-2010-2020')!.id;
    region = (await repo.values({ indicatorIds: [await id('INact')] }))[0]!.territoryId;
  });
  afterAll(async () => t.close());

  const fit = async (fields: Record<string, unknown>) =>
    researcher.agent
      .post(`/indicators/datasets/${t17}/models`)
      .type('form')
      .set(en)
      .send({ _csrf: researcher.csrf, rowsBy: 'period', territoryId: String(region), trend: 'on', ...fields });

  it('a cubic trend from the fit form shows its equation, R, R² and forecasts with the 95% interval', async () => {
    const res = await fit({ form: 'polynomial', degree: '3', y: String(await id('INact')), title: 'INact cubic' });
    expect(res.status).toBe(303);
    const forecast = await researcher.agent.post(`${res.headers.location}/forecast`).type('form').send(`_csrf=${researcher.csrf}&rows[0][year]=2021`);
    expect(forecast.status).toBe(303);
    const page = await researcher.agent.get(res.headers.location).set(en);
    expect(page.text).toContain('Polynomial trend of degree 3');
    expect(page.text).toContain('t<sup>3</sup>');
    expect(page.text).toContain('95 % lower');
    // R: lm(INact ~ t + I(t^2) + I(t^3)) predicts 8.0439 [1.5797; 14.5082] for t = 12 (2021).
    expect(page.text).toContain('8.044');
    expect(page.text).toContain('1.58');
    expect(page.text).toContain('14.508');
    const bad = await fit({ form: 'polynomial', degree: '3', y: String(await id('INact')), x: String(await id('Nsb')) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('A polynomial trend takes exactly one variable');
  });

  it('a scenario chains a Nsb trend into the table 17 model and shows every step with its interval', async () => {
    const nsb = await fit({ form: 'linear', y: String(await id('Nsb')), title: 'Nsb trend' });
    expect(nsb.status).toBe(303);
    const nsbId = Number(nsb.headers.location.split('/').pop());
    const table17 = (await repo.listModels({ kind: 'fit' })).find((m) => m.title.startsWith('Table 17'))!;
    const choose = await researcher.agent.get(`/indicators/scenario?steps=${nsbId}&steps=${table17.id}&steps=&years=2021-2022`).set(en);
    expect(choose.status).toBe(200);
    expect(choose.text).toContain('name="inputs[2021][dZin]"');
    expect(choose.text).not.toContain('name="inputs[2021][Nsb]"'); // Nsb comes from step 1

    const form = (dZin: string) => `_csrf=${researcher.csrf}&steps=${nsbId}&steps=${table17.id}&years=2021, 2022&inputs[2021][dZin]=${dZin}&inputs[2022][dZin]=2,5`;
    const missing = await researcher.agent.post('/indicators/scenario').type('form').set(en).send(form(''));
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/field-error">The value of dZin is missing/);
    expect(await repo.countModels('scenario')).toBe(0);

    const ok = await researcher.agent.post('/indicators/scenario').type('form').send(form('2.4'));
    expect(ok.status).toBe(303);
    const saved = await repo.findModel(Number(ok.headers.location.split('/').pop()));
    const result = saved!.result as ScenarioResult;
    expect(result.steps.map((s) => s.y)).toEqual(['Nsb', 'INact']);
    expect(result.steps[1]!.fit.forecast![0]!.Nsb).toBe(result.steps[0]!.fit.forecast![0]!.y);
    expect(result.steps[1]!.fit.forecast![1]!.dZin).toBe(2.5);
    const page = await researcher.agent.get(ok.headers.location).set(en);
    expect(page.text).toContain('Step 2');
    expect(page.text).toContain('Nsb ← Step 1');
    expect(page.text).toContain('class="scenario-summary"');
    expect(page.text).toContain('href="/help/api#models"'); // the command line lives on the API help page
    expect((page.text.match(/<svg[^>]*role="img"/g) ?? []).length).toBe(2);
    const spec = await researcher.agent.get(`${ok.headers.location}/spec.json`);
    expect(JSON.parse(spec.text).steps).toHaveLength(2);
  });

  it('composite options from the form: z-score with a geometric mean is refused on its field; robustness adds a chart and a table', async () => {
    const t40 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-territories-2020')!.id;
    const indicators = await repo.listIndicators(t40);
    const territories = [...new Set((await repo.values({ indicatorIds: [indicators[0]!.id] })).map((v) => v.territoryId))];
    const body = (extra: string) =>
      `_csrf=${researcher.csrf}&${territories.map((x) => `territories=${x}`).join('&')}&${indicators.map((i) => `indicators=${i.id}`).join('&')}&levels=rank&levelCount=4&${extra}`;
    const bad = await researcher.agent.post('/indicators/composite').type('form').set(en).send(body('aggregate=geometric&normalise=z-score'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('z-scores can be negative');
    const ok = await researcher.agent.post('/indicators/composite').type('form').send(body('aggregate=geometric&zero=epsilon&epsilon=0,01&robustness=on&draws=100&robustnessSeed=5'));
    expect(ok.status).toBe(303);
    const page = await researcher.agent.get(ok.headers.location).set(en);
    expect(page.text).toContain('Zero partial indices were replaced by ε = 0.01');
    expect(page.text).toContain('class="robustness"');
    expect(page.text).toContain('1 of 4');
    expect((page.text.match(/<svg[^>]*role="img"/g) ?? []).length).toBe(2);
  });

  it('the seeded table 40 index shows the robustness of its ranks in Kazakh without missing keys', async () => {
    const model = (await repo.listModels({ kind: 'composite' })).find((m) => m.title.startsWith('Table 40'))!;
    const page = await researcher.agent.get(`/indicators/models/${model.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Рангтердің орнықтылығы');
    expect(page.text).not.toContain('⟦');
    // A territory's page shows how stable its rank in that index is.
    const ayagoz = (model.origin as { territories: Array<{ name: string; id: number }> }).territories.find((x) => x.name === 'Ayagoz district')!;
    const territory = await researcher.agent.get(`/indicators/territories/${ayagoz.id}`).set(en);
    expect(territory.text).toMatch(/median [\d.]+, 5–95 %: [\d.]+–[\d.]+/);
    const scenario = await researcher.agent.get('/indicators/scenario').set('cookie', 'kedergi_lang=ru');
    expect(scenario.text).toContain('Сценарный прогноз');
    expect(scenario.text).not.toContain('⟦');
  });
});

describe('calculators page: the published complex coefficient both ways', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    researcher = await loginAs(t, 'researcher');
  });
  afterAll(async () => t.close());

  it('shows 0.51065 from It and Io and 0.511 from the printed I row, with the note explaining the rounding', async () => {
    const page = await researcher.agent.get('/indicators/calculators').set('cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('0.51065');
    expect(page.text).toMatch(/<strong>0\.511<\/strong>/);
    expect(page.text).toContain('Here 7 of the 10 values of I were rounded');
    expect(page.text).toContain('a difference of 0.00035');
  });
});
