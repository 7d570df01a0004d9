import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';
import { adminPost, createPanel, openRoundIdOf, postScores, scoresBy } from './fixtures';

/** Object-level authorization: experts reach only their own panels; results are for admins and researchers. */
describe(`expert panels: access (${testDbEngine})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  let member: LoggedIn;
  let outsider: LoggedIn;
  let researcher: LoggedIn;
  let panelA: number;
  let panelB: number;
  let roundA: number;
  let roundB: number;

  const count = async () => Number((await t.ctx.db('expert_scores').count({ c: '*' }).first())!.c);

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    [admin, member, outsider, researcher] = await Promise.all([loginAs(t, 'admin'), loginAs(t, 'expert'), loginAs(t, 'expert'), loginAs(t, 'researcher')]);
    panelA = await createPanel(admin, 'Panel A');
    panelB = await createPanel(admin, 'Panel B');
    await adminPost(admin, `/admin/panels/${panelA}/members`, { userId: member.user.id });
    await adminPost(admin, `/admin/panels/${panelB}/members`, { userId: outsider.user.id });
    await adminPost(admin, `/admin/panels/${panelA}/rounds/open-first`);
    await adminPost(admin, `/admin/panels/${panelB}/rounds/open-first`);
    roundA = await openRoundIdOf(member.agent, panelA);
    roundB = await openRoundIdOf(outsider.agent, panelB);
  });
  afterAll(async () => t.close());

  it("lists only the expert's own panels", async () => {
    const res = await member.agent.get('/expert');
    expect(res.text).toContain('Panel A');
    expect(res.text).not.toContain('Panel B');
  });

  it("refuses another panel's form and answers with 404 and stores nothing", async () => {
    expect((await member.agent.get(`/expert/panels/${panelB}`)).status).toBe(404);
    const before = await count();
    // Posting to panel B, with panel B's round id or with the member's own round id.
    expect((await postScores(member, panelB, roundB, scoresBy(() => ({ weight: 3, strength: 3 })))).status).toBe(404);
    expect((await postScores(member, panelB, roundA, scoresBy(() => ({ weight: 3, strength: 3 })))).status).toBe(404);
    expect(await count()).toBe(before);
  });

  it("cannot write into another panel's round through its own panel", async () => {
    const res = await postScores(member, panelA, roundB, scoresBy(() => ({ weight: 3, strength: 3 })));
    expect(res.status).toBe(409);
    expect(await t.ctx.db('expert_scores').where({ round_id: roundB }).count({ c: '*' }).first().then((r) => Number(r!.c))).toBe(0);
  });

  it("never shows another expert's answers: only own scores appear on the form", async () => {
    await postScores(outsider, panelB, roundB, scoresBy(() => ({ weight: 5, strength: 5 })));
    await adminPost(admin, `/admin/panels/${panelB}/members`, { userId: member.user.id });
    const form = await member.agent.get(`/expert/panels/${panelB}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toMatch(/value="5" checked/);
    await adminPost(admin, `/admin/panels/${panelB}/members/${member.user.id}/remove`, { confirm: 'yes' });
    expect((await member.agent.get(`/expert/panels/${panelB}`)).status).toBe(404);
  });

  it('keeps results and administration from experts, and administration from researchers', async () => {
    expect((await member.agent.get(`/panels/${panelA}/agreement`)).status).toBe(403);
    expect((await member.agent.get(`/panels/${panelA}/swot.csv`)).status).toBe(403);
    expect((await member.agent.get('/admin/panels')).status).toBe(403);
    expect((await member.agent.post(`/admin/panels/${panelA}/rounds/close`).type('form').send({ _csrf: member.csrf })).status).toBe(403);
    expect((await researcher.agent.get('/admin/panels')).status).toBe(403);
    expect((await researcher.agent.get('/expert')).status).toBe(403);
    expect((await researcher.agent.get(`/panels/${panelA}/swot`)).status).toBe(200);
    expect((await researcher.agent.get('/panels')).status).toBe(200);
  });

  it('sends anonymous visitors to the login page and API callers without a token away with 401', async () => {
    const page = await request(t.app).get(`/panels/${panelA}/swot`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toContain('/login');
    expect((await request(t.app).get(`/api/v1/panels/${panelA}/swot`)).status).toBe(401);
    const expertToken = await apiTokenFor(t, 'expert');
    expect((await request(t.app).get(`/api/v1/panels/${panelA}/agreement`).set('Authorization', `Bearer ${expertToken}`)).status).toBe(403);
    const token = await apiTokenFor(t, 'researcher');
    expect((await request(t.app).get('/api/v1/panels/999999/agreement').set('Authorization', `Bearer ${token}`)).status).toBe(404);
    expect((await request(t.app).get(`/api/v1/panels/${panelA}/swot?round=9`).set('Authorization', `Bearer ${token}`)).status).toBe(404);
  });

  it('needs the CSRF token on every form post', async () => {
    const before = await count();
    const res = await member.agent.post(`/expert/panels/${panelA}`).type('form').send({ roundId: roundA, scores: { S1: { weight: 3, strength: 3 } } });
    expect(res.status).toBe(403);
    expect(await count()).toBe(before);
  });
});
