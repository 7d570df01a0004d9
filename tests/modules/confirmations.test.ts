import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONCEPT_CODE } from '../../src/modules/programmes/programmes.seed';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../helpers/app';

/**
 * The destructive actions issue 15 left without a confirmation step: deleting a saved model,
 * discarding an import, and the programme actions that delete or overwrite (replacing a year's
 * actual value, setting a reported measure back to "not started"). Without confirm=yes each
 * answers a page that says what will happen and changes nothing; with it, it acts and redirects.
 */
describe('confirmation before deleting or overwriting', () => {
  let t: TestApp;
  let researcher: LoggedIn;
  let admin: LoggedIn;
  let datasetId: number;
  let pid: number;
  const count = async (table: string, where: Record<string, unknown> = {}) => Number((await t.ctx.db(table).where(where).count({ n: '*' }).first())!.n);

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    researcher = await loginAs(t, 'researcher');
    admin = await loginAs(t, 'admin');
    datasetId = Number((await t.ctx.db('indicator_datasets').orderBy('id').first()).id);
    pid = Number((await t.ctx.db('programmes').where({ code: CONCEPT_CODE }).first()).id);
  }, 120_000);
  afterAll(() => t?.close());

  const post = (who: LoggedIn, url: string, body: Record<string, string | number> = {}) => who.agent.post(url).type('form').send({ _csrf: who.csrf, ...body });

  it('deleting a saved model asks first, naming the model, and deletes only when confirmed', async () => {
    const { id: _id, ...seeded } = await t.ctx.db('indicator_models').orderBy('id').first();
    const [row] = await t.ctx.db('indicator_models').insert({ ...seeded, title: 'Innovation index 2030', title_kk: null, title_ru: null, title_en: 'Innovation index 2030', title_lang: 'en', created_by: researcher.user.id }).returning('id');
    const modelId = Number(typeof row === 'object' ? row.id : row);
    const asked = await post(researcher, `/indicators/models/${modelId}/delete`);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Innovation index 2030');
    expect(asked.text).toMatch(/name="confirm" value="yes"/);
    expect(asked.text).toContain(`href="/indicators/models/${modelId}"`); // cancel goes back to the model
    expect(await count('indicator_models', { id: modelId })).toBe(1);
    const done = await post(researcher, `/indicators/models/${modelId}/delete`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(await count('indicator_models', { id: modelId })).toBe(0);
  });

  it('discarding an import asks first, saying how many values are thrown away', async () => {
    const territory = await t.ctx.db('territories').whereNotNull('parent_id').first();
    const up = await researcher.agent
      .post(`/indicators/datasets/${datasetId}/import?_csrf=${researcher.csrf}`)
      .attach('file', Buffer.from(`territory,indicator,period,value\n${territory.code},CONF_1,2020,1.5\n${territory.code},CONF_1,2021,2.5\n`), 'two-values.csv');
    const importId = Number(/(\d+)$/.exec(up.headers.location ?? '')?.[1]);
    expect(importId).toBeGreaterThan(0);
    const asked = await post(researcher, `/indicators/imports/${importId}/discard`);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('two-values.csv');
    expect(asked.text).toMatch(/2 previewed values|2 мән|2 значения/);
    expect(await count('indicator_imports', { id: importId })).toBe(1);
    expect((await post(researcher, `/indicators/imports/${importId}/discard`, { confirm: 'yes' })).status).toBe(303);
    expect(await count('indicator_imports', { id: importId })).toBe(0);
  });

  it('replacing a stored actual value asks first, naming both values; a first value does not ask', async () => {
    const indicator = await t.ctx.db('programme_indicators').where({ programme_id: pid }).orderBy('id').first();
    const url = `/programmes/${pid}/indicators/${indicator.id}/actuals`;
    await t.ctx.db('programme_actuals').where({ indicator_id: indicator.id, year: 2027 }).delete();
    expect((await post(researcher, url, { year: '2027', value: '10' })).status).toBe(303);
    const asked = await post(researcher, url, { year: '2027', value: '12.5', source: 'Stat' });
    expect(asked.status).toBe(200);
    expect(asked.text).toMatch(/name="confirm" value="yes"/);
    expect(asked.text).toContain('name="value" value="12.5"'); // the entered value is sent again
    const stored = () => t.ctx.db('programme_actuals').where({ indicator_id: indicator.id, year: 2027 }).first();
    expect(Number((await stored()).value)).toBe(10);
    expect((await post(researcher, url, { year: '2027', value: '12.5', source: 'Stat', confirm: 'yes' })).status).toBe(303);
    expect(Number((await stored()).value)).toBe(12.5);
    // The same value again changes nothing worth asking about.
    expect((await post(researcher, url, { year: '2027', value: '12.5' })).status).toBe(303);
  });

  it('setting a reported measure back to "not started" asks before deleting its report', async () => {
    const measure = await t.ctx.db('programme_measures').where({ programme_id: pid }).orderBy('id').first();
    const url = `/programmes/${pid}/measures/${measure.id}/report`;
    const year = Number(measure.deadline_from ?? 2026);
    const first = await post(admin, url, { year, status: 'in_progress', summary: 'Draft sent to the ministry' });
    expect(first.status).toBe(303);
    const reports = () => count('programme_measure_reports', { measure_id: measure.id, year });
    expect(await reports()).toBe(1);
    const asked = await post(admin, url, { year, status: 'not_started' });
    expect(asked.status).toBe(200);
    expect(asked.text).toMatch(/name="confirm" value="yes"/);
    expect(await reports()).toBe(1);
    expect((await post(admin, url, { year, status: 'not_started', confirm: 'yes' })).status).toBe(303);
    expect(await reports()).toBe(0);
  });

  it('a confirmation cannot be forged from another site: the token is still checked', async () => {
    const res = await request(t.app).post(`/indicators/models/1/delete`).type('form').send({ confirm: 'yes' });
    expect([401, 403]).toContain(res.status);
  });
});
