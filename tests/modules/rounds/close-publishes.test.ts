import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, type TestApp } from '../../helpers/app';

describe('closing a round publishes its survey indicators', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
  });
  afterAll(async () => t.close());

  it('writes per-territory indicators tagged with the round in the same step as the close', async () => {
    const token = await apiTokenFor(t, 'admin');
    const open = await t.ctx.db('rounds').where({ status: 'open' }).orderBy('id').first();
    // Start from nothing so the close itself must do the publishing.
    await t.ctx.db('indicator_datasets').where({ round_id: open.id }).del();

    const res = await request(t.app).post(`/api/v1/rounds/${open.id}/status`).set('Authorization', `Bearer ${token}`).send({ status: 'closed' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('closed');

    const values = await t.ctx
      .db('indicator_values as v')
      .join('indicators as i', 'i.id', 'v.indicator_id')
      .join('indicator_datasets as d', 'd.id', 'i.dataset_id')
      .where('d.round_id', open.id)
      .select('i.code', 'v.territory_id', 'v.value');
    const nResp = values.filter((v) => v.code === 'N_RESP');
    const submitted = await t.ctx.db('responses').where({ round_id: open.id, status: 'submitted' }).count({ n: '*' }).first();
    expect(nResp.reduce((s, v) => s + Number(v.value), 0)).toBe(Number(submitted!.n));
    expect(values.some((v) => v.code === 'TOP2_B01')).toBe(true);
    expect(values.some((v) => v.code === 'LACT')).toBe(true);
  });
});
