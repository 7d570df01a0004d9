import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';
import { adminPost, createPanel, openRoundIdOf, postScores, scoresBy } from './fixtures';

describe(`expert panels: validation and empty panels (${testDbEngine})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  let expert: LoggedIn;
  let panelId: number;
  let roundId: number;

  const stored = async () => Number((await t.ctx.db('expert_scores').where({ expert_id: expert.user.id }).count({ c: '*' }).first())!.c);

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    [admin, expert] = await Promise.all([loginAs(t, 'admin'), loginAs(t, 'expert')]);
    panelId = await createPanel(admin, 'Validation panel');
    await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: expert.user.id });
  });
  afterAll(async () => t.close());

  it('renders SWOT, PEST and agreement pages, exports and API for a panel with no round and no scores', async () => {
    for (const page of ['agreement', 'swot', 'pest']) {
      const res = await admin.agent.get(`/panels/${panelId}/${page}`);
      expect(res.status, page).toBe(200);
      // No round yet: the agreement page says so instead of drawing empty charts; the matrices draw their empty chart.
      if (page === 'agreement') expect(res.text).toContain('alert warning');
      else expect(res.text).toContain('<svg');
      expect((await admin.agent.get(`/panels/${panelId}/${page}.csv`)).status).toBe(200);
      expect((await admin.agent.get(`/panels/${panelId}/${page}.xlsx`)).status).toBe(200);
    }
    const token = await apiTokenFor(t, 'researcher');
    const swot = await request(t.app).get(`/api/v1/panels/${panelId}/swot`).set('Authorization', `Bearer ${token}`);
    expect(swot.body).toMatchObject({ round: null, position: { x: 0, y: 0 }, strategy: 'WT', onBoundary: true });
    expect(swot.body.quadrants.S.factors).toHaveLength(6);
    expect(swot.body.quadrants.S.factors[0]).toMatchObject({ n: 0, weight: null, score: null });
    const pest = await request(t.app).get(`/api/v1/panels/${panelId}/pest`).set('Authorization', `Bearer ${token}`);
    expect(pest.body.groups.map((g: { balance: number }) => g.balance)).toEqual([0, 0, 0, 0]);
    const agreement = await request(t.app).get(`/api/v1/panels/${panelId}/agreement`).set('Authorization', `Bearer ${token}`);
    expect(agreement.body).toMatchObject({ rounds: [] });
  });

  it('opens round 1 only with members, only once, and closes only an open round', async () => {
    const empty = await createPanel(admin, 'No members');
    await adminPost(admin, `/admin/panels/${empty}/rounds/open-first`, {}, 409);
    await adminPost(admin, `/admin/panels/${empty}/rounds/close`, {}, 409);
    await adminPost(admin, `/admin/panels/${empty}/rounds/open-next`, {}, 409);
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`);
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`, {}, 409);
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-next`, {}, 409);
    roundId = await openRoundIdOf(expert.agent, panelId);
  });

  it('renders every result page for an open round with zero scores', async () => {
    for (const page of ['agreement', 'swot', 'pest']) {
      const res = await admin.agent.get(`/panels/${panelId}/${page}`);
      expect(res.status, page).toBe(200);
      expect(res.text).toContain('<svg');
    }
  });

  it('refuses bad admin input with a message and changes nothing', async () => {
    const before = Number((await t.ctx.db('panels').count({ c: '*' }).first())!.c);
    const noName = await adminPost(admin, '/admin/panels', { name: '  ' }, 400);
    expect(noName.text).toContain('field-error');
    await adminPost(admin, '/admin/panels', { name: 'X', surveyRoundId: 99999 }, 400);
    expect(Number((await t.ctx.db('panels').count({ c: '*' }).first())!.c)).toBe(before);
    const researcher = await loginAs(t, 'researcher');
    await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: researcher.user.id }, 400);
    await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: expert.user.id }, 400);
    await adminPost(admin, `/admin/panels/${panelId}/barriers`, { itemCode: 'B01', quadrant: 'W' }, 400); // no survey round linked
    await adminPost(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: '' }, 400);
  });

  it('stores nothing when one score is out of range, and re-renders the form with the values given', async () => {
    const scores = scoresBy(() => ({ weight: 4, strength: 2 }));
    scores.W3 = { weight: 7, strength: 2 };
    const res = await postScores(expert, panelId, roundId, scores);
    expect(res.status).toBe(400);
    expect(res.text).toContain('field-error');
    expect(res.text).not.toContain('scores.W3.weight'); // named by its label, not its code
    expect(res.text).toMatch(/<a href="#f-W3-w-1">W3 [^<]+ — Салмағы: /);
    expect(res.text).toMatch(/id="f-S1-w-4"[^>]*checked/); // the user's other answers are kept on the page
    expect(await stored()).toBe(0);
  });

  it('refuses half a pair, a non-number, an unknown factor or enterprise, and extra fields', async () => {
    const cases: Array<Record<string, unknown>> = [
      { scores: { S1: { weight: 'abc', strength: 3 } } },
      { scores: { S1: { weight: 0, strength: 3 } } },
      { scores: { S1: { weight: 2.5, strength: 3 } } },
      { scores: { ZZ: { weight: 3, strength: 3 } } },
      { scores: { S1: { weight: 3, strength: 3 } }, ent: { x999999: { E1: 3 } } },
      { scores: { S1: { weight: 3, strength: 3, extra: 1 } } },
      { scores: { S1: { weight: 3, strength: 3 } }, expertId: 1 },
    ];
    for (const body of cases) {
      const res = await expert.agent.post(`/expert/panels/${panelId}`).type('form').send({ _csrf: expert.csrf, roundId, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await stored()).toBe(0);
  });

  it('saves a valid form in one piece, and a later invalid form leaves it untouched', async () => {
    const ok = await postScores(expert, panelId, roundId, scoresBy((i) => ({ weight: (i % 5) + 1, strength: 3 })));
    expect(ok.status).toBe(303);
    expect(await stored()).toBe(38);
    const bad = scoresBy(() => ({ weight: 1, strength: 1 }));
    bad.T5 = { weight: 6, strength: 1 };
    expect((await postScores(expert, panelId, roundId, bad)).status).toBe(400);
    const rows = await t.ctx.db('expert_scores').where({ expert_id: expert.user.id }).select('weight');
    expect(rows.filter((r) => Number(r.weight) === 1)).toHaveLength(8); // still the first save
    // Clearing a factor (both empty) removes just that score.
    const cleared = await postScores(expert, panelId, roundId, { S1: { weight: '', strength: '' } });
    expect(cleared.status).toBe(303);
    expect(await stored()).toBe(37);
  });

  it('refuses scores for a closed round (409) and stores nothing', async () => {
    // One expert of the panel has scored: below the quorum, so the close is confirmed.
    await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
    const before = await stored();
    const res = await postScores(expert, panelId, roundId, scoresBy(() => ({ weight: 2, strength: 2 })));
    expect(res.status).toBe(409);
    expect(await stored()).toBe(before);
    const form = await expert.agent.get(`/expert/panels/${panelId}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain('name="roundId"');
  });
});
