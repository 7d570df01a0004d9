import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSeeds } from '../../../seeds';
import { DEMO_EXPERT_EMAILS, DEMO_PANEL_NAME, seedDemoPanel } from '../../../src/modules/experts/experts.seed';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';

/**
 * The experts demo seeder on its own (the other modules' demo seeders are tested by their
 * owners): an open survey round with a few answers is put in place first, so the panel links
 * to it and takes B01's mean rating over submitted answers as the strength of a threat.
 */
describe(`expert panels: demo data (${testDbEngine})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  let panelId: number;
  let surveyRoundId: number;

  async function openSurveyRoundWithAnswers(): Promise<number> {
    const db = t.ctx.db;
    const now = new Date().toISOString();
    const questionnaire = await db('questionnaires').orderBy('id').first();
    const [round] = await db('rounds')
      .insert({ title: 'Demo survey', questionnaire_id: questionnaire.id, status: 'open', audience: 'invitation', created_at: now, updated_at: now })
      .returning('id');
    const roundId = Number(typeof round === 'object' ? round.id : round);
    const b01 = await db('questionnaire_items').where({ questionnaire_id: questionnaire.id, code: 'B01' }).first();
    // Submitted 5, submitted 4, submitted "cannot judge", in progress 1: the mean is (5 + 4) / 2 = 4.5 over n = 2.
    const answers: Array<[string, number | null]> = [['submitted', 5], ['submitted', 4], ['submitted', null], ['in_progress', 1]];
    for (const [i, [status, value]] of answers.entries()) {
      const [inv] = await db('invitations')
        .insert({ round_id: roundId, token_hash: String(i).repeat(64), enterprise_name: `E${i}`, status, created_at: now })
        .returning('id');
      const [resp] = await db('responses')
        .insert({
          round_id: roundId,
          invitation_id: typeof inv === 'object' ? inv.id : inv,
          status,
          language: 'kk',
          started_at: now,
          updated_at: now,
          submitted_at: status === 'submitted' ? now : null,
        })
        .returning('id');
      await db('answers').insert({ response_id: typeof resp === 'object' ? resp.id : resp, item_id: b01.id, round_id: roundId, value, cannot_judge: value === null });
    }
    return roundId;
  }

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    surveyRoundId = await openSurveyRoundWithAnswers();
    // Answers inserted by hand reach the analysis cells as a bulk load does: through the counter's sweep.
    await t.services.analysisCounter.sweep();
    await seedDemoPanel(t.ctx, t.services);
    panelId = Number((await t.ctx.db('panels').where({ name: DEMO_PANEL_NAME }).first()).id);
  });
  afterAll(async () => t.close());

  it('creates five expert accounts, a panel with two closed rounds, idempotently', async () => {
    const experts = await t.ctx.db('users').whereIn('email', DEMO_EXPERT_EMAILS).select('role');
    expect(experts.map((e) => e.role)).toEqual(['expert', 'expert', 'expert', 'expert', 'expert']);
    const rounds = await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).orderBy('number');
    expect(rounds.map((r) => r.status)).toEqual(['closed', 'closed']);
    expect(Number((await t.ctx.db('expert_scores').count({ c: '*' }).first())!.c)).toBe(2 * 5 * 38);
    await seedDemoPanel(t.ctx, t.services);
    await runSeeds(t.ctx, false);
    expect(Number((await t.ctx.db('panels').where({ name: DEMO_PANEL_NAME }).count({ c: '*' }).first())!.c)).toBe(1);
    expect(Number((await t.ctx.db('expert_scores').count({ c: '*' }).first())!.c)).toBe(2 * 5 * 38);
  });

  it('converges in round 2: W and the consensus share rise', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const res = await request(t.app).get(`/api/v1/panels/${panelId}/agreement`).set('Authorization', `Bearer ${token}`);
    const [r1, r2] = res.body.rounds;
    expect(r2.kendallW).toBeGreaterThan(r1.kendallW);
    expect(r2.consensusShare).toBeGreaterThan(r1.consensusShare);
    expect(r2.p).toBeLessThan(0.05);
  });

  it('links the open survey round, with its barriers in W and T and the mean of submitted ratings as strength', async () => {
    const panel = await t.ctx.db('panels').where({ id: panelId }).first();
    expect(Number(panel.survey_round_id)).toBe(surveyRoundId);
    const token = await apiTokenFor(t, 'researcher');
    const swot = (await request(t.app).get(`/api/v1/panels/${panelId}/swot`).set('Authorization', `Bearer ${token}`)).body;
    expect(swot.barriers.map((b: { code: string }) => b.code).sort()).toEqual(['B01', 'B06', 'B09']);
    const b01 = swot.barriers.find((b: { code: string }) => b.code === 'B01');
    expect(b01).toMatchObject({ quadrant: 'T', n: 2, weightSource: 'mean' });
    expect(Math.abs(b01.strength - 4.5)).toBeLessThan(1e-12);
    // Its weight is the mean expert weight of T's factors, so it enters T's total as v * 4.5.
    const tWeights = swot.quadrants.T.factors.map((f: { weight: number }) => f.weight);
    expect(Math.abs(b01.weight - tWeights.reduce((a: number, b: number) => a + b, 0) / tWeights.length)).toBeLessThan(1e-12);
    const tTotal = [...swot.quadrants.T.factors, b01].reduce((a: number, f: { score: number }) => a + f.score, 0);
    expect(Math.abs(swot.quadrants.T.total - tTotal)).toBeLessThan(1e-12);
    // B06 and B09 have no answers: listed, but they do not enter the matrix.
    expect(swot.barriers.find((b: { code: string }) => b.code === 'B06')).toMatchObject({ n: 0, strength: null, score: null });
  });

  it('renders every results page with charts on first start', async () => {
    for (const page of ['agreement', 'swot', 'pest']) {
      const res = await admin.agent.get(`/panels/${panelId}/${page}`);
      expect(res.status, page).toBe(200);
      expect(res.text).toContain('role="img"');
    }
    expect((await admin.agent.get(`/admin/panels/${panelId}`)).status).toBe(200);
  });
});
