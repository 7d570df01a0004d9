import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTerritoryMatcher } from '../../../src/modules/territories/territories.matcher';
import { EAST_KZ_REGION_CODE, readEastKzTerritories, territoryCodeFromEnglish } from '../../../src/modules/territories/territories.seed';
import { runSeeds } from '../../../seeds';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

describe('territories', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => t.close());

  it('seeds the 19 territories of the 2020 reference file under East Kazakhstan region, idempotently', async () => {
    await runSeeds(t.ctx, false); // a second run must add nothing
    const rows = await t.ctx.db('territories').select();
    const region = rows.find((r) => r.code === EAST_KZ_REGION_CODE);
    expect(region).toBeTruthy();
    const children = rows.filter((r) => Number(r.parent_id) === Number(region.id));
    const reference = readEastKzTerritories();
    expect(reference).toHaveLength(19);
    expect(children).toHaveLength(19);
    expect(children.map((c) => c.code).sort()).toEqual(reference.map((r) => territoryCodeFromEnglish(r.en)).sort());
    for (const c of children) expect(c.name_ru).toMatch(/[а-яё]/i); // a Russian name, not the English copy
    expect(children.filter((c) => c.kind === 'city')).toHaveLength(4);
  });

  it('derives stable codes from English names', () => {
    expect(territoryCodeFromEnglish('Katon-Karagai district')).toBe('katon-karagai-district');
    expect(territoryCodeFromEnglish('Oskemen (Ust-Kamenogorsk) city')).toBe('oskemen-city');
  });

  it('finds a territory by code or by name in any language, ignoring case', async () => {
    const cases: Array<[string, string | undefined]> = [
      ['semey-city', 'semey-city'],
      ['SEMEY CITY', 'semey-city'],
      ['Семей қаласы', 'semey-city'],
      ['город семей', 'semey-city'],
      ['Semey', 'semey-city'],
      ['Усть-Каменогорск', 'oskemen-city'],
      ['  абайский   район ', 'abai-district'],
      ['Atlantis', undefined],
      ['', undefined],
    ];
    for (const [name, code] of cases) expect((await t.services.territories.findByAnyName(name))?.code, name).toBe(code);
  });

  it('refuses an ambiguous short name instead of guessing', () => {
    const base = { name_ru: 'x', kind: 'district' as const, parentId: null, position: 0 };
    const match = createTerritoryMatcher([
      { ...base, id: 1, code: 'abai-district', name_kk: 'Абай ауданы', name_en: 'Abai district' },
      { ...base, id: 2, code: 'abai-region', name_kk: 'Абай облысы', name_en: 'Abai region', kind: 'region' as never },
    ]);
    expect(match('Abai')).toBeUndefined();
    expect(match('Abai region')?.id).toBe(2);
  });

  it('lists territories to administrators and creates one from the form', async () => {
    const list = await admin.agent.get('/admin/territories');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Семей қаласы'); // Kazakh is the default language
    const region = await t.ctx.db('territories').where({ code: EAST_KZ_REGION_CODE }).first();
    const res = await admin.agent.post('/admin/territories').type('form').send({
      _csrf: admin.csrf, code: 'test-village', name_kk: 'Сынақ ауылы', name_ru: 'Тестовое село', name_en: 'Test village', kind: 'district', parentId: String(region.id), position: '30',
    });
    expect(res.status).toBe(303);
    const row = await t.ctx.db('territories').where({ code: 'test-village' }).first();
    expect(row.name_ru).toBe('Тестовое село');
    expect(Number(row.parent_id)).toBe(Number(region.id));
  });

  it('re-renders the form with each field error and the typed values, and saves nothing', async () => {
    const before = await t.ctx.db('territories').count({ n: '*' }).first();
    const res = await admin.agent.post('/admin/territories').type('form').send({
      _csrf: admin.csrf, code: 'Bad Code!', name_kk: '', name_ru: 'Нечто', name_en: 'Something', kind: 'planet', parentId: '', position: '',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Нечто"');
    expect(res.text.match(/class="field-error"/g)?.length).toBe(3); // code, name_kk, kind
    const after = await t.ctx.db('territories').count({ n: '*' }).first();
    expect(Number(after?.n)).toBe(Number(before?.n));
  });

  it('edits a territory and refuses a duplicate code or a cycle', async () => {
    const semey = await t.ctx.db('territories').where({ code: 'semey-city' }).first();
    const region = await t.ctx.db('territories').where({ code: EAST_KZ_REGION_CODE }).first();
    const form = { _csrf: admin.csrf, code: 'semey-city', name_kk: 'Семей қаласы', name_ru: 'город Семей', name_en: 'Semey', kind: 'city', parentId: String(region.id), position: '18' };
    const page = await admin.agent.get(`/admin/territories/${semey.id}/edit`);
    expect(page.status).toBe(200);
    expect((await admin.agent.post(`/admin/territories/${semey.id}`).type('form').send(form)).status).toBe(303);
    expect((await t.ctx.db('territories').where({ id: semey.id }).first()).name_en).toBe('Semey');

    const dup = await admin.agent.post(`/admin/territories/${semey.id}`).type('form').send({ ...form, code: 'ridder-city' });
    expect(dup.status).toBe(400);
    const cycle = await admin.agent.post(`/admin/territories/${region.id}`).type('form').send({
      ...form, code: EAST_KZ_REGION_CODE, kind: 'region', parentId: String(semey.id),
    });
    expect(cycle.status).toBe(400);
    expect((await t.ctx.db("territories").where({ id: region.id }).first()).parent_id).toBe(region.parent_id);
  });

  it('requires CSRF on the form', async () => {
    const res = await admin.agent.post('/admin/territories').type('form').send({ code: 'no-csrf', name_kk: 'a', name_ru: 'b', name_en: 'c', kind: 'city' });
    expect(res.status).toBe(403);
    expect(await t.ctx.db('territories').where({ code: 'no-csrf' }).first()).toBeUndefined();
  });

  it('sends anonymous visitors to the login page and refuses experts', async () => {
    const anon = await request(t.app).get('/admin/territories');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toMatch(/^\/login/);
    const expert = await loginAs(t, 'expert');
    expect((await expert.agent.get('/admin/territories')).status).toBe(403);
  });

  it('lists territories over the API with names in three languages', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const res = await request(t.app).get('/api/v1/territories').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const semey = res.body.territories.find((x: { code: string }) => x.code === 'semey-city');
    expect(semey).toMatchObject({ kind: 'city', name: { kk: 'Семей қаласы', en: 'Semey' } });
  });
});
