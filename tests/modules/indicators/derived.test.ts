import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tech from '../../../seeds/domain/reference-data/kz-technological-innovation-2016-2020.json';
import table17 from '../../../seeds/domain/reference-data/east-kz-innovation-activity-2010-2020.json';
import { IndicatorsRepository } from '../../../src/modules/indicators/indicators.repository';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

/** Derived indicators stored in the value table: created on the dataset page, recomputed with their inputs (both engines). */
describe('derived indicators in the value table', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  let repo: IndicatorsRepository;
  let datasetId: number;

  const importCsv = async (csv: string) => {
    const upload = await researcher.agent.post(`/indicators/datasets/${datasetId}/import?_csrf=${researcher.csrf}`).attach('file', Buffer.from(csv, 'utf8'), 'counts.csv');
    expect(upload.status).toBe(303);
    const confirm = await researcher.agent.post(`/indicators/imports/${upload.headers.location.split('/').pop()}/confirm`).type('form').send({ _csrf: researcher.csrf });
    expect(confirm.status).toBe(303);
  };
  const derivedValues = async (code: string) => {
    const ind = (await repo.listIndicators(datasetId)).find((i) => i.code === code)!;
    const values = await repo.values({ indicatorIds: [ind.id] });
    return new Map(values.map((v) => [v.period, v.value]));
  };
  const addDerived = (fields: Record<string, string>) =>
    researcher.agent
      .post(`/indicators/datasets/${datasetId}/derived`)
      .type('form')
      .set('cookie', 'kedergi_lang=en')
      .send({ _csrf: researcher.csrf, name_kk: 'Инновациялық белсенділік деңгейі', name_ru: 'Уровень инновационной активности', name_en: 'Level of innovation activity', unit: '%', direction: 'stimulant', ...fields });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    researcher = await loginAs(t, 'researcher');
    repo = new IndicatorsRepository(t.ctx.db);
    const create = await researcher.agent.post('/indicators/datasets').type('form').send({ _csrf: researcher.csrf, name: 'Table 11 counts', description: '', source: 'seed dissertation on SME innovation, table 11' });
    datasetId = Number(create.headers.location.split('/').pop());
    // East Kazakhstan region's enterprises and enterprises with innovation, 2016-2020 (table 11).
    await importCsv(['territory;year;active;innovating', ...tech.rows.map((r) => `Semey city;${r.year};${r.EKR_active};${r.EKR_innovating}`)].join('\n'));
  });
  afterAll(async () => t.close());

  it('Lact = innovating / active * 100 reproduces the INact column of table 17 for 2016-2020 (printed to 0.1)', async () => {
    const res = await addDerived({ code: 'Lact', formula: 'innovating / active * 100' });
    expect(res.status).toBe(303);
    const lact = await derivedValues('Lact');
    expect([...lact.keys()].sort()).toEqual(['2016', '2017', '2018', '2019', '2020']);
    for (const [year, value] of lact) expect(Math.abs(value - table17.rows.find((r) => String(r.year) === year)!.INact)).toBeLessThanOrEqual(0.05);
    const page = await researcher.agent.get(res.headers.location).set('cookie', 'kedergi_lang=en');
    expect(page.text).toContain('<code>innovating / active * 100</code>');
    expect(page.text).toContain('derived');
  });

  it('a derived indicator may use an earlier one: the growth of Lact by year', async () => {
    expect((await addDerived({ code: 'LactGrowth', formula: 'growth(Lact)' })).status).toBe(303);
    const growth = await derivedValues('LactGrowth');
    expect(growth.has('2016')).toBe(false); // no 2015
    const lact = await derivedValues('Lact');
    expect(growth.get('2020')).toBeCloseTo((lact.get('2020')! / lact.get('2019')! - 1) * 100, 9);
  });

  it('a bad formula or a taken code is refused beside its field and stores nothing', async () => {
    const before = (await repo.listIndicators(datasetId)).length;
    const bad = await addDerived({ code: 'Broken', formula: 'innovating / missing' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/field-error"[^>]*>The table has no indicator (&#34;|&quot;|")missing/);
    const taken = await addDerived({ code: 'Lact', formula: '1' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('already has the code Lact');
    const injection = await addDerived({ code: 'Evil', formula: 'constructor.constructor("return process")()' });
    expect(injection.status).toBe(400);
    expect((await repo.listIndicators(datasetId)).length).toBe(before);
  });

  it('new input values recompute every derived indicator in the same transaction', async () => {
    await importCsv(['territory;year;active;innovating', 'Semey city;2020;1000;300', 'Semey city;2021;1000;330'].join('\n'));
    const lact = await derivedValues('Lact');
    expect(lact.get('2020')).toBe(30);
    expect(lact.get('2021')).toBe(33);
    expect((await derivedValues('LactGrowth')).get('2021')).toBeCloseTo(10, 9);
  });

  it('editing the formula recomputes; the export carries each value with its formula', async () => {
    const lact = (await repo.listIndicators(datasetId)).find((i) => i.code === 'Lact')!;
    const form = await researcher.agent.get(`/indicators/indicators/${lact.id}/edit`);
    expect(form.text).toContain('name="formula"');
    const bad = await researcher.agent
      .post(`/indicators/indicators/${lact.id}`)
      .type('form')
      .send({ _csrf: researcher.csrf, name_kk: 'L', name_ru: 'L', name_en: 'L', unit: '', direction: 'stimulant', source: '', formula: 'innovating /' });
    expect(bad.status).toBe(400);
    expect((await repo.findIndicator(lact.id))!.formula).toBe('innovating / active * 100');
    const ok = await researcher.agent
      .post(`/indicators/indicators/${lact.id}`)
      .type('form')
      .send({ _csrf: researcher.csrf, name_kk: 'L', name_ru: 'L', name_en: 'L', unit: '‰', direction: 'stimulant', source: '', formula: 'per1000(innovating, active)' });
    expect(ok.status).toBe(303);
    expect((await derivedValues('Lact')).get('2021')).toBe(330);
    // LactGrowth follows Lact: 330 / 300 - 1 = 10 %
    expect((await derivedValues('LactGrowth')).get('2021')).toBeCloseTo(10, 9);

    const csv = await researcher.agent.get(`/indicators/datasets/${datasetId}/values.csv`).set('cookie', 'kedergi_lang=en');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    // Text fields are quoted (issue 13).
    expect(csv.text).toContain('"code","name","unit","formula","territory","period","value"');
    expect(csv.text).toMatch(/"Lact","L","‰","per1000\(innovating, active\)","Semey city","?2021"?,330/);
    expect(csv.text).toMatch(/"active","active","","","Semey city","?2016"?,1985/);
  });
});
