import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReturningId, nowIso } from '../../src/db/dialect';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { badRating, wrongValue } from '../helpers/arbitraries';
import { LANGS, badText, expectFormRefused, formValue, runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, sessionActor, sessionActorFor, type Actor } from '../helpers/security';

/** Bad input on the panel administration forms and the experts' scoring form. */
describe('bad input: expert panels and scores', () => {
  let t: TestApp;
  let admin: Actor;
  let expert: Actor;
  let panelId: number;
  let roundId: number;
  let enterpriseId: number;
  let factor: string;
  let parameter: string;
  let adminUserId: number;
  const PANEL_TABLES = ['panels', 'panel_members', 'panel_enterprises', 'panel_barriers', 'delphi_rounds'];
  const SCORE_TABLES = ['expert_scores', 'enterprise_scores'];
  const tally = new InputTally();

  const post = (actor: Actor, url: string, body: Record<string, unknown>, lang = 'kk') =>
    request(t.app).post(url).set('Cookie', `${actor.cookie}; kedergi_lang=${lang}`).type('form').send({ ...body, _csrf: actor.csrf });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await sessionActor(t, 'admin');
    adminUserId = admin.user!.id;
    const user = await createUser(t.ctx, 'expert');
    expert = await sessionActorFor(t.app, user, 'expert');
    const q = await t.ctx.db('questionnaires').first();
    const now = nowIso();
    const surveyRound = await insertReturningId(t.ctx.db, 'rounds', { title: 'Survey', questionnaire_id: q.id, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
    const created = await post(admin, '/admin/panels', { name: 'Панель', surveyRoundId: String(surveyRound) });
    panelId = Number(/\/admin\/panels\/(\d+)/.exec(created.headers.location!)![1]);
    expect((await post(admin, `/admin/panels/${panelId}/members`, { userId: String(user.id) })).status).toBe(303);
    expect((await post(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: 'ЖШС Алтай' })).status).toBe(303);
    expect((await post(admin, `/admin/panels/${panelId}/rounds/open-first`, {})).status).toBe(303);
    roundId = (await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).first()).id;
    enterpriseId = (await t.ctx.db('panel_enterprises').where({ panel_id: panelId }).first()).id;
    factor = (await t.ctx.db('expert_factors').where({ kind: 'swot' }).orderBy('position').first()).code;
    parameter = (await t.ctx.db('expert_factors').where({ kind: 'enterprise' }).orderBy('position').first()).code;
  });
  afterAll(async () => {
    console.log(tally.summary('experts'));
    await t?.close();
  });

  it('panel administration: bad names, ids, members, enterprises and barriers are refused and change nothing', async () => {
    const action = fc.oneof(
      fc.tuple(fc.constantFrom('', '/x'), badText(200)).map(([p, name]) => ({ url: `/admin/panels${p === '' ? '' : `/${panelId}`}`, body: { name } })),
      fc.constantFrom('abc', '-1', '999999', '2147483648', '1.5').map((surveyRoundId) => ({ url: `/admin/panels/${panelId}`, body: { name: 'Ok', surveyRoundId } })),
      fc.tuple(fc.constantFrom('created_by', 'id', 'members'), wrongValue).map(([k, v]) => ({ url: '/admin/panels', body: { name: 'Ok', [k]: formValue(v) } })),
      fc.constantFrom('abc', '0', '999999', '2147483648', String(-1)).map((userId) => ({ url: `/admin/panels/${panelId}/members`, body: { userId } })),
      fc.constant(null).map(() => ({ url: `/admin/panels/${panelId}/members`, body: { userId: String(adminUserId) } })),
      badText(200).map((enterpriseName) => ({ url: `/admin/panels/${panelId}/enterprises`, body: { enterpriseName } })),
      fc.constant({ url: `/admin/panels/${panelId}/enterprises`, body: { enterpriseName: 'ЖШС Алтай' } }),
      fc.tuple(fc.constantFrom('NOPE', '', 'B01\u0000', 'x'.repeat(61)), fc.constantFrom('W', 'S', 'x', ''), fc.constantFrom('', '0', '6', 'abc', '2.5')).map(([itemCode, quadrant, weight]) => ({
        url: `/admin/panels/${panelId}/barriers`,
        body: { itemCode, quadrant, weight },
      })),
    );
    await fc.assert(
      fc.asyncProperty(action, fc.constantFrom(...LANGS), async ({ url, body }, lang) => {
        tally.add('panel forms');
        const before = await fingerprint(t.ctx.db, PANEL_TABLES);
        const res = await post(admin, url, body, lang);
        expectFormRefused(res, lang, [400, 404, 409]);
        expect(changedTables(before, await fingerprint(t.ctx.db, PANEL_TABLES))).toEqual([]);
      }),
      { numRuns: runs(50), seed: 7601, endOnFailure: true },
    );
  });

  it('scoring form: out-of-range and non-numeric scores, keeping what was never given, unknown factors and enterprises, other rounds and extra fields store nothing', async () => {
    const strictBad = badRating.filter((v) => v.trim() !== '' && !/^\s*[1-5]\s*$/.test(v));
    const body = fc.oneof(
      fc.tuple(strictBad, fc.constantFrom('weight', 'strength')).map(([v, k]) => ({ roundId: String(roundId), scores: { [factor]: { weight: '3', strength: '3', [k]: v } } })),
      // Half a pair is saved as unfinished (tests/modules/experts/sections.test.ts); keeping a score
      // the expert never gave, a section the factor is not in, or a made-up section is refused.
      fc.constantFrom('1', 'yes').map((keep) => ({ roundId: String(roundId), scores: { [factor]: { keep } } })),
      fc.constantFrom('1', 'on').map((keepSection) => ({ roundId: String(roundId), section: 'swot-S', keepSection })),
      fc.constantFrom('swot-W', 'pest-P', 'enterprises', 'swot-X', '').map((section) => ({ roundId: String(roundId), section, scores: { [factor]: { weight: '3', strength: '3' } } })),
      fc.constantFrom('ZZ9', '', '<b>', 'S1 ', 'x'.repeat(13)).map((code) => ({ roundId: String(roundId), scores: { [code]: { weight: '3', strength: '3' } } })),
      strictBad.map((v) => ({ roundId: String(roundId), ent: { [`x${enterpriseId}`]: { [parameter]: v } } })),
      fc.constantFrom('x999999', 'y1', `x${enterpriseId}x`, '1').map((k) => ({ roundId: String(roundId), ent: { [k]: { [parameter]: '3' } } })),
      fc.constantFrom('abc', '0', String(roundId + 1000), '2147483648', '').map((r) => ({ roundId: r, scores: { [factor]: { weight: '3', strength: '3' } } })),
      fc.tuple(fc.constantFrom('expert_id', 'panelId', 'status', 'round'), wrongValue).map(([k, v]) => ({ roundId: String(roundId), scores: { [factor]: { weight: '3', strength: '3' } }, [k]: formValue(v) })),
      fc.integer({ min: 2001, max: 5000 }).map((n) => ({ roundId: String(roundId), scores: { [factor]: { weight: '3', strength: '3', reason: 'ә'.repeat(n) } } })),
      fc.constant({ roundId: String(roundId), scores: { [factor]: { weight: '3', strength: '3', reason: 'a\u0000b' } } }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...LANGS), async (b, lang) => {
        tally.add('scoring form');
        const before = await fingerprint(t.ctx.db, SCORE_TABLES);
        const res = await post(expert, `/expert/panels/${panelId}`, b, lang);
        expectFormRefused(res, lang, [400, 409]);
        expect(changedTables(before, await fingerprint(t.ctx.db, SCORE_TABLES))).toEqual([]);
      }),
      { numRuns: runs(60), seed: 7602, endOnFailure: true },
    );
    // Positive control: a valid pair is stored.
    const ok = await post(expert, `/expert/panels/${panelId}`, { roundId: String(roundId), scores: { [factor]: { weight: '4', strength: '2', reason: 'Өте маңызды 👍' } } });
    expect(ok.status).toBe(303);
    expect(await t.ctx.db('expert_scores').where({ round_id: roundId }).first()).toMatchObject({ reason: 'Өте маңызды 👍' });
  });
});
