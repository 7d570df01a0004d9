import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndicatorsRepository } from '../../../src/modules/indicators/indicators.repository';
import { KZ_TERRITORY_CODE } from '../../../src/modules/indicators/indicators.seed';
import type { CompositeResult, FitResult } from '../../../src/modules/indicators/models.spec';
import { createTestApp, type TestApp } from '../../helpers/app';

describe('reference indicators seeded on a fresh start', () => {
  let t: TestApp;
  let repo: IndicatorsRepository;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    repo = new IndicatorsRepository(t.ctx.db);
  });
  afterAll(async () => t.close());

  it('loads every file of reference-data/ as a dataset', async () => {
    const codes = (await repo.listDatasets()).map((d) => d.code).sort();
    expect(codes).toEqual([
      'east-kz-innovation-activity-2010-2020',
      'east-kz-reasons-not-innovating-2020',
      'east-kz-sme-barrier-survey-means',
      'east-kz-socioeconomic-2010-2020',
      'east-kz-territories-2020',
      'kz-innovation-intensity-2013-2018',
    ]);
    const t40 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-territories-2020')!;
    // 19 territories and the regional total, six indicators each: every table 40 territory matched a territory row.
    expect(t40.valueCount).toBe(20 * 6);
    const t21 = (await repo.listDatasets()).find((d) => d.code === 'east-kz-reasons-not-innovating-2020')!;
    expect(t21.valueCount).toBe(11 * 9);
  });

  it('puts Kazakhstan-wide series on a "kz" territory that is the parent of the region (so respondents never see it)', async () => {
    const kz = await t.ctx.db('territories').where({ code: KZ_TERRITORY_CODE }).first();
    expect(kz).toBeTruthy();
    const region = await t.ctx.db('territories').where({ code: 'east-kazakhstan-region' }).first();
    expect(Number(region.parent_id)).toBe(Number(kz.id));
    const kzDataset = (await repo.listDatasets()).find((d) => d.code === 'kz-innovation-intensity-2013-2018')!;
    expect(kzDataset.valueCount).toBe(6 * 10 + 20);
  });

  it('saves the table 40 integral index of the 19 territories and the table 17 model', async () => {
    const composite = (await repo.listModels({ kind: 'composite' }))[0]!;
    const result = composite.result as CompositeResult;
    expect(result.territories).toHaveLength(19);
    expect(result.territories.some((r) => /total/.test(r.territory))).toBe(false);
    expect(result.indicators.map((i) => `${i.name}:${i.direction}`)).toEqual([
      'X1:destimulant',
      'X2:destimulant',
      'X3:stimulant',
      'X4:stimulant',
      'X5:stimulant',
      'X6:stimulant',
    ]);
    const fit = (await repo.listModels({ kind: 'fit' }))[0]!;
    const r = fit.result as FitResult;
    expect(Math.abs(r.coefficients.dZin! - 0.355)).toBeLessThan(0.001);
    expect(Math.abs(r.coefficients.Nsb! - 1.931)).toBeLessThan(0.001);
    expect(Math.abs(r.coefficients.t! - 0.265)).toBeLessThan(0.001);
    expect(Math.abs(r.intercept - -6.915)).toBeLessThan(0.01);
    expect(Math.abs(r.r! - 0.876)).toBeLessThan(0.001);
  });

  it('is idempotent: running the seeders again adds nothing', async () => {
    const { runSeeds } = await import('../../../seeds');
    const before = await t.ctx.db('indicator_values').count({ n: '*' }).first();
    const models = await repo.countModels();
    await runSeeds(t.ctx, false);
    const after = await t.ctx.db('indicator_values').count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
    expect(await repo.countModels()).toBe(models);
  });
});
