import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, apiTokenFor, type TestApp } from '../../helpers/app';
import { createInvitation, createRound, ensureBaseContent, someTerritoryCode } from '../responses/fixtures';

/**
 * Regression (issue 10): a questionnaire on a 0-10 scale was accepted and answered, then its
 * ratings 0, 7, 10 and 3 came back as n = 1, one "cannot judge", mean 3: the value 0 stood for
 * "cannot judge" and the analysis knew only 1..5. Now "cannot judge" is a flag and the
 * analysis uses the declared scale.
 */
const labels = Object.fromEntries(Array.from({ length: 11 }, (_, v) => [String(v), { kk: `${v} балл`, ru: `${v} баллов`, en: `${v} points` }]));

describe('a round on a 0-10 scale', () => {
  let t: TestApp;
  let roundId: number;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    await ensureBaseContent(t.ctx);
    const saved = await t.services.questionnaires.importDefinition(
      {
        code: 'NPS-0-10',
        title: { kk: 'Он балдық шкала', ru: 'Шкала от 0 до 10', en: 'A 0-10 scale' },
        scale: { min: 0, max: 10, labels, notApplicable: { kk: 'Бағалай алмаймын', ru: 'Затрудняюсь ответить', en: 'Cannot judge' } },
        categories: [{ code: 'C1', title: { kk: 'Кедергілер', ru: 'Барьеры', en: 'Barriers' } }],
        items: [
          { code: 'Q1', category: 'C1', text: { kk: 'Қаржы', ru: 'Финансы', en: 'Finance' } },
          { code: 'Q2', category: 'C1', text: { kk: 'Кадрлар', ru: 'Кадры', en: 'Staff' } },
        ],
        profile: [],
      },
      null,
    );
    roundId = await createRound(t.ctx, saved.id);
    // Q1 is rated 0, 7, 10 and 3 through the respondent pages; Q2 gets one "cannot judge".
    for (const [q1, q2] of [['0', '5'], ['7', '5'], ['10', 'na'], ['3', '6']] as const) {
      const invitation = await createInvitation(t.ctx, roundId);
      const agent = request.agent(t.app);
      await agent.get(`/r/${invitation.token}`);
      const start = await agent.get('/respond');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(start.text)![1]!;
      const page = await agent.get('/respond/page/C1');
      expect(page.text).toContain('value="0"'); // the 0 point is offered as a rating
      const saved = await agent.post('/respond/page/C1').type('form').send({ _csrf: csrf, nav: 'next', 'answers[Q1]': q1, 'answers[Q2]': q2 });
      expect(saved.status).toBe(303);
      const submit = await agent.post('/respond/submit').type('form').send({ _csrf: csrf, idempotencyKey: `scale-0-10-${invitation.id}` });
      expect(submit.status).toBe(303);
    }
    await t.services.analysisCounter.settled();
  });
  afterAll(async () => t.close());

  it('stores 0 as a rating and "cannot judge" as a flag', async () => {
    const rows = await t.ctx.db('answers as a').join('questionnaire_items as i', 'i.id', 'a.item_id').where('a.round_id', roundId).select('i.code', 'a.value', 'a.cannot_judge');
    const q1 = rows.filter((r) => r.code === 'Q1');
    expect(q1.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual([0, 3, 7, 10]);
    expect(q1.every((r) => !r.cannot_judge)).toBe(true);
    const q2na = rows.filter((r) => r.code === 'Q2' && Boolean(r.cannot_judge));
    expect(q2na).toHaveLength(1);
    expect(q2na[0].value).toBeNull();
  });

  it('ranks on the declared scale: n 4, mean 5, median 5, top-box = 9 or 10', async () => {
    const r = await t.services.analysis.ranking(roundId);
    expect(r.scale.points).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const q1 = r.items.find((i) => i.code === 'Q1')!;
    expect(q1.n).toBe(4);
    expect(q1.cannotJudge).toBe(0);
    expect(q1.mean).toBeCloseTo(5, 12);
    expect(q1.median).toBe(5);
    expect(q1.top2).toBeCloseTo(0.25, 12);
    expect(q1.counts).toEqual([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    const q2 = r.items.find((i) => i.code === 'Q2')!;
    expect(q2).toMatchObject({ n: 3, cannotJudge: 1 });
    expect(q2.mean).toBeCloseTo(16 / 3, 12);
    expect(r.items.map((i) => i.code)).toEqual(['Q2', 'Q1']); // 5.33 > 5
  });

  it('shows the eleven points on the ranking page and in the API', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const api = await request(t.app).get(`/api/v1/rounds/${roundId}/ranking`).set('authorization', `Bearer ${token}`);
    expect(api.status).toBe(200);
    const q1 = api.body.items.find((i: { code: string }) => i.code === 'Q1');
    expect(q1).toMatchObject({ n: 4, cannotJudge: 0, mean: 5 });
  });
});
