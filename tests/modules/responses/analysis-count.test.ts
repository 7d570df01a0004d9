import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../../src/db/knex';
import { AnalysisCounter } from '../../../src/modules/analysis/analysis.counter';
import { AnalysisRepository } from '../../../src/modules/analysis/analysis.repository';
import { roleItems } from '../../../src/modules/analysis/analysis.service';
import { testDbEngine } from '../../helpers/db';
import { apiTokenFor, createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { completeBody, createInvitation, createRound, ensureBaseContent, openLink } from './fixtures';

/**
 * Submissions are counted into the analysis cells after their commit, by the background
 * counter (analysis.counter.ts), never by a ranking request: after a burst the first ranking
 * reads the cells as they are and says how many submissions are still being counted.
 */
describe('counting submissions into the analysis cells', () => {
  let t: TestApp;
  let questionnaireId: number;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp();
    ({ questionnaireId } = await ensureBaseContent(t.ctx));
    token = await apiTokenFor(t, 'researcher');
  });
  afterAll(async () => t.close());

  const ranking = async (roundId: number) => (await request(t.app).get(`/api/v1/rounds/${roundId}/ranking`).set('Authorization', `Bearer ${token}`)).body;
  const b01 = (body: { items: Array<{ code: string; n: number; cannotJudge: number }> }) => body.items.find((item) => item.code === 'B01')!;

  async function submit(roundId: number, key: string): Promise<number> {
    const { token: link } = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${link}`);
    const body = await completeBody(t.ctx, questionnaireId, key);
    const first = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('Accept', 'application/json').send(body);
    expect(first.status).toBe(201);
    expect((await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('Accept', 'application/json').send(body)).status).toBe(200);
    return first.body.responseId;
  }

  it('counts each submission once in the background, replays included', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    for (let i = 1; i <= 2; i++) {
      await submit(roundId, `count-in-background-${i}`);
      await t.services.analysisCounter.settled();
      const body = await ranking(roundId);
      expect(b01(body).n + b01(body).cannotJudge).toBe(i);
      expect(body.uncounted).toBe(0);
    }
    expect(await t.ctx.db('analysis_counted_responses').where({ round_id: roundId })).toHaveLength(2);
  });

  it('counts from its own tables and the answers: which items are rating questions comes from the questionnaires service', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    await submit(roundId, 'counted-without-items-table');
    const statements: string[] = [];
    const listener = (q: { sql: string }) => statements.push(q.sql);
    t.ctx.db.client.on('query', listener);
    try {
      await t.services.analysisCounter.settled();
    } finally {
      t.ctx.db.client.removeListener('query', listener);
    }
    const counting = statements.filter((sql) => /insert\s+into\s+analysis_/i.test(sql));
    expect(counting.map((sql) => /analysis_\w+/i.exec(sql)![0].toLowerCase()).sort()).toEqual(['analysis_answer_cells', 'analysis_counted_responses', 'analysis_item_cells', 'analysis_profile_cells']);
    for (const sql of counting) expect(sql).not.toMatch(/questionnaire_(items|categories)|\bquestionnaires\b/i);
    const body = await ranking(roundId);
    // Every rating question of the questionnaire got its one answer, and nothing else did.
    const ratings = (await t.services.analysis.questionnaire(questionnaireId)).items.filter((i) => i.kind === 'rating');
    const counted = body.items.filter((item: { n: number; cannotJudge: number }) => item.n + item.cannotJudge === 1);
    expect(counted.length).toBe(ratings.length);
  });

  it('a ranking request never counts: it reports what the counter has not reached', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    await submit(roundId, 'counted-before');
    await t.services.analysisCounter.settled();
    // A submission the counter was not told about (another process died before its pass, or a bulk load).
    await t.services.analysisCounter.stop();
    const uncountedId = await submit(roundId, 'not-counted-yet');
    const body = await ranking(roundId);
    expect(body.uncounted).toBe(1);
    expect(b01(body).n + b01(body).cannotJudge).toBe(1);
    expect(await t.ctx.db('analysis_counted_responses').where({ response_id: uncountedId })).toHaveLength(0);
    const { agent } = await loginAs(t, 'researcher');
    const page = await agent.get(`/analysis/rounds/${roundId}`).set('cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('1 submitted response is still being counted');

    // The sweep (every minute in a server) finds it.
    const errors: unknown[] = [];
    await new AnalysisCounter(t.services.analysis, { delayMs: 0, onError: (e) => errors.push(e) }).sweep();
    expect(errors).toEqual([]);
    const after = await ranking(roundId);
    expect(after.uncounted).toBe(0);
    expect(b01(after).n + b01(after).cannotJudge).toBe(2);
  });
});

describe('counting from two processes at once', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('counts every response exactly once when two connection pools count the same round concurrently', async () => {
    const { questionnaireId } = await ensureBaseContent(t.ctx);
    const roundId = await createRound(t.ctx, questionnaireId);
    const items = await t.ctx.db('questionnaire_items').where({ questionnaire_id: questionnaireId, kind: 'rating' }).select('id');
    const now = new Date().toISOString();
    const responses = 600;
    for (let start = 0; start < responses; start += 100) {
      const invitations = [];
      for (let i = start; i < start + 100; i++) invitations.push((await createInvitation(t.ctx, roundId, { status: 'submitted' })).id);
      const rows = await t.ctx
        .db('responses')
        .insert(invitations.map((invitationId) => ({ round_id: roundId, invitation_id: invitationId, status: 'submitted', language: 'kk', started_at: now, updated_at: now, submitted_at: now })))
        .returning('id');
      const ids = rows.map((r: { id: number } | number) => Number(typeof r === 'object' ? r.id : r));
      await t.ctx.db.batchInsert(
        'answers',
        ids.flatMap((responseId, k) => items.map((item: { id: number }, j: number) => ({ response_id: responseId, item_id: item.id, round_id: roundId, value: ((k + j) % 5) + 1, cannot_judge: false }))),
        500,
      );
    }
    // On PostgreSQL two pools stand for two processes (SQLite serves one process); small chunks make the passes interleave.
    const other = testDbEngine === 'postgres' ? createDb(t.ctx.config.database) : t.ctx.db;
    try {
      const a = new AnalysisRepository(t.ctx.db);
      const b = new AnalysisRepository(other);
      const roles = roleItems(await t.services.analysis.questionnaire(questionnaireId), await t.services.territories.list());
      await Promise.all([a.countPending(roundId, roles, t.ctx.db, 37), b.countPending(roundId, roles, other, 53), a.countPending(roundId, roles, t.ctx.db, 41), b.countPending(roundId, roles, other, 29)]);
    } finally {
      if (other !== t.ctx.db) await other.destroy();
    }
    expect(Number((await t.ctx.db('analysis_counted_responses').where({ round_id: roundId }).count({ n: '*' }))[0]!.n)).toBe(responses);
    const cells = await t.ctx.db('analysis_item_cells').where({ round_id: roundId }).select('item_id').sum({ answers: 'answers' }).groupBy('item_id');
    expect(cells).toHaveLength(items.length);
    for (const c of cells) expect(Number(c.answers)).toBe(responses);
    const ranking = await t.services.analysis.ranking(roundId);
    expect(ranking.respondents).toBe(responses);
    expect(ranking.uncounted).toBe(0);
  }, 120_000);
});
