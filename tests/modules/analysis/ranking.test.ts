import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app';
import { analysisService, countSubmittedResponse, roleItems } from '../../../src/modules/analysis/analysis.service';
import { addResponses, createRound, createSurvey, manyResponses, SMALL_ROUND, type SurveyFixture } from './fixtures';

const TOL = 9; // decimal places for values computed from the same small integers

describe('ranking service on a hand-made round', () => {
  let t: TestApp;
  let survey: SurveyFixture;
  let roundId: number;
  let otherRoundId: number;

  beforeAll(async () => {
    t = await createTestApp();
    survey = await createSurvey(t.ctx.db);
    roundId = await createRound(t.ctx.db, survey, 'Spring');
    await addResponses(t.ctx.db, survey, roundId, SMALL_ROUND);
    otherRoundId = await createRound(t.ctx.db, survey, 'Autumn', 'closed');
    await addResponses(t.ctx.db, survey, otherRoundId, [
      { territory: 'T1', ratings: { A1: 1, A2: 3, B1: 2 } },
      { territory: 'T2', ratings: { A1: 2, A2: 3, B1: 2 } },
      { territory: 'T2', ratings: { A1: 2, A2: null, B1: 5 } },
    ]);
  });
  afterAll(async () => t.close());

  it('summarises and ranks every item (hand-computed)', async () => {
    const r = await analysisService(t.ctx.db).ranking(roundId);
    expect(r.respondents).toBe(6); // the in-progress response is left out
    expect(r.items.map((i) => [i.code, i.rank])).toEqual([
      ['A2', 1],
      ['A1', 2],
      ['A3', 2],
      ['B1', 4],
      ['B2', 4],
    ]);
    const a1 = r.items.find((i) => i.code === 'A1')!;
    // A1 = 4,3,5,2,4,5: mean 23/6, median (4+4)/2, s = sqrt(6.8333/5) = 1.1690452 (numpy std ddof=1).
    expect(a1.counts).toEqual([0, 1, 1, 2, 2]);
    expect(a1.n).toBe(6);
    expect(a1.mean).toBeCloseTo(23 / 6, TOL);
    expect(a1.median).toBe(4);
    expect(a1.sd).toBeCloseTo(1.1690451944500122, TOL);
    expect(a1.top2).toBeCloseTo(4 / 6, TOL);
    expect(a1.cannotJudge).toBe(0);
    expect(a1.categoryCode).toBe('C1');
    const b1 = r.items.find((i) => i.code === 'B1')!;
    expect(b1.counts).toEqual([1, 2, 1, 0, 1]);
    expect(b1.cannotJudge).toBe(1);
    expect(b1.mean).toBeCloseTo(2.6, TOL);
    expect(r.items.find((i) => i.code === 'A2')!.n).toBe(5); // R7 has no A2 row
  });

  it('gives category statistics with alpha from complete respondents only', async () => {
    const r = await analysisService(t.ctx.db).ranking(roundId);
    const [c1, c2] = r.categories;
    // C1 pooled histogram [0,2,3,6,6]: mean 67/17. Complete respondents R1..R5 form the matrix of
    // tests/math/cronbach-alpha.test.ts: alpha 0.9036145, without A1/A2/A3 0.75/0.8936170/0.9189189;
    // totals 13,10,14,7,13 -> scale mean 57/15 = 3.8, scale SD sqrt(8.3)/3.
    expect(c1!.code).toBe('C1');
    expect(c1!.counts).toEqual([0, 2, 3, 6, 6]);
    expect(c1!.mean).toBeCloseTo(67 / 17, TOL);
    expect(c1!.completeResponses).toBe(5);
    expect(c1!.alpha).toBeCloseTo(0.9036144578313254, TOL);
    expect(c1!.alphaIfDeleted.map((a) => a.code)).toEqual(['A1', 'A2', 'A3']);
    expect(c1!.alphaIfDeleted[0]!.alpha).toBeCloseTo(0.75, TOL);
    expect(c1!.alphaIfDeleted[1]!.alpha).toBeCloseTo(0.8936170212765957, TOL);
    expect(c1!.alphaIfDeleted[2]!.alpha).toBeCloseTo(0.9189189189189191, TOL);
    expect(c1!.scaleMean).toBeCloseTo(3.8, TOL);
    expect(c1!.scaleSd).toBeCloseTo(Math.sqrt(8.3) / 3, TOL);
    expect(c1!.rank).toBe(1);
    // C2: complete pairs (1,2), (3,3), (2,2), (5,5): alpha = 2 * (1 - (2.9166667 + 2)/9.5833333) = 0.9739130
    // (numpy); with two items there is no alpha-if-deleted.
    expect(c2!.completeResponses).toBe(4);
    expect(c2!.alpha).toBeCloseTo(0.973913043478261, TOL);
    expect(c2!.alphaIfDeleted.map((a) => a.alpha)).toEqual([null, null]);
    expect(c2!.cannotJudge).toBe(2);
    expect(c2!.mean).toBeCloseTo(2.6, TOL);
  });

  it('runs Kruskal-Wallis across the stated territories', async () => {
    const r = await analysisService(t.ctx.db).ranking(roundId);
    const kw = r.items.find((i) => i.code === 'A1')!.kruskalWallis!;
    // T1 {4,3} vs T2 {5,2,4}; scipy 1.17.1 stats.kruskal([4,3],[5,2,4]) -> 0.0877192982456128, p 0.7670968684102789.
    expect(kw.n).toBe(5);
    expect(kw.df).toBe(1);
    expect(kw.h).toBeCloseTo(0.0877192982456128, TOL);
    expect(kw.p).toBeCloseTo(0.7670968684102789, TOL);
    expect(r.territories.map((x) => [x.territory?.name_en ?? null, x.respondents])).toEqual([
      ['Oskemen', 2],
      ['Zaisan district', 3],
      [null, 1],
    ]);
  });

  it('filters by sector, size, innovation and territory', async () => {
    const service = analysisService(t.ctx.db);
    const mean = async (query: Record<string, unknown>) => {
      const r = await service.ranking(roundId, query);
      return { respondents: r.respondents, a1: r.items.find((i) => i.code === 'A1')!.mean, kw: r.items.find((i) => i.code === 'A1')!.kruskalWallis };
    };
    expect(await mean({ sector: 'C' })).toMatchObject({ respondents: 3, a1: expect.closeTo(13 / 3, TOL) });
    expect(await mean({ innovated: 'yes' })).toMatchObject({ respondents: 2, a1: 4.5 });
    expect(await mean({ innovated: 'no' })).toMatchObject({ respondents: 2, a1: 2.5 });
    expect(await mean({ size: 'micro' })).toMatchObject({ respondents: 2, a1: 4.5 });
    const t2 = await mean({ territory: survey.territoryIds.T2 });
    expect(t2).toMatchObject({ respondents: 3, a1: expect.closeTo(11 / 3, TOL), kw: null });
    expect(await mean({ sector: 'C', innovated: 'no' })).toMatchObject({ respondents: 0, a1: null });
  });

  it('compares two rounds item by item with Mann-Whitney', async () => {
    const r = await analysisService(t.ctx.db).ranking(roundId, { compare: otherRoundId });
    expect(r.comparison!.round.id).toBe(otherRoundId);
    const a1 = r.comparison!.items.find((i) => i.code === 'A1')!;
    // This round 4,3,5,2,4,5 vs 1,2,2: scipy mannwhitneyu(use_continuity=False, method='asymptotic')
    // U = 17, p = 0.034069195144143936.
    expect(a1.mannWhitney!.u).toBe(17);
    expect(a1.mannWhitney!.p).toBeCloseTo(0.034069195144143936, TOL);
    expect(a1.mannWhitney!.rankBiserial).toBeCloseTo(2 * 17 / 18 - 1, TOL);
    expect(a1.other.n).toBe(3);
    // Nobody rated B2 in the other round: no test.
    expect(r.comparison!.items.find((i) => i.code === 'B2')!.mannWhitney).toBeNull();
    await expect(analysisService(t.ctx.db).ranking(roundId, { compare: roundId })).rejects.toMatchObject({ status: 400 });
    await expect(analysisService(t.ctx.db).ranking(roundId, { compare: 999999 })).rejects.toMatchObject({ status: 400 });
    await expect(analysisService(t.ctx.db).ranking(999999)).rejects.toMatchObject({ status: 404 });
  });

  it('counts a response once whether the submit flow, the catch-up or both count it', async () => {
    const db = t.ctx.db;
    const round = await createRound(db, survey, 'Counting');
    const [first] = await addResponses(db, survey, round, [{ territory: 'T1', sector: 'C', ratings: { A1: 5, A2: 4, A3: 3 } }]);
    const roles = roleItems(await analysisService(db).questionnaire(survey.questionnaireId), await analysisService(db).territories());
    await db.transaction(async (trx) => {
      await countSubmittedResponse(trx, round, roles, first!);
      await countSubmittedResponse(trx, round, roles, first!);
    });
    await addResponses(db, survey, round, [{ territory: 'T2', ratings: { A1: 1 } }]);
    const service = analysisService(db);
    const r = await service.ranking(round);
    expect(r.respondents).toBe(2);
    expect(r.items.find((i) => i.code === 'A1')!.counts).toEqual([1, 0, 0, 0, 1]);
    const again = await service.ranking(round);
    expect(again.items.find((i) => i.code === 'A1')!.counts).toEqual([1, 0, 0, 0, 1]);
  });

  it('rebuilds the cells when a counted response disappears', async () => {
    const db = t.ctx.db;
    const round = await createRound(db, survey, 'Deletion');
    const ids = await addResponses(db, survey, round, [{ ratings: { A1: 5 } }, { ratings: { A1: 1 } }]);
    const service = analysisService(db);
    expect((await service.ranking(round)).items.find((i) => i.code === 'A1')!.counts).toEqual([1, 0, 0, 0, 1]);
    await db('responses').where({ id: ids[1] }).del();
    await addResponses(db, survey, round, [{ ratings: { A1: 3 } }]);
    // Same number of responses as before, but one counted response is gone: the cells are rebuilt.
    const after = await service.ranking(round);
    expect(after.respondents).toBe(2);
    expect(after.items.find((i) => i.code === 'A1')!.counts).toEqual([0, 0, 1, 0, 1]);
  });

  it('is correct for an empty round and a one-response round', async () => {
    const service = analysisService(t.ctx.db);
    const empty = await service.ranking(await createRound(t.ctx.db, survey, 'Empty'));
    expect(empty.respondents).toBe(0);
    expect(empty.items.every((i) => i.n === 0 && i.mean === null && i.rank === null)).toBe(true);
    expect(empty.categories.every((c) => c.alpha === null && c.mean === null)).toBe(true);
    const oneRound = await createRound(t.ctx.db, survey, 'One');
    await addResponses(t.ctx.db, survey, oneRound, [{ territory: 'T1', ratings: { A1: 4, A2: 2, A3: null, B1: 5, B2: 5 } }]);
    const one = await service.ranking(oneRound);
    const a1 = one.items.find((i) => i.code === 'A1')!;
    expect(a1).toMatchObject({ n: 1, mean: 4, median: 4, sd: null, ciLow: null, ciHigh: null, rank: 3 }); // B1 = B2 = 5 share rank 1
    expect(one.items.find((i) => i.code === 'A3')).toMatchObject({ n: 0, cannotJudge: 1, rank: null });
    expect(one.categories[1]).toMatchObject({ completeResponses: 1, alpha: null, scaleMean: 5, scaleSd: null });
  });

  it('agrees with a direct computation from the answers on many responses', async () => {
    const db = t.ctx.db;
    const round = await createRound(db, survey, 'Many');
    const specs = manyResponses(240, 7);
    await addResponses(db, survey, round, specs);
    const r = await analysisService(db).ranking(round, { sector: 'G' });
    const chosen = specs.filter((s) => s.sector === 'G');
    for (const code of ['A1', 'A2', 'A3', 'B1', 'B2']) {
      const values = chosen.map((s) => s.ratings[code]).filter((v): v is number => typeof v === 'number');
      const item = r.items.find((i) => i.code === code)!;
      expect(item.n).toBe(values.length);
      expect(item.cannotJudge).toBe(chosen.filter((s) => s.ratings[code] === null).length);
      expect(item.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, TOL);
    }
    expect(r.respondents).toBe(chosen.length);
  });
});
