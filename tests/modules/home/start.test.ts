import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfOf, loginAs, type TestApp } from '../../helpers/app';
import { createInvitation, createRound } from '../responses/fixtures';

describe('start page per role', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
  });
  afterAll(async () => t.close());

  it('sign-in without a page asked for lands on /start, not the public home page', async () => {
    const user = await createUser(t.ctx, 'expert');
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: user.password });
    expect(res.headers.location).toBe('/start');
    const page = await agent.get('/start').set('Cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('My expert panels');
    expect(page.text).toContain('You are not on any expert panel yet.');
  });

  it('shows an administrator the rounds with their responses and what needs attention', async () => {
    const admin = await loginAs(t, 'admin');
    const questionnaireId = Number((await t.ctx.db('questionnaires').first()).id);
    await t.services.rounds.create({ title: 'Draft round', questionnaireId, audience: 'invitation', opensAt: null, closesAt: null, targetTotal: 40, targets: [] }, admin.user.id);
    const page = await admin.agent.get('/start').set('Cookie', 'kedergi_lang=ru');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Требует внимания');
    expect(page.text).toMatch(/Draft round \(en\)<\/a>: черновик, ещё не открыт/);
    expect(page.text).toContain('0% от цели в 40 анкет');
  });

  it("shows an administrator each round's responses per day over the last 30 days, in Almaty days", async () => {
    const admin = await loginAs(t, 'admin');
    const questionnaireId = Number((await t.ctx.db('questionnaires').first()).id);
    const roundId = await createRound(t.ctx, questionnaireId, { title: 'Autumn wave 2026' });
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    // Three today (Almaty), one two days ago, one 40 days ago (outside the window).
    for (const ago of [60_000, 120_000, 180_000, 2 * 86_400_000, 40 * 86_400_000]) {
      const invitation = await createInvitation(t.ctx, roundId, { status: 'submitted' });
      await t.ctx.db('responses').insert({ round_id: roundId, invitation_id: invitation.id, status: 'submitted', language: 'kk', started_at: at(ago), updated_at: at(ago), submitted_at: at(ago) });
    }
    const over = await t.services.monitoring.responsesOverTime([roundId], 30, new Date(now));
    expect(over.days).toHaveLength(30);
    expect(over.days[29]).toBe(new Date(now + 5 * 3600_000).toISOString().slice(0, 10));
    const counts = over.series[0]!.counts;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(counts[29]! + counts[28]!).toBeGreaterThanOrEqual(3); // "a minute ago" may fall before Almaty midnight

    const page = await admin.agent.get('/start').set('Cookie', 'kedergi_lang=en');
    expect(page.text).toContain('Responses over time');
    expect(page.text).toMatch(/<svg[^>]*role="img"/);
    expect(page.text).toContain('Autumn wave 2026: 4 responses');
  });

  it('shows a researcher the latest analyses, and refuses anonymous visitors', async () => {
    const researcher = await loginAs(t, 'researcher');
    const page = await researcher.agent.get('/start').set('Cookie', 'kedergi_lang=kk');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Соңғы талдаулар');
    expect((await request(t.app).get('/start')).status).toBe(303);
  });
});
