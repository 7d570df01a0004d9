import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';

/** Two people saving the same thing at the same moment (a double click, two analysts): no server error, one row. */
describe(`programmes: simultaneous saves on ${testDbEngine}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
  });
  afterAll(async () => t?.close());

  it('the same actual, measure report, submission and settlement saved at once give one row each and no error', async () => {
    const [a, b] = [await loginAs(t, 'researcher'), await loginAs(t, 'admin')];
    const pid = (await t.ctx.db('programmes').first()).id;
    const indicator = (await t.ctx.db('programme_indicators').where({ programme_id: pid, code: 'T1' }).first()).id;
    const measure = (await t.ctx.db('programme_measures').where({ programme_id: pid, number: 2 }).first()).id;
    const duty = (await t.ctx.db('programme_duties').where({ programme_id: pid, code: 'R1' }).first()).id;
    const body = (await t.ctx.db('programme_bodies').where({ programme_id: pid, code: 'АЭА' }).first()).id;
    const city = (await t.ctx.db('territories').where({ kind: 'city' }).first()).id;
    const posts: Array<[string, Record<string, unknown>]> = [
      [`/programmes/${pid}/indicators/${indicator}/actuals`, { year: '2026', value: '2.3' }],
      [`/programmes/${pid}/measures/${measure}/report`, { year: '2026', status: 'done' }],
      [`/programmes/${pid}/calendar/submissions`, { dutyId: duty, year: 2026, bodyId: body, submittedOn: '2027-03-01' }],
      [`/programmes/${pid}/regions/settlements`, { territoryId: city, year: '2026', scienceWorkers: '10', employed: '100' }],
    ];
    for (const [url, form] of posts) {
      const results = await Promise.all([a, b, a, b].map((who) => who.agent.post(url).type('form').send({ _csrf: who.csrf, ...form })));
      expect(results.map((r) => r.status), url).toEqual([303, 303, 303, 303]);
    }
    for (const table of ['programme_actuals', 'programme_measure_reports', 'programme_submissions', 'programme_settlement_data']) {
      expect(Number((await t.ctx.db(table).count({ n: '*' }).first())!.n), table).toBe(1);
    }
  });
});
