import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndicatorsRepository } from '../../../src/modules/indicators/indicators.repository';
import { createTestApp, loginAs, type TestApp } from '../../helpers/app';

describe('demo data: survey indicators of the demo rounds', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
  });
  afterAll(async () => t.close());

  it('every demo round with submitted responses is published as a dataset of per-territory indicators', async () => {
    const repo = new IndicatorsRepository(t.ctx.db);
    const rounds = (await t.services.indicators.surveyRounds()).filter((r) => r.submitted > 0 && r.status !== 'draft');
    expect(rounds.length).toBeGreaterThan(0);
    for (const round of rounds) {
      expect(round.publishedDatasetId).not.toBeNull();
      const indicators = await repo.listIndicators(round.publishedDatasetId!);
      const codes = indicators.map((i) => i.code);
      expect(codes).toEqual(expect.arrayContaining(['SURVEY_MEAN', 'SURVEY_MEAN_FINANCE', 'TOP2_B01', 'LACT', 'N_RESP']));
      const n = await repo.values({ indicatorIds: [indicators.find((i) => i.code === 'N_RESP')!.id] });
      // Every submitted response with a territory is counted once.
      const withTerritory = await t.ctx.db('responses as r')
        .join('answers as a', 'a.response_id', 'r.id')
        .join('questionnaire_items as i', 'i.id', 'a.item_id')
        .where({ 'r.round_id': round.id, 'r.status': 'submitted', 'i.role': 'territory' })
        .count({ n: '*' })
        .first();
      expect(n.reduce((s, v) => s + v.value, 0)).toBe(Number(withTerritory!.n));
      const means = await repo.values({ indicatorIds: [indicators.find((i) => i.code === 'SURVEY_MEAN')!.id] });
      for (const m of means) expect(m.value >= 1 && m.value <= 5).toBe(true);
    }
  });

  it('survey indicators can be combined with statistics in a composite index', async () => {
    const repo = new IndicatorsRepository(t.ctx.db);
    const survey = (await repo.listDatasets()).find((d) => d.roundId !== null)!;
    const lact = (await repo.listIndicators(survey.id)).find((i) => i.code === 'LACT')!;
    const t40 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-territories-2020')!;
    const x3 = (await repo.listIndicators(t40.id)).find((i) => i.code === 'X3')!;
    const territories = await repo.territoryIdsWithValues([lact.id]);
    const { agent, csrf } = await loginAs(t, 'researcher');
    const body = [`_csrf=${csrf}`, ...territories.map((id) => `territories=${id}`), `indicators=${lact.id}`, `indicators=${x3.id}`, 'aggregate=arithmetic', 'levels=equal-interval'].join('&');
    const res = await agent.post('/indicators/composite').type('form').send(body);
    expect(res.status).toBe(303);
    const model = (await repo.findModel(Number(res.headers.location.split('/').pop())))!;
    expect((model.spec as { indicators: Array<{ name: string }> }).indicators.map((i) => i.name).sort()).toEqual(['LACT', 'X3']);
    expect((model.spec as { rows: unknown[] }).rows.length).toBeGreaterThan(1);
  });
});
