import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../../src/lib/tokens';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

const FUTURE_OPEN = '2030-03-01T09:00'; // Almaty time
const FUTURE_CLOSE = '2030-03-31T18:00';

describe('rounds', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let adminToken: string;
  let questionnaireId: number;
  let semeyId: number;
  let ridderId: number;

  const roundRow = (id: number) => t.ctx.db('rounds').where({ id }).first();
  const roundCount = async () => Number((await t.ctx.db('rounds').count({ n: '*' }).first())?.n);
  const form = (extra: Record<string, unknown> = {}) => ({
    _csrf: admin.csrf, title: 'Spring 2030', questionnaireId: String(questionnaireId), audience: 'invitation', opensAt: FUTURE_OPEN, closesAt: FUTURE_CLOSE, targetTotal: '300', ...extra,
  });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    adminToken = await apiTokenFor(t, 'admin');
    questionnaireId = Number((await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).first()).id);
    semeyId = Number((await t.ctx.db('territories').where({ code: 'semey-city' }).first()).id);
    ridderId = Number((await t.ctx.db('territories').where({ code: 'ridder-city' }).first()).id);
  });
  afterAll(async () => t.close());

  it('creates a round from the form, reading times as Almaty time and storing per-territory targets', async () => {
    const newPage = await admin.agent.get('/admin/rounds/new');
    expect(newPage.status).toBe(200);
    expect(newPage.text).toContain(`name="targets[t${semeyId}]"`);
    const res = await admin.agent.post('/admin/rounds').type('form').send(form({ [`targets[t${semeyId}]`]: '40', [`targets[t${ridderId}]`]: '' }));
    expect(res.status).toBe(303);
    const id = Number(/\/admin\/rounds\/(\d+)/.exec(res.headers.location)![1]);
    const row = await roundRow(id);
    expect(row).toMatchObject({ status: 'draft', audience: 'invitation', opens_at: '2030-03-01T04:00:00.000Z', closes_at: '2030-03-31T13:00:00.000Z' });
    expect(Number(row.target_total)).toBe(300);
    const targets = await t.ctx.db('round_targets').where({ round_id: id });
    expect(targets.map((x) => [Number(x.territory_id), Number(x.target)])).toEqual([[semeyId, 40]]);

    const detail = await admin.agent.get(res.headers.location);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('01.03.2030, 09:00'); // shown back in Almaty time
    expect(detail.text).toContain(`href="/admin/rounds/${id}/invitations"`);
    expect(detail.text).toContain(`href="/admin/rounds/${id}/monitoring"`);
  });

  it('re-renders the form with field errors and creates nothing on bad input', async () => {
    const before = await roundCount();
    const res = await admin.agent.post('/admin/rounds').type('form').send(form({ title: '', closesAt: '2030-02-01T09:00', [`targets[t${semeyId}]`]: '-3' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="2030-02-01T09:00"');
    expect(res.text.match(/class="field-error"/g)?.length).toBeGreaterThanOrEqual(2); // title, target
    const order = await admin.agent.post('/admin/rounds').type('form').send(form({ closesAt: '2030-02-01T09:00' }));
    expect(order.status).toBe(400);
    expect(order.text).toMatch(/field-error/);
    const garbage = await admin.agent.post('/admin/rounds').type('form').send(form({ opensAt: 'next monday' }));
    expect(garbage.status).toBe(400);
    expect(await roundCount()).toBe(before);
  });

  it('enforces the status rules through the admin buttons', async () => {
    const { round } = await t.services.rounds.create(
      { title: 'Rules', questionnaireId, audience: 'invitation', opensAt: null, closesAt: null, targetTotal: null, targets: [] },
      admin.user.id,
    );
    const post = (status: string) => admin.agent.post(`/admin/rounds/${round.id}/status`).type('form').send({ _csrf: admin.csrf, status, confirm: 'yes' });
    expect((await post('closed')).status).toBe(409); // draft cannot be closed
    expect((await roundRow(round.id)).status).toBe('draft');
    expect((await post('open')).status).toBe(303);
    // Closing and archiving ask first: without confirmation nothing changes.
    for (const to of ['closed']) {
      const ask = await admin.agent.post(`/admin/rounds/${round.id}/status`).type('form').send({ _csrf: admin.csrf, status: to });
      expect(ask.status).toBe(200);
      expect(ask.text).toContain('name="confirm" value="yes"');
      expect(ask.text).toContain(`name="status" value="${to}"`);
      expect(ask.text).toContain('0 жіберілген сауалнама сақталады');
      expect((await roundRow(round.id)).status).toBe('open');
    }
    expect((await post('draft')).status).toBe(409);
    expect((await post('archived')).status).toBe(409);
    expect((await post('closed')).status).toBe(303);
    expect((await post('open')).status).toBe(303); // reopening is allowed
    expect((await post('closed')).status).toBe(303);
    const askArchive = await admin.agent.post(`/admin/rounds/${round.id}/status`).type('form').send({ _csrf: admin.csrf, status: 'archived' });
    expect(askArchive.text).toContain('name="confirm" value="yes"');
    expect((await roundRow(round.id)).status).toBe('closed');
    expect((await post('archived')).status).toBe(303);
    const refused = await post('open');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('role="alert"');
    expect((await roundRow(round.id)).status).toBe('archived');
    // An archived round cannot be edited either.
    const edit = await admin.agent.post(`/admin/rounds/${round.id}`).type('form').send(form({ title: 'Renamed' }));
    expect(edit.status).toBe(409);
    expect((await roundRow(round.id)).title).toBe('Rules');
  });

  it('refuses to open a round whose closing time has passed', async () => {
    const { round } = await t.services.rounds.create(
      { title: 'Late', questionnaireId, audience: 'invitation', opensAt: '2020-01-01T00:00:00.000Z', closesAt: '2020-02-01T00:00:00.000Z', targetTotal: null, targets: [] },
      admin.user.id,
    );
    const res = await admin.agent.post(`/admin/rounds/${round.id}/status`).type('form').send({ _csrf: admin.csrf, status: 'open' });
    expect(res.status).toBe(400);
    expect((await roundRow(round.id)).status).toBe('draft');
  });

  it('fixes the questionnaire and audience once a round has been opened, but lets times and targets change', async () => {
    const service = t.services.rounds;
    const other = await t.ctx.db('questionnaires').insert({ code: 'OTHER', version: 1, title_kk: 'a', title_ru: 'b', title_en: 'c', definition: '{}', created_at: new Date().toISOString() }).returning('id');
    const otherId = Number(typeof other[0] === 'object' ? (other[0] as { id: number }).id : other[0]);
    const { round } = await service.create({ title: 'Locked', questionnaireId, audience: 'invitation', opensAt: null, closesAt: null, targetTotal: null, targets: [] }, admin.user.id);
    // A draft can change its questionnaire.
    expect((await admin.agent.post(`/admin/rounds/${round.id}`).type('form').send(form({ title: 'Locked', questionnaireId: String(otherId) }))).status).toBe(303);
    expect(Number((await roundRow(round.id)).questionnaire_id)).toBe(otherId);
    await admin.agent.post(`/admin/rounds/${round.id}`).type('form').send(form({ title: 'Locked' }));
    await service.changeStatus(round.id, 'open');

    const locked = await admin.agent.post(`/admin/rounds/${round.id}`).type('form').send(form({ title: 'Locked', questionnaireId: String(otherId), audience: 'public' }));
    expect(locked.status).toBe(400);
    expect(Number((await roundRow(round.id)).questionnaire_id)).toBe(questionnaireId);
    expect((await roundRow(round.id)).audience).toBe('invitation');

    const page = await admin.agent.get(`/admin/rounds/${round.id}/edit`);
    expect(page.text).not.toContain('name="audience" value="public"');
    const ok = await admin.agent.post(`/admin/rounds/${round.id}`).type('form').send(form({ title: 'Locked, extended', closesAt: '2030-04-30T18:00', [`targets[t${ridderId}]`]: '12' }));
    expect(ok.status).toBe(303);
    const row = await roundRow(round.id);
    expect(row).toMatchObject({ title: 'Locked, extended', closes_at: '2030-04-30T13:00:00.000Z', status: 'open' });
  });

  it('shows the public link again at any time, stores it only hashed and sealed, and replaces it on a confirmed request; a reload repeats nothing', async () => {
    const before = Number((await t.ctx.db('rounds').count({ n: '*' }).first())!.n);
    const res = await admin.agent.post('/admin/rounds').type('form').send(form({ title: 'Public', audience: 'public' }));
    expect(res.status).toBe(303);
    const page = await admin.agent.get(res.headers.location);
    const link = /(http:\/\/[^<"\s]+\/p\/([A-Za-z0-9_-]{22}))/.exec(page.text);
    // A reload neither creates a second round nor shows the link again.
    const reload = await admin.agent.get(res.headers.location);
    expect(Number((await t.ctx.db('rounds').count({ n: '*' }).first())!.n)).toBe(before + 1);
    expect(link).not.toBeNull();
    const token = link![2]!;
    const round = await t.services.rounds.findByPublicToken(token);
    expect(round?.title).toBe('Public');
    const row = await roundRow(round!.id);
    expect(row.public_token_hash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.public_token_sealed).toBeTruthy();
    // The reload shows the same link again (nothing regenerated), and so does the round page later.
    expect(reload.text).toContain(`/p/${token}`);
    const later = await admin.agent.get(`/admin/rounds/${round!.id}`);
    expect(later.text).toContain(`/p/${token}`); // shown again, unchanged

    // Replacing asks first and changes nothing until confirmed; without confirmation the old link keeps working.
    const ask = await admin.agent.post(`/admin/rounds/${round!.id}/public-link`).type('form').send({ _csrf: admin.csrf });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect((await t.services.rounds.findByPublicToken(token))?.id).toBe(round!.id);
    const again = await admin.agent.post(`/admin/rounds/${round!.id}/public-link`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' });
    expect(again.status).toBe(303);
    const shown = await admin.agent.get(again.headers.location);
    const newToken = /\/p\/([A-Za-z0-9_-]{22})/.exec(shown.text)![1]!;
    // A reload after the rotation rotates nothing again: the same new link is shown.
    const reloaded = await admin.agent.get(again.headers.location);
    expect(reloaded.text).toContain(`/p/${newToken}`);
    expect(newToken).not.toBe(token);
    expect(await t.services.rounds.findByPublicToken(token)).toBeUndefined();
    expect((await t.services.rounds.findByPublicToken(newToken))?.id).toBe(round!.id);
  });

  it('lists rounds on the admin page', async () => {
    const res = await admin.agent.get('/admin/rounds');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Spring 2030');
    expect(res.text).toContain('SME-BARRIERS');
  });

  it('creates rounds over the API with a strict body and answers in the documented shape', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const created = await request(t.app).post('/api/v1/rounds').set(auth).send({
      title: 'API round', questionnaireId, audience: 'invitation', opensAt: '2030-05-01T09:00:00+05:00', closesAt: '2030-05-31T18:00:00+05:00', targetTotal: 100,
      targets: [{ territory: 'Семей қаласы', target: 30 }, { territory: ridderId, target: 10 }], status: 'open',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'API round', status: 'open', questionnaireId, opensAt: '2030-05-01T04:00:00.000Z', closesAt: '2030-05-31T13:00:00.000Z', targetTotal: 100, acceptingAnswers: false });
    expect(created.body.targets).toEqual([{ territoryId: semeyId, target: 30 }, { territoryId: ridderId, target: 10 }].sort((a, b) => a.territoryId - b.territoryId));

    const draft = await request(t.app).post('/api/v1/rounds').set(auth).send({ title: 'Draft by default', questionnaireId, audience: 'public' });
    expect(draft.status).toBe(201);
    expect(draft.body.status).toBe('draft');
    expect(draft.body.publicLink).toMatch(/\/p\/[A-Za-z0-9_-]{22}$/);

    const before = await roundCount();
    const extra = await request(t.app).post('/api/v1/rounds').set(auth).send({ title: 'x', questionnaireId, audience: 'invitation', status: 'open', createdBy: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.error.fields.map((f: { path: string }) => f.path)).toContain('createdBy');
    const unknown = await request(t.app).post('/api/v1/rounds').set(auth).send({ title: 'x', questionnaireId, audience: 'invitation', targets: [{ territory: 'Atlantis', target: 3 }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields[0].path).toBe('targets.0.territory');
    const missingQ = await request(t.app).post('/api/v1/rounds').set(auth).send({ title: 'x', questionnaireId: 99999, audience: 'invitation' });
    expect(missingQ.status).toBe(400);
    const archived = await request(t.app).post('/api/v1/rounds').set(auth).send({ title: 'x', questionnaireId, audience: 'invitation', status: 'archived' });
    expect(archived.status).toBe(400);
    expect(await roundCount()).toBe(before);

    const list = await request(t.app).get('/api/v1/rounds').set(auth);
    expect(list.status).toBe(200);
    const item = list.body.rounds.find((r: { id: number }) => r.id === created.body.id);
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['id', 'title', 'status', 'questionnaireId', 'opensAt', 'closesAt']));
    const one = await request(t.app).get(`/api/v1/rounds/${created.body.id}`).set(auth);
    expect(one.body).toMatchObject({ id: created.body.id, questionnaire: { id: questionnaireId, code: 'SME-BARRIERS', version: 1 } });
    expect((await request(t.app).get('/api/v1/rounds/999999').set(auth)).status).toBe(404);
  });

  it('lets researchers read rounds over the API but not create them; experts get nothing', async () => {
    const researcher = { authorization: `Bearer ${await apiTokenFor(t, 'researcher')}` };
    expect((await request(t.app).get('/api/v1/rounds').set(researcher)).status).toBe(200);
    expect((await request(t.app).post('/api/v1/rounds').set(researcher).send({ title: 'x', questionnaireId, audience: 'invitation' })).status).toBe(403);
    const expert = { authorization: `Bearer ${await apiTokenFor(t, 'expert')}` };
    expect((await request(t.app).get('/api/v1/rounds').set(expert)).status).toBe(403);
    expect((await request(t.app).get('/api/v1/rounds')).status).toBe(401);
  });

  it('sends anonymous visitors to the login page and refuses experts on the admin pages', async () => {
    const anon = await request(t.app).get('/admin/rounds');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toMatch(/^\/login/);
    const expert = await loginAs(t, 'expert');
    expect((await expert.agent.get('/admin/rounds')).status).toBe(403);
    expect((await expert.agent.get('/admin/rounds/new')).status).toBe(403);
  });

  it('requires CSRF on every round form', async () => {
    const { round } = await t.services.rounds.create({ title: 'CSRF', questionnaireId, audience: 'public', opensAt: null, closesAt: null, targetTotal: null, targets: [] }, admin.user.id);
    const before = await roundCount();
    expect((await admin.agent.post('/admin/rounds').type('form').send({ ...form(), _csrf: undefined })).status).toBe(403);
    expect((await admin.agent.post(`/admin/rounds/${round.id}/status`).type('form').send({ status: 'open' })).status).toBe(403);
    const hash = (await roundRow(round.id)).public_token_hash;
    expect((await admin.agent.post(`/admin/rounds/${round.id}/public-link`).type('form').send({})).status).toBe(403);
    expect(await roundCount()).toBe(before);
    expect(await roundRow(round.id)).toMatchObject({ status: 'draft', public_token_hash: hash });
  });
});
