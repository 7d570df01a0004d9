import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, type TestApp } from '../../helpers/app';
import { completeBody, createInvitation, createRound, ensureBaseContent, openLink } from './fixtures';

/**
 * Submissions are not counted into the analysis cells inside the submit transaction (that cost
 * a third of the submission throughput, bench/RESULTS.md); the ranking counts what is new on read.
 */
describe('the ranking sees a submission the moment it is stored', () => {
  let t: TestApp;
  let questionnaireId: number;
  beforeAll(async () => {
    t = await createTestApp();
    ({ questionnaireId } = await ensureBaseContent(t.ctx));
  });
  afterAll(async () => t.close());

  it('counts each submission once, replays included', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const roundId = await createRound(t.ctx, questionnaireId);
    const ranking = async () => (await request(t.app).get(`/api/v1/rounds/${roundId}/ranking`).set('Authorization', `Bearer ${token}`)).body;

    for (let i = 1; i <= 2; i++) {
      const { token: link } = await createInvitation(t.ctx, roundId);
      const { agent, csrf } = await openLink(t.app, `/r/${link}`);
      const body = await completeBody(t.ctx, questionnaireId, `count-on-read-${i}`);
      expect((await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('Accept', 'application/json').send(body)).status).toBe(201);
      expect((await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('Accept', 'application/json').send(body)).status).toBe(200);
      const b01 = (await ranking()).items.find((item: { code: string }) => item.code === 'B01');
      expect(b01.n + b01.cannotJudge).toBe(i);
    }
    const counted = await t.ctx.db('analysis_counted_responses').where({ round_id: roundId });
    expect(counted).toHaveLength(2);
  });
});
