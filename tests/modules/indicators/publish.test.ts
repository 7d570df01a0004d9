import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReturningId } from '../../../src/db/dialect';
import { createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { innovation, insertProfileAnswers, profileItemsOf } from '../../helpers/profile';

/** A closed round with hand-made responses, so the expected indicators are computed independently here. */
async function makeRound(t: TestApp) {
  const db = t.ctx.db;
  const questionnaire = await db('questionnaires').first();
  const items = await db('questionnaire_items').where({ questionnaire_id: questionnaire.id, kind: 'rating' }).orderBy('position');
  const profile = await profileItemsOf(db, questionnaire.id);
  const categories = await db('questionnaire_categories').where({ questionnaire_id: questionnaire.id });
  const [oskemen, semey] = await Promise.all([db('territories').where({ code: 'oskemen-city' }).first(), db('territories').where({ code: 'semey-city' }).first()]);
  const now = new Date().toISOString();
  const roundId = await insertReturningId(db, 'rounds', {
    title: 'Test round 2025',
    questionnaire_id: questionnaire.id,
    status: 'closed',
    audience: 'invitation',
    opens_at: '2025-03-01T00:00:00.000Z',
    closes_at: '2025-04-30T00:00:00.000Z',
    created_at: now,
    updated_at: now,
  });
  // respondent -> territory, innovated, submitted?, answers by item position (null = cannot judge)
  const respondents = [
    { territory: oskemen, innovated: true, submitted: true, values: [5, 4, 3, null] },
    { territory: oskemen, innovated: false, submitted: true, values: [2, 4, 1, 5] },
    { territory: oskemen, innovated: null, submitted: true, values: [4, 1, 1, 2] },
    { territory: semey, innovated: true, submitted: true, values: [1, 2, 3, 4] },
    // In progress: must not count anywhere.
    { territory: semey, innovated: true, submitted: false, values: [5, 5, 5, 5] },
  ];
  for (const [k, r] of respondents.entries()) {
    const invitationId = await insertReturningId(db, 'invitations', {
      round_id: roundId,
      token_hash: crypto.randomBytes(32).toString('hex'),
      source: 'list',
      enterprise_name: `E${k}`,
      status: r.submitted ? 'submitted' : 'in_progress',
      created_at: now,
    });
    const responseId = await insertReturningId(db, 'responses', {
      round_id: roundId,
      invitation_id: invitationId,
      status: r.submitted ? 'submitted' : 'in_progress',
      language: 'kk',
      started_at: now,
      updated_at: now,
      submitted_at: r.submitted ? now : null,
    });
    await insertProfileAnswers(db, profile, responseId, roundId, { territory: r.territory.code, innovated: innovation(r.innovated) });
    for (const [i, value] of r.values.entries()) {
      await db('answers').insert({ response_id: responseId, item_id: items[i].id, round_id: roundId, value, cannot_judge: value === null });
    }
  }
  return { roundId, items, categories, oskemen, semey };
}

/** The first submitted response of the round whose territory answer is `code`. */
async function firstResponseIn(t: TestApp, roundId: number, code: string) {
  return t.ctx.db('responses as r')
    .join('answers as a', 'a.response_id', 'r.id')
    .join('questionnaire_items as i', 'i.id', 'a.item_id')
    .where({ 'r.round_id': roundId, 'r.status': 'submitted', 'i.role': 'territory', 'a.choice': code })
    .orderBy('r.id')
    .first('r.id');
}

async function valuesOf(t: TestApp, roundId: number) {
  const rows = await t.ctx.db('indicator_values as v').join('indicators as i', 'i.id', 'v.indicator_id').where('i.round_id', roundId).select('i.code', 'v.territory_id', 'v.period', 'v.value');
  return new Map(rows.map((r) => [`${r.code}@${r.territory_id}`, { value: Number(r.value), period: String(r.period) }]));
}

describe('survey-derived indicators', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
  });
  afterAll(async () => t.close());

  it('publishes per-territory means, category means, top-2 shares, Lact and N from submitted responses only (hand-computed)', async () => {
    const { roundId, items, categories, oskemen, semey } = await makeRound(t);
    const summary = await t.services.indicators.publishRound(roundId);
    expect(summary.period).toBe('2025');
    expect(summary.territories).toBe(2);
    const v = await valuesOf(t, roundId);
    const TOL = 1e-9;
    // Oskemen answers (cannot judge excluded): 5,4,3 | 2,4,1,5 | 4,1,1,2 -> 32 / 11
    expect(Math.abs(v.get(`SURVEY_MEAN@${oskemen.id}`)!.value - 32 / 11)).toBeLessThan(TOL);
    expect(Math.abs(v.get(`SURVEY_MEAN@${semey.id}`)!.value - 2.5)).toBeLessThan(TOL);
    expect(v.get(`SURVEY_MEAN@${oskemen.id}`)!.period).toBe('2025');
    // Item 1 in Oskemen: 5, 2, 4 -> two of three are 4 or 5.
    expect(Math.abs(v.get(`TOP2_${items[0].code}@${oskemen.id}`)!.value - 200 / 3)).toBeLessThan(TOL);
    // Item 4 in Oskemen: null, 5, 2 -> one of two.
    expect(Math.abs(v.get(`TOP2_${items[3].code}@${oskemen.id}`)!.value - 50)).toBeLessThan(TOL);
    // Lact: one of the two Oskemen respondents who answered innovated; Semey's submitted one did.
    expect(Math.abs(v.get(`LACT@${oskemen.id}`)!.value - 50)).toBeLessThan(TOL);
    expect(v.get(`LACT@${semey.id}`)!.value).toBe(100);
    expect(v.get(`N_RESP@${oskemen.id}`)!.value).toBe(3);
    expect(v.get(`N_RESP@${semey.id}`)!.value).toBe(1);
    // Category mean: answers to items of the first item's category in Oskemen.
    const cat = categories.find((c: { id: number }) => c.id === items[0].category_id);
    const sameCategory = [0, 1, 2, 3].filter((i) => items[i].category_id === items[0].category_id);
    const oskemenAnswers = [[5, 4, 3, null], [2, 4, 1, 5], [4, 1, 1, 2]].flatMap((vals) => sameCategory.map((i) => vals[i]).filter((x): x is number => x !== null));
    const expected = oskemenAnswers.reduce((s, x) => s + x, 0) / oskemenAnswers.length;
    expect(Math.abs(v.get(`SURVEY_MEAN_${cat.code}@${oskemen.id}`)!.value - expected)).toBeLessThan(TOL);
  });

  it('re-publishing replaces the earlier publication of the same round, nothing duplicated', async () => {
    const { roundId, items, oskemen } = await makeRound(t);
    await t.services.indicators.publishRound(roundId);
    const before = await valuesOf(t, roundId);
    const response = await firstResponseIn(t, roundId, oskemen.code);
    await t.ctx.db('answers').where({ response_id: response.id, item_id: items[0].id }).update({ value: 1 });
    // A submitted answer never changes through the app; after a hand edit the cells are rebuilt (`kedergi analysis rebuild`).
    await t.services.analysis.rebuild(roundId);
    await t.services.indicators.publishRound(roundId);
    const after = await valuesOf(t, roundId);
    expect(after.size).toBe(before.size);
    expect(Math.abs(after.get(`SURVEY_MEAN@${oskemen.id}`)!.value - 28 / 11)).toBeLessThan(1e-9);
    const datasets = await t.ctx.db('indicator_datasets').where({ round_id: roundId });
    expect(datasets).toHaveLength(1);
  });

  it('a derived indicator of a round dataset follows a re-publication (issue 17)', async () => {
    const { roundId, items, oskemen } = await makeRound(t);
    const first = await t.services.indicators.publishRound(roundId);
    const derivedId = await t.services.indicators.createDerived(first.datasetId, {
      code: 'SEVERITY_PCT',
      formula: 'SURVEY_MEAN / 5 * 100',
      name_kk: 'Ауырлық, %',
      name_ru: 'Острота, %',
      name_en: 'Severity, %',
      unit: '%',
      direction: 'destimulant',
    });
    const valueAt = async () => (await t.ctx.db('indicator_values').where({ indicator_id: derivedId, territory_id: oskemen.id }).first()).value;
    // Oskemen's 11 answers sum to 32 before the change (5+4+3 + 2+4+1+5 + 4+1+1+2, from makeRound), 28 after.
    expect(Math.abs(Number(await valueAt()) - (32 / 11 / 5) * 100)).toBeLessThan(1e-9);
    const response = await firstResponseIn(t, roundId, oskemen.code);
    await t.ctx.db('answers').where({ response_id: response.id, item_id: items[0].id }).update({ value: 1 });
    // A submitted answer never changes through the app; after a hand edit the cells are rebuilt (`kedergi analysis rebuild`).
    await t.services.analysis.rebuild(roundId);
    await t.services.indicators.publishRound(roundId);
    expect(Math.abs(Number(await valueAt()) - (28 / 11 / 5) * 100)).toBeLessThan(1e-9);
  });

  it('works inside a caller transaction (closing a round) and rolls back with it', async () => {
    const { roundId } = await makeRound(t);
    await expect(
      t.ctx.db.transaction(async (trx) => {
        await t.services.indicators.publishRound(roundId, trx);
        throw new Error('close failed');
      }),
    ).rejects.toThrow('close failed');
    expect((await valuesOf(t, roundId)).size).toBe(0);
    await t.ctx.db.transaction(async (trx) => {
      await t.services.indicators.publishRound(roundId, trx);
    });
    expect((await valuesOf(t, roundId)).size).toBeGreaterThan(0);
  });

  it('the publish button works for researchers and is refused to experts', async () => {
    const { roundId } = await makeRound(t);
    const expert = await loginAs(t, 'expert');
    expect((await expert.agent.post(`/indicators/rounds/${roundId}/publish`).type('form').send({ _csrf: expert.csrf })).status).toBe(403);
    const { agent, csrf } = await loginAs(t, 'researcher');
    const page = await agent.get('/indicators/rounds');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Test round 2025');
    const res = await agent.post(`/indicators/rounds/${roundId}/publish`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect((await valuesOf(t, roundId)).size).toBeGreaterThan(0);
  });
});
