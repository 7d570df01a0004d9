import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app';
import { storedProfile } from '../../helpers/profile';
import { completeBody, createInvitation, createRound, ensureBaseContent, itemCodesByCategory, openLink, someTerritoryCode } from './fixtures';

const cookieNamed = (res: request.Response, name: string) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith(name + '='));

describe('respondent answering flow', () => {
  let t: TestApp;
  let questionnaireId: number;
  let roundId: number;
  let categories: Map<string, string[]>;
  let territory: string;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    ({ questionnaireId } = await ensureBaseContent(t.ctx));
    roundId = await createRound(t.ctx, questionnaireId);
    categories = await itemCodesByCategory(t.ctx, questionnaireId);
    territory = await someTerritoryCode(t.ctx);
  });
  afterAll(async () => t.close());

  const responseOf = (invitationId: number) => t.ctx.db('responses').where({ invitation_id: invitationId }).first();
  /** Answers to the category pages' questions (the profile's are answer rows too, counted apart). */
  const answerCount = async (invitationId: number) => {
    const response = await responseOf(invitationId);
    if (!response) return 0;
    const { questions } = await t.services.questionnaires.versionItems(questionnaireId);
    const row = await t.ctx.db('answers').where({ response_id: response.id }).whereIn('item_id', questions.map((q) => q.id)).count({ n: '*' }).first();
    return Number(row?.n);
  };
  const pageBody = (codes: string[], csrf: string, value = (i: number) => String((i % 5) + 1)) => {
    const body: Record<string, string> = { _csrf: csrf, nav: 'next' };
    codes.forEach((code, i) => (body[`answers[${code}]`] = value(i)));
    return body;
  };

  it('takes a respondent from the invitation link to one submission, resuming on a second device', async () => {
    const invitation = await createInvitation(t.ctx, roundId, { name: 'ТОО «Алтай Агро»' });

    // The link is exchanged for a cookie and leaves the address bar.
    const first = request.agent(t.app);
    const exchange = await first.get(`/r/${invitation.token}`);
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/respond');
    const cookie = cookieNamed(exchange, 'kedergi_respondent');
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(exchange.headers['referrer-policy']).toBe('no-referrer');
    // Following the link changes nothing stored (mail scanners follow links too); beginning does.
    let inv = await t.ctx.db('invitations').where({ id: invitation.id }).first();
    expect(inv.status).toBe('pending');
    expect(inv.opened_at).toBeNull();

    const start = await first.get('/respond');
    expect(start.status).toBe(200);
    expect(start.text).toContain('ТОО «Алтай Агро»');
    expect(start.text).not.toContain('class="nav"');
    expect(start.headers['cache-control']).toBe('no-store');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(start.text)![1]!;

    // Language choice: Russian from here on.
    const lang = await first.post('/respond/language').type('form').send({ _csrf: csrf, lang: 'ru' });
    expect(lang.status).toBe(303);
    expect(lang.headers.location).toBe('/respond/profile');
    inv = await t.ctx.db('invitations').where({ id: invitation.id }).first();
    expect(inv.status).toBe('opened');
    expect(inv.opened_at).toBeTruthy();
    const profilePage = await first.get('/respond/profile');
    expect(profilePage.text).toContain('<html lang="ru">');
    expect(profilePage.text).toContain('Шаг 1 из 7');
    expect(profilePage.text).toMatch(/<progress[^>]+max="7"[^>]+value="1"/);

    const profile = await first
      .post('/respond/profile')
      .type('form')
      .send({ _csrf: csrf, nav: 'next', territory, sector: 'C', size: 'small', employees: '42', innovated: ['product', 'marketing'], funding: 'own' });
    expect(profile.status).toBe(303);
    const [firstCategory, secondCategory] = [...categories.keys()];
    expect(profile.headers.location).toBe(`/respond/page/${firstCategory}`);
    const stored = await responseOf(invitation.id);
    expect(stored.status).toBe('in_progress');
    expect(stored.language).toBe('ru');
    // The profile is stored as answers of the profile questions, like any other answer.
    expect(await storedProfile(t.ctx.db, stored.id)).toEqual({ territory, sector: 'C', size: 'small', employees: 42, innovated: 'product marketing', funding: 'own' });
    inv = await t.ctx.db('invitations').where({ id: invitation.id }).first();
    expect(inv.status).toBe('in_progress');

    // First category on the first device, with "cannot judge" and a comment.
    const firstCodes = categories.get(firstCategory!)!;
    const body = pageBody(firstCodes, csrf);
    body[`answers[${firstCodes[1]}]`] = 'na';
    body[`comments[${firstCodes[0]}]`] = 'Сұраныс өте төмен';
    const page1 = await first.post(`/respond/page/${firstCategory}`).type('form').send(body);
    expect(page1.status).toBe(303);
    expect(page1.headers.location).toBe(`/respond/page/${secondCategory}`);
    expect(await answerCount(invitation.id)).toBe(firstCodes.length);
    const na = await t.ctx.db('answers as a').join('questionnaire_items as i', 'i.id', 'a.item_id').where({ 'a.response_id': stored.id, 'i.code': firstCodes[1] }).first('a.value', 'a.cannot_judge', 'a.round_id');
    expect(na.value).toBeNull();
    expect(Boolean(na.cannot_judge)).toBe(true);
    expect(Number(na.round_id)).toBe(roundId);

    // Second device: the same link resumes where the first stopped.
    const second = await openLink(t.app, `/r/${invitation.token}`);
    expect(second.status).toBe(200);
    const resume = await second.agent.get('/respond');
    expect(resume.text).toContain(`href="/respond/page/${secondCategory}"`);
    const again = await second.agent.get(`/respond/page/${firstCategory}`);
    expect(again.text).toMatch(new RegExp(`name="answers\\[${firstCodes[0]}\\]" value="1" checked`));
    expect(again.text).toContain('Сұраныс өте төмен');

    for (const [code, codes] of [...categories.entries()].slice(1)) {
      const res = await second.agent.post(`/respond/page/${code}`).type('form').send(pageBody(codes, second.csrf));
      expect(res.status).toBe(303);
    }
    const review = await second.agent.get('/respond/review');
    expect(review.status).toBe(200);
    expect(review.text).not.toContain('role="alert"');
    for (const codes of categories.values()) for (const code of codes) expect(review.text).toContain(`${code}.`);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(review.text)![1]!;

    const submit = await second.agent.post('/respond/submit').type('form').send({ _csrf: second.csrf, idempotencyKey: key });
    expect(submit.status).toBe(303);
    expect(submit.headers.location).toBe('/respond/done');
    const done = await second.agent.get('/respond/done');
    expect(done.status).toBe(200);
    const submitted = await responseOf(invitation.id);
    expect(submitted.status).toBe('submitted');
    expect(submitted.submitted_at).toBeTruthy();
    expect(submitted.idempotency_key).toBe(key);
    inv = await t.ctx.db('invitations').where({ id: invitation.id }).first();
    expect(inv.status).toBe('submitted');
    expect(inv.submitted_at).toBeTruthy();

    // The replayed request is a success; a second submit from another tab is refused and changes nothing.
    const replay = await second.agent.post('/respond/submit').type('form').send({ _csrf: second.csrf, idempotencyKey: key });
    expect(replay.status).toBe(303);
    const otherTab = await first.post('/respond/submit').type('form').send({ _csrf: csrf, idempotencyKey: 'another-tab-key-123' });
    expect(otherTab.status).toBe(409);
    expect(otherTab.text).toContain('Ваши ответы уже отправлены');
    const lateSave = await first.post(`/respond/page/${firstCategory}`).type('form').send(pageBody(firstCodes, csrf, () => '5'));
    expect(lateSave.status).toBe(409);
    const after = await responseOf(invitation.id);
    expect(after.submitted_at).toBe(submitted.submitted_at);
    expect(after.idempotency_key).toBe(key);
    const values = await t.ctx.db('answers').where({ response_id: after.id }).whereNotNull('value').pluck('value');
    expect(values.some((v: unknown) => Number(v) !== 5)).toBe(true);
    // Looking again is not an error; the used link is.
    const look = await first.get('/respond');
    expect(look.status).toBe(200);
    expect(look.text).toContain('Ваши ответы уже отправлены');
    // The used link, opened anywhere, says the answers arrived and when: nothing more is needed.
    const usedLink = await request(t.app).get(`/r/${invitation.token}`).set('Cookie', 'kedergi_lang=en');
    expect(usedLink.status).toBe(200);
    expect(usedLink.text).toContain('Your answers have already been submitted');
    expect(usedLink.text).toContain('nothing more is needed');
    expect(usedLink.text).toMatch(/Submitted on \d/);
  });

  it('lets exactly one of two racing submissions win', async () => {
    const invitation = await createInvitation(t.ctx, roundId);
    const a = await openLink(t.app, `/r/${invitation.token}`);
    const full = await a.agent.post('/respond/submit-all').set('x-csrf-token', a.csrf).send({ ...(await completeBody(t.ctx, questionnaireId)) });
    expect(full.status).toBe(201);
    // Reopen the response to in progress and race two tabs on it.
    const invitation2 = await createInvitation(t.ctx, roundId);
    const b = await openLink(t.app, `/r/${invitation2.token}`);
    const codes = [...categories.entries()];
    await b.agent.post('/respond/profile').type('form').send({ _csrf: b.csrf, territory, sector: 'G', size: 'micro' });
    for (const [code, list] of codes) await b.agent.post(`/respond/page/${code}`).type('form').send(pageBody(list, b.csrf));
    const results = await Promise.all([
      b.agent.post('/respond/submit').type('form').send({ _csrf: b.csrf, idempotencyKey: 'tab-one-key-000001' }),
      b.agent.post('/respond/submit').type('form').send({ _csrf: b.csrf, idempotencyKey: 'tab-two-key-000002' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
    const response = await responseOf(invitation2.id);
    expect(response.status).toBe('submitted');
    expect(['tab-one-key-000001', 'tab-two-key-000002']).toContain(response.idempotency_key);
  });

  it('marks missing required answers in the reader\'s language and keeps the given ones', async () => {
    const invitation = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
    await agent.post('/respond/language').type('form').send({ _csrf: csrf, lang: 'kk' });
    const [category, codes] = [...categories.entries()][0]!;
    const res = await agent
      .post(`/respond/page/${category}`)
      .type('form')
      .send({ _csrf: csrf, nav: 'next', [`answers[${codes[0]}]`]: '4' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<html lang="kk">');
    expect(res.text).toContain('Қателер бар');
    for (const code of codes.slice(1)) {
      expect(res.text).toContain(`href="#answers-${code}"`);
      expect(res.text).toContain(`id="answers-${code}-error"`);
    }
    expect(res.text).toContain('Бағаны немесе «Бағалай алмаймын» нұсқасын таңдаңыз.');
    expect(await answerCount(invitation.id)).toBe(1);

    const profile = await agent.post('/respond/profile').type('form').send({ _csrf: csrf, nav: 'next', sector: 'A' });
    expect(profile.status).toBe(400);
    expect(profile.text).toContain('id="profile-territory-error"');
    expect(profile.text).toContain('id="profile-size-error"');
    expect(profile.text).not.toContain('id="profile-employees-error"');

    // Submitting now lists what is missing and changes nothing.
    const submit = await agent.post('/respond/submit').type('form').send({ _csrf: csrf });
    expect(submit.status).toBe(400);
    expect(submit.text).toContain('Жауаптарды әзірге жіберу мүмкін емес');
    expect((await responseOf(invitation.id)).status).toBe('in_progress');
  });

  it.each([
    ['a value above the scale', { 'answers[B01]': '7' }],
    ['a value below the scale', { 'answers[B01]': '0' }],
    ['text instead of a rating', { 'answers[B01]': 'abc' }],
    ['a fractional rating', { 'answers[B01]': '3.5' }],
    ['an unknown item code', { 'answers[B99]': '3' }],
    ['an item of another page', { 'answers[B02]': '3' }],
    ['an extra field', { foo: 'bar' }],
    ['a comment on an unknown item', { 'comments[ZZZ]': 'x' }],
  ])('refuses %s and stores nothing from the page', async (_label, extra) => {
    const invitation = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
    const codes = categories.get('MARKET')!;
    expect(codes).toContain('B01');
    const res = await agent.post('/respond/page/MARKET').type('form').send({ ...pageBody(codes, csrf), ...extra });
    expect(res.status).toBe(400);
    expect(res.text).toContain('role="alert"');
    expect(await answerCount(invitation.id)).toBe(0);
    expect(await responseOf(invitation.id)).toBeUndefined();
    expect((await t.ctx.db('invitations').where({ id: invitation.id }).first()).status).toBe('pending');
  });

  it.each([
    ['employees that are not a number', { employees: 'abc' }],
    ['employees out of bounds', { employees: '900' }],
    ['an unknown sector', { sector: 'ZZ' }],
    ['an unknown territory', { territory: 'atlantis' }],
    ['"none" combined with an innovation', { innovated: ['none', 'product'] }],
    ['an unknown profile field', { favouriteColour: 'blue' }],
  ])('refuses a profile with %s and stores nothing', async (_label, extra) => {
    const invitation = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
    const res = await agent.post('/respond/profile').type('form').send({ _csrf: csrf, territory, sector: 'C', size: 'micro', employees: '5', ...extra });
    expect(res.status).toBe(400);
    expect(await responseOf(invitation.id)).toBeUndefined();
  });

  it('stores the exclusive "none" option as the innovation answer', async () => {
    const invitation = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
    const res = await agent.post('/respond/profile').type('form').send({ _csrf: csrf, territory, sector: 'G', size: 'micro', innovated: 'none' });
    expect(res.status).toBe(303);
    const response = await responseOf(invitation.id);
    expect(await storedProfile(t.ctx.db, response.id)).toEqual({ territory, sector: 'G', size: 'micro', innovated: 'none' });
  });

  // A used-up link is no longer answered like an unknown one (issue 15): its respondent is told the
  // answers arrived and when. That tells a holder of the link only what the link itself proves; a
  // token is 128 random bits, so nobody can find a used one by guessing.
  it('answers unknown and expired links identically, with one query each; a used-up link says it was submitted', async () => {
    const used = await createInvitation(t.ctx, roundId, { status: 'submitted' });
    const expired = await createInvitation(t.ctx, roundId, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    const agent = request.agent(t.app);
    await agent.get('/login');
    let queries = 0;
    const count = () => queries++;
    t.ctx.db.on('query', count);
    const results: Array<{ status: number; text: string; queries: number }> = [];
    for (const token of ['AAAAAAAAAAAAAAAAAAAAAA', used.token, expired.token]) {
      queries = 0;
      const res = await agent.get(`/r/${token}`);
      results.push({ status: res.status, text: res.text, queries });
    }
    t.ctx.db.removeListener('query', count);
    expect(results[0]!.status).toBe(410);
    const [unknown, usedUp, expiredOne] = results;
    expect(expiredOne!.status).toBe(unknown!.status);
    expect(expiredOne!.text).toBe(unknown!.text);
    expect(expiredOne!.queries).toBe(unknown!.queries);
    // The lookup of the link, and the count of the per-respondent rate limit.
    expect(unknown!.queries).toBeLessThanOrEqual(2);
    expect(usedUp!.status).toBe(200);
    expect(usedUp!.text).toContain('Жауаптарыңыз бұрын жіберілген');
    expect(usedUp!.queries).toBeLessThanOrEqual(3); // and the response, for its date
    expect(usedUp!.text).not.toContain(used.token);
    expect((await t.ctx.db('invitations').where({ id: expired.id }).first()).status).toBe('pending');
  });

  it('shows a clear page and stores nothing when the round is closed, not yet open, or the invitation expired', async () => {
    const closedRound = await createRound(t.ctx, questionnaireId, { status: 'closed' });
    const closedInv = await createInvitation(t.ctx, closedRound);
    const closed = await request(t.app).get(`/r/${closedInv.token}`);
    expect(closed.status).toBe(410);
    expect(closed.text).toContain('Сауалнама аяқталды');

    const future = await createRound(t.ctx, questionnaireId, { opensAt: new Date(Date.now() + 86_400_000).toISOString() });
    const futureInv = await createInvitation(t.ctx, future);
    expect((await request(t.app).get(`/r/${futureInv.token}`)).status).toBe(403);
    expect((await t.ctx.db('invitations').where({ id: futureInv.id }).first()).status).toBe('pending');

    // The round closes (by its time) while a respondent is in the middle of it.
    const round = await createRound(t.ctx, questionnaireId, { closesAt: new Date(Date.now() + 86_400_000).toISOString() });
    const inv = await createInvitation(t.ctx, round);
    const { agent, csrf } = await openLink(t.app, `/r/${inv.token}`);
    await t.ctx.db('rounds').where({ id: round }).update({ closes_at: new Date(Date.now() - 1000).toISOString() });
    const save = await agent.post('/respond/page/MARKET').type('form').send(pageBody(categories.get('MARKET')!, csrf));
    expect(save.status).toBe(410);
    expect(save.text).toContain('Сауалнама аяқталды');
    const all = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send(await completeBody(t.ctx, questionnaireId));
    expect(all.status).toBe(410);
    expect(all.body.error.code).toBe('respondent_closed');
    expect(await responseOf(inv.id)).toBeUndefined();

    // The invitation expires while in progress.
    const inv2 = await createInvitation(t.ctx, roundId);
    const second = await openLink(t.app, `/r/${inv2.token}`);
    await t.ctx.db('invitations').where({ id: inv2.id }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const expiredSave = await second.agent.post('/respond/page/MARKET').type('form').send(pageBody(categories.get('MARKET')!, second.csrf));
    expect(expiredSave.status).toBe(410);
    expect(expiredSave.text).toContain('Шақырудың мерзімі өтті');
    expect(await responseOf(inv2.id)).toBeUndefined();
  });

  it('answers an unknown questionnaire page with 404 in the respondent layout', async () => {
    const invitation = await createInvitation(t.ctx, roundId);
    const { agent } = await openLink(t.app, `/r/${invitation.token}`);
    const res = await agent.get('/respond/page/NOPE');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('href="/login"');
  });

  it('asks for the link again without a respondent cookie, and refuses a forged one', async () => {
    const res = await request(t.app).get('/respond');
    expect(res.status).toBe(401);
    const forged = await request(t.app).get('/respond/profile').set('Cookie', 'kedergi_respondent=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.');
    expect(forged.status).toBe(401);
  });

  describe('submit-all', () => {
    it('stores and submits everything in one request, and answers a replay with the same key as a success', async () => {
      const invitation = await createInvitation(t.ctx, roundId);
      const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
      const body = await completeBody(t.ctx, questionnaireId, 'load-test-key-0001');
      const res = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send(body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'submitted', replay: false });
      const response = await responseOf(invitation.id);
      expect(res.body.responseId).toBe(Number(response.id));
      expect(response.status).toBe('submitted');
      expect(response.idempotency_key).toBe('load-test-key-0001');
      expect(await answerCount(invitation.id)).toBe(Object.keys(body.answers).length);
      expect((await t.ctx.db('invitations').where({ id: invitation.id }).first()).status).toBe('submitted');

      const replay = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send(body);
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ status: 'submitted', replay: true, responseId: res.body.responseId });
      const other = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send({ ...body, idempotencyKey: 'load-test-key-0002' });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('already_submitted');
      expect((await responseOf(invitation.id)).submitted_at).toBe(response.submitted_at);
    });

    it('accepts the form encoding too', async () => {
      const invitation = await createInvitation(t.ctx, roundId);
      const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
      const body = await completeBody(t.ctx, questionnaireId);
      const form: Record<string, string | string[]> = { _csrf: csrf, 'profile[territory]': territory, 'profile[sector]': 'A', 'profile[size]': 'micro', 'profile[innovated]': ['none'] };
      for (const [code, value] of Object.entries(body.answers)) form[`answers[${code}]`] = value === null ? 'na' : String(value);
      const res = await agent.post('/respond/submit-all').type('form').send(form);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/respond/done');
      const response = await responseOf(invitation.id);
      expect(response.status).toBe('submitted');
      expect((await storedProfile(t.ctx.db, response.id)).innovated).toBe('none');
    });

    it('refuses malformed or incomplete submissions and stores nothing', async () => {
      const invitation = await createInvitation(t.ctx, roundId);
      const { agent, csrf } = await openLink(t.app, `/r/${invitation.token}`);
      const body = await completeBody(t.ctx, questionnaireId);
      const bad = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send({ ...body, answers: { ...body.answers, B01: 7 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'answers.B01' })]));
      const extra = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send({ ...body, isAdmin: true });
      expect(extra.status).toBe(400);
      const { B22: _dropped, ...fewer } = body.answers;
      const incomplete = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).send({ ...body, answers: fewer });
      expect(incomplete.status).toBe(400);
      expect(incomplete.body.error.fields).toEqual([expect.objectContaining({ path: 'answers.B22' })]);
      expect(await responseOf(invitation.id)).toBeUndefined();
      const noCsrf = await agent.post('/respond/submit-all').send(body);
      expect(noCsrf.status).toBe(403);
      expect(await responseOf(invitation.id)).toBeUndefined();
    });

    it('scopes idempotency keys to the respondent: another respondent using the same key learns nothing (issue 13)', async () => {
      const one = await createInvitation(t.ctx, roundId);
      const two = await createInvitation(t.ctx, roundId);
      const a = await openLink(t.app, `/r/${one.token}`);
      const b = await openLink(t.app, `/r/${two.token}`);
      const body = await completeBody(t.ctx, questionnaireId, 'shared-key-000001');
      expect((await a.agent.post('/respond/submit-all').set('x-csrf-token', a.csrf).send(body)).status).toBe(201);
      // Before: 409 idempotency_key_reused, telling b that someone else had used the key.
      const other = await b.agent.post('/respond/submit-all').set('x-csrf-token', b.csrf).send(body);
      expect(other.status).toBe(201);
      expect(other.body.replay).toBe(false);
      expect((await responseOf(two.id)).status).toBe('submitted');
      const replay = await a.agent.post('/respond/submit-all').set('x-csrf-token', a.csrf).send(body);
      expect(replay.status).toBe(200);
      expect(replay.body.replay).toBe(true);
    });
  });

  describe('public links', () => {
    it('creates one questionnaire per visitor, resumes it, and limits creations per address', async () => {
      const publicToken = 'public-round-token-000001';
      const round = await createRound(t.ctx, questionnaireId, { audience: 'public', publicToken });
      const visitor = request.agent(t.app);
      // Following the link (or a HEAD of it) creates nothing; beginning (a POST) does.
      const landing = await visitor.get(`/p/${publicToken}`);
      expect(landing.status).toBe(200);
      expect((await request(t.app).head(`/p/${publicToken}`)).status).toBe(200);
      expect(await t.ctx.db('invitations').where({ round_id: round })).toHaveLength(0);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(landing.text)![1]!;
      const first = await visitor.post(`/p/${publicToken}`).type('form').send({ _csrf: csrf, lang: 'ru' });
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe('/respond/profile');
      const rows = await t.ctx.db('invitations').where({ round_id: round });
      expect(rows).toHaveLength(1);
      expect(rows[0].source).toBe('public');
      expect(rows[0].status).toBe('opened');
      expect(await responseOf(rows[0].id)).toMatchObject({ status: 'in_progress' });
      const again = await visitor.get(`/p/${publicToken}`);
      expect(again.status).toBe(303);
      expect(again.headers.location).toBe('/respond');
      await visitor.post(`/p/${publicToken}`).type('form').send({ _csrf: csrf, lang: 'ru' });
      expect(await t.ctx.db('invitations').where({ round_id: round })).toHaveLength(1);
      expect((await visitor.get('/respond')).status).toBe(200);

      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const stranger = request.agent(t.app);
        const page = await stranger.get(`/p/${publicToken}`);
        const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
        statuses.push((await stranger.post(`/p/${publicToken}`).type('form').send({ _csrf: token, lang: 'kk' })).status);
      }
      expect(statuses.filter((s) => s === 303).length).toBeLessThanOrEqual(20);
      expect(statuses.at(-1)).toBe(429);
      const unknown = await request(t.app).get('/p/not-a-real-public-token');
      expect(unknown.status).toBe(410);
      // An invitation-audience round has no public link even if a hash were set.
      const invitationRound = await createRound(t.ctx, questionnaireId, { publicToken: 'invitation-round-token-01' });
      expect((await request(t.app).get('/p/invitation-round-token-01')).status).toBe(410);
      expect(await t.ctx.db('invitations').where({ round_id: invitationRound })).toHaveLength(0);
    });
  });
});
