import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realCast } from '../../../src/db/dialect';
import {
  DEMO_CLOSED_ROUND_TITLE,
  DEMO_OPEN_ROUND_TITLE,
  demoRoundOptions,
  planDemoRound,
  publishedMeans,
  seedDemoResponses,
} from '../../../src/modules/responses/responses.demo';
import { createTestApp, type TestApp } from '../../helpers/app';
import { storedProfile } from '../../helpers/profile';

describe('demo responses', () => {
  let t: TestApp;
  let openId: number;
  let closedId: number;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    // How long a first start takes (demo data included) is measured by `npm run bench -- --only=startup`.
    await seedDemoResponses(t.ctx, t.services);
    openId = Number((await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first()).id);
    closedId = Number((await t.ctx.db('rounds').where({ title: DEMO_CLOSED_ROUND_TITLE }).first()).id);
  });
  afterAll(async () => t.close());

  const itemMeans = async (roundId: number) => {
    const rows = await t.ctx.db('answers as a')
      .join('questionnaire_items as i', 'i.id', 'a.item_id')
      .join('responses as r', 'r.id', 'a.response_id')
      .where({ 'a.round_id': roundId, 'r.status': 'submitted' })
      .whereNotNull('a.value')
      .groupBy('i.code')
      .select('i.code', t.ctx.db.raw(`AVG(${realCast(t.ctx.db, 'a.value')}) as mean`));
    return Object.fromEntries(rows.map((r: { code: string; mean: unknown }) => [r.code, Number(r.mean)])) as Record<string, number>;
  };
  const count = async (query: ReturnType<TestApp['ctx']['db']>) => Number((await query.count({ n: '*' }).first())?.n);
  /** Submitted answers of the round to the profile question with `role`. */
  const roleAnswers = (roundId: number, role: string) =>
    t.ctx.db('answers as a')
      .join('questionnaire_items as i', 'i.id', 'a.item_id')
      .join('responses as r', 'r.id', 'a.response_id')
      .where({ 'a.round_id': roundId, 'r.status': 'submitted', 'i.role': role });

  it('opens a round with about 300 submitted responses across all 19 territories, some in progress and 60 unanswered', async () => {
    const round = await t.ctx.db('rounds').where({ id: openId }).first();
    expect(round.status).toBe('open');
    expect(round.audience).toBe('invitation');
    expect(Date.parse(round.closes_at)).toBeGreaterThan(Date.now());
    expect(await count(t.ctx.db('responses').where({ round_id: openId, status: 'submitted' }))).toBe(300);
    expect(await count(t.ctx.db('responses').where({ round_id: openId, status: 'in_progress' }))).toBeGreaterThanOrEqual(5);
    expect(await count(t.ctx.db('invitations').where({ round_id: openId }).whereIn('status', ['pending', 'opened']))).toBe(60);
    expect(await count(t.ctx.db('invitations').where({ round_id: openId, status: 'submitted' }))).toBe(300);
    const territories = await roleAnswers(openId, 'territory').distinct('a.choice');
    expect(territories).toHaveLength(19);
    const names = await t.ctx.db('invitations').where({ round_id: openId, status: 'pending' }).pluck('enterprise_name');
    expect(names.every((n: string) => n.length > 3)).toBe(true);
  });

  it('puts B01-B05 near the published means, with B01 at the top, and other items in a plausible band', async () => {
    // Published: seed dissertation on SME innovation, table 13 (n = 32); 300 draws give a standard error near 0.05.
    const published = publishedMeans();
    const means = await itemMeans(openId);
    for (const [code, mean] of Object.entries(published)) expect(Math.abs(means[code]! - mean)).toBeLessThan(0.15);
    const ranked = Object.entries(means).sort((a, b) => b[1] - a[1]).map(([code]) => code);
    expect(ranked.indexOf('B01')).toBeLessThanOrEqual(1);
    for (const [code, mean] of Object.entries(means)) {
      if (!(code in published)) {
        expect(mean).toBeGreaterThan(2.4);
        expect(mean).toBeLessThan(4.3);
      }
    }
    expect(Object.keys(means)).toHaveLength(22);
  });

  it('has some "cannot judge", some comments, and an innovation share (Lact) between 10 and 20 %', async () => {
    const submitted = t.ctx.db('responses').where({ round_id: openId, status: 'submitted' }).select('id');
    const ratings = t.ctx.db('questionnaire_items').where({ kind: 'rating' }).select('id');
    const total = await count(t.ctx.db('answers').whereIn('response_id', submitted).whereIn('item_id', ratings));
    const cannot = await count(t.ctx.db('answers').whereIn('response_id', submitted).where('cannot_judge', true).whereNull('value'));
    expect(cannot / total).toBeGreaterThan(0.03);
    expect(cannot / total).toBeLessThan(0.05);
    expect(await count(t.ctx.db('answers').where({ round_id: openId }).whereNotNull('comment'))).toBeGreaterThan(5);
    const innovated = await count(roleAnswers(openId, 'innovated').whereNot('a.choice', 'none'));
    const answered = await count(roleAnswers(openId, 'innovated'));
    expect(innovated / answered).toBeGreaterThan(0.1);
    expect(innovated / answered).toBeLessThan(0.2);
    const first = await t.ctx.db('responses').where({ round_id: openId, status: 'submitted' }).first();
    expect(Object.keys(await storedProfile(t.ctx.db, first.id))).toEqual(expect.arrayContaining(['territory', 'sector', 'size']));
  });

  it('closes an earlier round with about 120 responses whose means differ a little', async () => {
    const round = await t.ctx.db('rounds').where({ id: closedId }).first();
    expect(round.status).toBe('closed');
    expect(Date.parse(round.closes_at)).toBeLessThan(Date.now());
    expect(await count(t.ctx.db('responses').where({ round_id: closedId, status: 'submitted' }))).toBe(120);
    const before = await itemMeans(closedId);
    const now = await itemMeans(openId);
    const diffs = Object.keys(now).map((code) => Math.abs(now[code]! - before[code]!));
    const meanDiff = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    expect(meanDiff).toBeGreaterThan(0.05);
    expect(meanDiff).toBeLessThan(0.5);
  });

  it('is idempotent and deterministic', async () => {
    const rounds = await count(t.ctx.db('rounds'));
    await seedDemoResponses(t.ctx, t.services);
    expect(await count(t.ctx.db('rounds'))).toBe(rounds);

    const territories = await t.services.territories.listLeaves();
    const form = (await t.services.questionnaires.respondentForm(Number(round0().questionnaire_id), async () => territories))!;
    const now = new Date('2026-11-22T10:00:00Z');
    const strip = (plan: ReturnType<typeof planDemoRound>) => plan.invitations.map(({ tokenHash: _t, ...rest }) => rest);
    const [a, b] = [0, 1].map(() => planDemoRound(form, territories, demoRoundOptions(form, now)[0]!));
    expect(strip(a!)).toEqual(strip(b!));
    expect(a!.invitations[0]!.tokenHash).not.toBe(b!.invitations[0]!.tokenHash);
  });

  let cachedRound: Record<string, unknown> | undefined;
  const round0 = () => cachedRound!;
  beforeAll(async () => {
    cachedRound = await t.ctx.db('rounds').where({ title: DEMO_OPEN_ROUND_TITLE }).first();
  });
});
