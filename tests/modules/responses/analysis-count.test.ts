import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app';
import { completeBody, createInvitation, createRound, ensureBaseContent, openLink } from './fixtures';

describe('a submission is counted for the analysis in its own transaction', () => {
  let t: TestApp;
  let questionnaireId: number;
  beforeAll(async () => {
    t = await createTestApp();
    ({ questionnaireId } = await ensureBaseContent(t.ctx));
  });
  afterAll(async () => t.close());

  it('adds the response to the pre-aggregated cells at submit, once, even when replayed', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    const { token } = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${token}`);
    const body = await completeBody(t.ctx, questionnaireId, 'count-once-key-1');
    const first = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('Accept', 'application/json').send(body);
    expect(first.status).toBe(201);
    const replay = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('Accept', 'application/json').send(body);
    expect(replay.status).toBe(200);

    const counted = await t.ctx.db('analysis_counted_responses').where({ round_id: roundId });
    expect(counted.map((r) => Number(r.response_id))).toEqual([first.body.responseId]);
    const respondents = await t.ctx.db('analysis_profile_cells').where({ round_id: roundId }).sum({ n: 'respondents' }).first();
    expect(Number(respondents?.n)).toBe(1);
  });
});
