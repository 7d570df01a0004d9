import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holmAdjust } from '../../../src/math/holmAdjust';
import { apiTokenFor, createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { smallRoundWorld } from '../../helpers/analysis-round';
import { addResponses, createRound, createSurvey } from './fixtures';

/** Holm beside raw p, the small-group warning and the reason alpha is undefined, in the API and on the page. */
describe('honest statistics on the ranking', () => {
  let t: TestApp;
  let token: string;
  let roundId: number;
  let flatRoundId: number;

  beforeAll(async () => {
    const world = await smallRoundWorld({ title: 'Spring' });
    ({ t, roundId } = world);
    const survey = world.survey;
    flatRoundId = await createRound(t.ctx.db, survey, 'Flat');
    const flat = { A1: 3, A2: 3, A3: 3, B1: 4 };
    await addResponses(t.ctx.db, survey, flatRoundId, [
      { territory: 'T1', ratings: flat },
      { territory: 'T2', ratings: flat },
      { territory: 'T2', ratings: flat },
    ]);
    token = await apiTokenFor(t, 'researcher');
  });
  afterAll(async () => t.close());

  const ranking = async (id: number, query = '') => {
    const res = await request(t.app).get(`/api/v1/rounds/${id}/ranking${query}`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('gives Holm-adjusted Kruskal-Wallis and Mann-Whitney p beside the raw ones', async () => {
    const body = await ranking(roundId, `?compare=${flatRoundId}`);
    const raw = body.items.map((i: { kruskalWallis: { p: number } | null }) => i.kruskalWallis?.p ?? null);
    expect(raw.filter((p: number | null) => p !== null).length).toBeGreaterThan(1);
    const want = holmAdjust(raw);
    body.items.forEach((i: { kruskalWallis: { pHolm: number } | null }, k: number) => {
      if (i.kruskalWallis) expect(i.kruskalWallis.pHolm).toBeCloseTo(want[k]!, 12);
      if (i.kruskalWallis) expect(i.kruskalWallis.pHolm).toBeGreaterThanOrEqual(raw[k]);
    });
    const mw = body.comparison.items;
    const mwWant = holmAdjust(mw.map((c: { p: number | null }) => c.p));
    mw.forEach((c: { pHolm: number | null }, k: number) => expect(c.pHolm ?? null).toEqual(mwWant[k] === null ? null : expect.closeTo(mwWant[k]!, 12)));
  });

  it('marks Kruskal-Wallis tests whose territories have fewer than 5 ratings', async () => {
    const body = await ranking(roundId);
    const a1 = body.items.find((i: { code: string }) => i.code === 'A1');
    expect(a1.kruskalWallis.smallestGroup).toBe(2); // T1 has two submitted responses
    expect(a1.kruskalWallis.chiSquareReliable).toBe(false);
  });

  it('says why alpha is undefined', async () => {
    const body = await ranking(flatRoundId);
    const c1 = body.categories.find((c: { code: string }) => c.code === 'C1');
    expect(c1.alpha).toBeNull();
    expect(c1.alphaUndefined).toBe('zeroVariance');
    const spring = await ranking(roundId);
    expect(spring.categories.find((c: { code: string }) => c.code === 'C1').alphaUndefined).toBeNull();
  });

  it('shows the adjusted p, the warning and the reason on the page', async () => {
    const { agent } = await loginAs(t, 'researcher');
    const page = await agent.get(`/analysis/rounds/${roundId}?compare=${flatRoundId}`).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('p (Holm)');
    expect(page.text).toContain('the chi-square approximation of p is unreliable');
    const flat = await agent.get(`/analysis/rounds/${flatRoundId}`).set('Accept-Language', 'en');
    expect(flat.text).toContain('zero variance');
  });
});

describe('comparison between rounds', () => {
  it('gives the change in mean and in rank, and full titles in the selector', async () => {
    const t = await createTestApp();
    try {
      const survey = await createSurvey(t.ctx.db);
      const now = await createRound(t.ctx.db, survey, 'Survey');
      const then = await createRound(t.ctx.db, survey, 'Survey', 'closed');
      await addResponses(t.ctx.db, survey, now, [{ ratings: { A1: 5, A2: 2 } }, { ratings: { A1: 4, A2: 2 } }]);
      await addResponses(t.ctx.db, survey, then, [{ ratings: { A1: 1, A2: 3 } }, { ratings: { A1: 2, A2: 3 } }]);
      const token = await apiTokenFor(t, 'researcher');
      const res = await request(t.app).get(`/api/v1/rounds/${now}/ranking?compare=${then}`).set('Authorization', `Bearer ${token}`);
      const a1 = res.body.comparison.items.find((c: { code: string }) => c.code === 'A1');
      expect(a1.meanChange).toBeCloseTo(4.5 - 1.5, 12);
      expect(a1).toMatchObject({ rankNow: 1, rankThen: 2, rankChange: 1 });
      const { agent } = await loginAs(t, 'researcher');
      const page = await agent.get(`/analysis/rounds/${now}?compare=${then}`).set('Accept-Language', 'en');
      expect(page.text).toContain(`Survey (`);
      expect(page.text).toContain(`#${then})`); // equal titles told apart
      expect(page.text).toContain('2 → 1');
      // Comparison near the top, before the ranking, with its slope chart.
      expect(page.text.indexOf('id="mw-heading"')).toBeLessThan(page.text.indexOf('id="ranking-heading"'));
      expect(page.text).toMatch(/Mean per barrier in the compared round and in this round<\/figcaption><div class="chart"><svg/);
    } finally {
      await t.close();
    }
  });
});
