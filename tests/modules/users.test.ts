import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfOf, loginAs, type TestApp } from '../helpers/app';

describe('user administration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('sends anonymous visitors to the login page and refuses other roles', async () => {
    const anon = await request(t.app).get('/admin/users');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fadmin%2Fusers');
    for (const role of ['researcher', 'expert'] as const) {
      const { agent } = await loginAs(t, role);
      expect((await agent.get('/admin/users')).status).toBe(403);
    }
  });

  it('lets an administrator create a researcher who can then sign in with the password shown once', async () => {
    const { agent, csrf } = await loginAs(t, 'admin');
    const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: 'Aigerim@Example.kz', name: 'Айгерім', role: 'researcher', password: '' });
    // Post/redirect/get: the password is on the page the POST redirects to, that once only.
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users?done=created');
    const shown = await agent.get(res.headers.location);
    const password = /class="secret">([^<]+)</.exec(shown.text)?.[1];
    expect(password).toBeTruthy();
    expect(shown.headers['cache-control']).toContain('no-store');
    const reload = await agent.get(res.headers.location);
    expect(reload.text).not.toContain(password!);
    expect(reload.text).toContain('бір рет көрсетілді және енді көрсетілмейді');
    const stored = await t.ctx.db('users').where({ email: 'aigerim@example.kz' }).first();
    expect(stored.role).toBe('researcher');
    expect(stored.password_hash).not.toContain(password!);
    const other = request.agent(t.app);
    const c = await csrfOf(other);
    expect((await other.post('/login').type('form').send({ _csrf: c, email: 'aigerim@example.kz', password })).status).toBe(303);
    // The list shown afterwards does not repeat the password.
    expect((await agent.get('/admin/users')).text).not.toContain(password!);
  });

  it('re-renders the form with the values and errors when input is bad, and stores nothing', async () => {
    const { agent, csrf } = await loginAs(t, 'admin');
    const before = await t.ctx.db('users').count({ n: '*' }).first();
    const res = await agent.post('/admin/users').set('Cookie', 'kedergi_lang=ru').type('form').send({ _csrf: csrf, email: 'not-an-email', name: 'Бекзат', role: 'superuser' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Бекзат"');
    expect(res.text).toContain('Введите корректный адрес');
    const after = await t.ctx.db('users').count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
  });

  it('refuses mass assignment of unknown fields', async () => {
    const { agent, csrf } = await loginAs(t, 'admin');
    const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: 'mass@example.kz', name: 'M', role: 'expert', token_version: 99, disabled: 'true' });
    expect(res.status).toBe(400);
    expect(await t.ctx.db('users').where({ email: 'mass@example.kz' }).first()).toBeUndefined();
  });

  it('revokes sessions on role change and on disabling', async () => {
    const admin = await loginAs(t, 'admin');
    const victim = await loginAs(t, 'researcher');
    expect((await victim.agent.get('/api/v1/me')).status).toBe(200);
    await admin.agent.post(`/admin/users/${victim.user.id}/role`).type('form').send({ _csrf: admin.csrf, role: 'expert' }).expect(303);
    expect((await victim.agent.get('/api/v1/me')).status).toBe(401);

    const second = await loginAs(t, 'expert');
    await admin.agent.post(`/admin/users/${second.user.id}/disable`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' }).expect(303);
    expect((await second.agent.get('/api/v1/me')).status).toBe(401);
  });

  it('resets a password, revoking the old one', async () => {
    const admin = await loginAs(t, 'admin');
    const user = await createUser(t.ctx, 'expert');
    const agent = request.agent(t.app);
    const c = await csrfOf(agent);
    // Without confirmation: a page that says what will happen, and nothing changes.
    const ask = await admin.agent.post(`/admin/users/${user.id}/reset-password`).type('form').send({ _csrf: admin.csrf });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(ask.text).toContain('қазіргі құпиясөз жарамсыз болады');
    expect((await agent.post('/login').type('form').send({ _csrf: c, email: user.email, password: user.password })).status).toBe(303);
    await agent.post('/logout').type('form').send({ _csrf: c });

    const res = await admin.agent.post(`/admin/users/${user.id}/reset-password`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    const shown = await admin.agent.get(res.headers.location);
    const fresh = /class="secret">([^<]+)</.exec(shown.text)?.[1];
    expect(fresh).toBeTruthy();
    // A reload neither shows the password again nor makes another one.
    const reload = await admin.agent.get(res.headers.location);
    expect(reload.text).not.toContain(fresh!);
    expect((await agent.post('/login').type('form').send({ _csrf: c, email: user.email, password: user.password })).status).toBe(401);
    expect((await agent.post('/login').type('form').send({ _csrf: c, email: user.email, password: fresh })).status).toBe(303);
  });

  it('never disables or demotes the last active administrator', async () => {
    const solo = await createTestApp();
    try {
      const admin = await loginAs(solo, 'admin');
      const demote = await admin.agent.post(`/admin/users/${admin.user.id}/role`).type('form').send({ _csrf: admin.csrf, role: 'researcher' });
      expect(demote.status).toBe(409);
      const disable = await admin.agent.post(`/admin/users/${admin.user.id}/disable`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' });
      expect(disable.status).toBe(409);
      const row = await solo.ctx.db('users').where({ id: admin.user.id }).first();
      expect(row.role).toBe('admin');
      expect(Boolean(row.disabled)).toBe(false);
    } finally {
      await solo.close();
    }
  });
});

describe('CSRF', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('refuses a form without, or with a wrong, token and changes nothing', async () => {
    const { agent, csrf } = await loginAs(t, 'admin');
    const missing = await agent.post('/admin/users').type('form').send({ email: 'c1@example.kz', name: 'C', role: 'expert' });
    expect(missing.status).toBe(403);
    const wrong = await agent.post('/admin/users').type('form').send({ _csrf: csrf.replace(/.$/, csrf.endsWith('A') ? 'B' : 'A'), email: 'c2@example.kz', name: 'C', role: 'expert' });
    expect(wrong.status).toBe(403);
    const crossSite = await agent.post('/admin/users').set('Origin', 'https://evil.example').type('form').send({ _csrf: csrf, email: 'c3@example.kz', name: 'C', role: 'expert' });
    expect(crossSite.status).toBe(403);
    const fetchSite = await agent.post('/admin/users').set('Sec-Fetch-Site', 'cross-site').type('form').send({ _csrf: csrf, email: 'c4@example.kz', name: 'C', role: 'expert' });
    expect(fetchSite.status).toBe(403);
    expect(await t.ctx.db('users').whereIn('email', ['c1@example.kz', 'c2@example.kz', 'c3@example.kz', 'c4@example.kz'])).toHaveLength(0);
  });

  it('refuses a signed-in POST without the token (logout included)', async () => {
    const { agent } = await loginAs(t, 'admin');
    const res = await agent.post('/logout');
    expect(res.status).toBe(403);
  });
});

