import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfOf, loginAs, type TestApp } from '../../helpers/app';

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
    expect(page.text).toMatch(/Draft round<\/a>: черновик, ещё не открыт/);
    expect(page.text).toContain('0% от цели в 40 анкет');
  });

  it('shows a researcher the latest analyses, and refuses anonymous visitors', async () => {
    const researcher = await loginAs(t, 'researcher');
    const page = await researcher.agent.get('/start').set('Cookie', 'kedergi_lang=kk');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Соңғы талдаулар');
    expect((await request(t.app).get('/start')).status).toBe(303);
  });
});
