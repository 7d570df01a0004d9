import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';
import { FACTORS, adminPost, createPanel, openRoundIdOf } from './fixtures';

/**
 * The scoring form section by section (issue 15): S, W, O, T, then P, E, S, T, then the
 * enterprises, each saved on its own with progress shown; a factor with one score of two is
 * saved and marked instead of refusing the section; in round 2 nothing is filled in from round 1
 * and a previous score counts only when the expert keeps it (per factor or for the section).
 */
describe(`expert form by section (${testDbEngine})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  let expert: LoggedIn;
  let panelId: number;
  const inSection = (q: string, kind = 'swot') => FACTORS.filter((f) => f.kind === kind && f.grp === q).map((f) => f.code);
  const strengths = inSection('S');
  const weaknesses = inSection('W');
  const send = (body: Record<string, unknown>) => expert.agent.post(`/expert/panels/${panelId}`).type('form').send({ _csrf: expert.csrf, ...body });
  const stored = async (roundId: number) =>
    new Map(
      (await t.ctx.db('expert_scores').join('expert_factors', 'expert_factors.id', 'expert_scores.factor_id').where({ round_id: roundId, expert_id: expert.user.id }).select('code', 'weight', 'strength')).map(
        (r) => [r.code as string, [Number(r.weight), Number(r.strength)]],
      ),
    );

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    [admin, expert] = await Promise.all([loginAs(t, 'admin'), loginAs(t, 'expert')]);
    panelId = await createPanel(admin, 'Sections panel');
    await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: expert.user.id });
    await adminPost(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: 'Altai LLP' });
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`);
  });
  afterAll(async () => t.close());

  it('shows one section at a time, with every section and its progress listed', async () => {
    const page = await expert.agent.get(`/expert/panels/${panelId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="section" value="swot-S"');
    for (const code of strengths) expect(page.text).toContain(`id="f-${code}"`);
    expect(page.text).not.toContain(`id="f-${weaknesses[0]}"`);
    for (const id of ['swot-S', 'swot-W', 'swot-O', 'swot-T', 'pest-P', 'pest-E', 'pest-S', 'pest-T', 'enterprises']) expect(page.text).toContain(`?section=${id}"`);
    expect(page.text).toMatch(/aria-current="step"/);
    expect(page.text).toContain(`${strengths.length} ішінен 0 сақталды`);
    // Without "keep", round 1 offers nothing to keep.
    expect(page.text).not.toContain('keepSection');
  });

  it('saves a section and goes on to the next; an unfinished factor is saved and marked, not refusing the section', async () => {
    const roundId = await openRoundIdOf(expert.agent, panelId);
    const scores: Record<string, unknown> = Object.fromEntries(strengths.map((c, i) => [c, { weight: String((i % 5) + 1), strength: '3' }]));
    const res = await send({ roundId, section: 'swot-S', scores });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/expert/panels/${panelId}?section=swot-W&saved=swot-S`);
    expect((await stored(roundId)).size).toBe(strengths.length);

    // W: one factor with a weight only. The others are saved; it is kept as unfinished, not counted.
    const [half, ...rest] = weaknesses;
    const w: Record<string, unknown> = Object.fromEntries(rest.map((c) => [c, { weight: '2', strength: '4' }]));
    w[half!] = { weight: '5', strength: '' };
    const partial = await send({ roundId, section: 'swot-W', scores: w });
    expect(partial.status).toBe(303);
    expect(partial.headers.location).toBe(`/expert/panels/${panelId}?section=swot-W&saved=swot-W&incomplete=1`);
    const after = await stored(roundId);
    expect(after.size).toBe(strengths.length + rest.length);
    expect(after.has(half!)).toBe(false);
    expect(await t.ctx.db('expert_score_drafts').where({ round_id: roundId, expert_id: expert.user.id })).toHaveLength(1);
    const page = await expert.agent.get(partial.headers.location);
    expect(page.text).toContain('тек бір бағасы бар'); // the notice, in Kazakh
    const fieldset = page.text.slice(page.text.indexOf(`id="f-${half}"`) - 80, page.text.indexOf(`id="f-${rest[0]}"`));
    expect(fieldset).toContain('experts-incomplete');
    expect(fieldset).toMatch(new RegExp(`id="f-${half}-w-5"[^>]*checked`));
    expect(page.text).toMatch(/1 фактор аяқталмаған/);

    // Completing it turns the draft into a score.
    const done = await send({ roundId, section: 'swot-W', scores: { [half!]: { weight: '5', strength: '1' } } });
    expect(done.status).toBe(303);
    expect((await stored(roundId)).get(half!)).toEqual([5, 1]);
    expect(await t.ctx.db('expert_score_drafts').where({ round_id: roundId, expert_id: expert.user.id })).toHaveLength(0);
  });

  it("refuses a factor from another section, and a bad value stores nothing of the section", async () => {
    const roundId = await openRoundIdOf(expert.agent, panelId);
    const before = await stored(roundId);
    const other = await send({ roundId, section: 'swot-O', scores: { [strengths[0]!]: { weight: '1', strength: '1' } } });
    expect(other.status).toBe(400);
    const opportunities = inSection('O');
    const bad = await send({ roundId, section: 'swot-O', scores: { [opportunities[0]!]: { weight: '2', strength: '2' }, [opportunities[1]!]: { weight: '9', strength: '2' } } });
    expect(bad.status).toBe(400);
    // The section is shown again with the error named by the factor and its scale, linked to the radio.
    expect(bad.text).toContain('name="section" value="swot-O"');
    expect(bad.text).toMatch(new RegExp(`<a href="#f-${opportunities[1]}-w-1">${opportunities[1]} [^<]+ — Салмағы: `));
    expect(await stored(roundId)).toEqual(before);
  });

  it('in round 2 nothing is filled in; a previous score counts only when kept, per factor or for the section', async () => {
    await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-next`);
    const roundId = await openRoundIdOf(expert.agent, panelId);
    const page = await expert.agent.get(`/expert/panels/${panelId}?section=swot-S`);
    expect(page.text).not.toMatch(/id="f-S\d+-[ws]-\d"[^>]*checked/);
    expect(page.text).toContain('name="keepSection" value="1"');
    // The previous score and the panel's median and quartile range stand beside each factor.
    expect(page.text).toContain('Салмағы: медиана');

    // Keep one factor explicitly, answer another anew, leave the rest: only those two count.
    const [kept, changed] = strengths;
    const res = await send({ roundId, section: 'swot-S', scores: { [kept!]: { keep: '1' }, [changed!]: { weight: '4', strength: '4' } } });
    expect(res.status).toBe(303);
    let now = await stored(roundId);
    expect(now.get(kept!)).toEqual([1, 3]); // its round-1 pair, read on the server
    expect(now.get(changed!)).toEqual([4, 4]);
    expect(now.size).toBe(2);

    // "Keep my previous scores" for section W: its unanswered factors take their round-1 pairs;
    // the one answered now keeps the new answer; other sections are untouched.
    const [answered] = weaknesses;
    const keepAll = await send({ roundId, section: 'swot-W', keepSection: '1', scores: { [answered!]: { weight: '1', strength: '1' } } });
    expect(keepAll.status).toBe(303);
    now = await stored(roundId);
    expect(now.get(answered!)).toEqual([1, 1]);
    for (const code of weaknesses.slice(1)) expect(now.get(code)).toEqual([2, 4]);
    expect(now.size).toBe(2 + weaknesses.length);
    expect(inSection('O').some((c) => now.has(c))).toBe(false);
  });
});