describe('pages, languages and headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('serves the home page in Kazakh by default, honours Accept-Language, and the cookie wins', async () => {
    const kk = await request(t.app).get('/');
    expect(kk.text).toContain('<html lang="kk">');
    const ru = await request(t.app).get('/').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.8');
    expect(ru.text).toContain('<html lang="ru">');
    const en = await request(t.app).get('/').set('Accept-Language', 'ru').set('Cookie', 'kedergi_lang=en');
    expect(en.text).toContain('<html lang="en">');
  });

  it('keeps the chosen language in a cookie through the switcher form', async () => {
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const res = await agent.post('/lang').type('form').send({ _csrf: csrf, lang: 'ru', next: '/login' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await agent.get('/login')).text).toContain('<html lang="ru">');
  });

  it('sets a strict CSP without inline scripts and no referrer', async () => {
    const res = await request(t.app).get('/');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).not.toMatch(/<script(?![^>]*src=)/);
  });

  it('answers unknown pages with a generic 404 page and unknown API routes with JSON', async () => {
    const page = await request(t.app).get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.text).not.toMatch(/at .*\.ts:\d+/);
    const api = await request(t.app).get('/api/v1/nothing');
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('not_found');
  });

  it('refuses oversize bodies', async () => {
    const res = await request(t.app).post('/api/v1/auth/token').send({ email: 'x@y.kz', password: 'p'.repeat(3 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('reports health once migrations have run', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', db: process.env.TEST_DB === 'pg' ? 'postgres' : 'sqlite' });
  });

  it.each(['kk', 'ru', 'en'])('shows no raw i18n key on the pages that exist (%s)', async (lang) => {
    const { agent, csrf } = await loginAs(t, 'admin');
    await agent.post('/lang').type('form').send({ _csrf: csrf, lang }).expect(303);
    for (const path of ['/', '/admin/users', '/account/password', '/no/such/page']) {
      const res = await agent.get(path);
      expect(res.text, `${path} in ${lang}`).toContain(`<html lang="${lang}">`);
      expect(res.text, `${path} in ${lang}`).not.toContain('⟦');
    }
    const login = await request(t.app).get('/login').set('Cookie', `kedergi_lang=${lang}`);
    expect(login.text).not.toContain('⟦');
  });
});
