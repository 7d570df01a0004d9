import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER } from '../../src/modules/auth/auth.tokens';
import { LOGIN_SLOWDOWN_STEP_MS } from '../../src/modules/auth/auth.routes';
import { apiTokenFor, createTestApp, createUser, csrfOf, loginAs, type TestApp } from '../helpers/app';

// The message of the page's error summary (its heading aside).
const alertText = (html: string) => /role="alert"[^>]*>(?:<h2[^>]*>[^<]*<\/h2>)?<p>([^<]+)</.exec(html)?.[1];

describe('login and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('logs in with correct credentials and reaches a protected page', async () => {
    const { agent } = await loginAs(t, 'admin');
    const res = await agent.get('/admin/users');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>');
  });

  it('refuses a wrong password with the same message as an unknown e-mail and keeps the e-mail in the form', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const wrong = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: 'nope-nope-nope' });
    const unknown = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'ghost@example.kz', password: 'nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(alertText(wrong.text)).toBeTruthy();
    expect(alertText(wrong.text)).toBe(alertText(unknown.text));
    expect(wrong.text).toContain(`value="${user.email}"`);
  });

  it('refuses a disabled user with the same message', async () => {
    const admin = await loginAs(t, 'admin');
    const user = await createUser(t.ctx, 'researcher');
    await admin.agent.post(`/admin/users/${user.id}/disable`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' }).expect(303);
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: user.password });
    expect(res.status).toBe(401);
  });

  it('only follows local paths after login', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: user.password, next: '//evil.example/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/start');
  });

  it('logout revokes the session cookie even if it was copied', async () => {
    const { agent, csrf } = await loginAs(t, 'researcher');
    const me = await agent.get('/api/v1/me');
    expect(me.status).toBe(200);
    const cookie = (await agent.get('/account/password')).request.cookies as unknown as string;
    await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    const replay = await request(t.app).get('/api/v1/me').set('Cookie', cookie);
    expect(replay.status).toBe(401);
  });

  it('changing the password revokes other sessions and keeps the current one', async () => {
    const first = await loginAs(t, 'expert');
    const second = request.agent(t.app);
    const csrf2 = await csrfOf(second);
    await second.post('/login').type('form').send({ _csrf: csrf2, email: first.user.email, password: first.user.password }).expect(303);
    const res = await first.agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: first.csrf, current: first.user.password, password: 'a-brand-new-password', confirm: 'a-brand-new-password' });
    expect(res.status).toBe(303);
    expect((await first.agent.get('/api/v1/me')).status).toBe(200);
    expect((await second.get('/api/v1/me')).status).toBe(401);
  });

  it('re-renders the password form with errors in the user language', async () => {
    const { agent, csrf } = await loginAs(t, 'expert');
    const res = await agent
      .post('/account/password')
      .set('Cookie', 'kedergi_lang=ru')
      .type('form')
      .send({ _csrf: csrf, current: 'wrong-password-x', password: 'short', confirm: 'other' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Не менее 10 символов'.slice(0, 5));
  });

  it('renews a session cookie past half its life and refuses one past the absolute maximum', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const now = Math.floor(Date.now() / 1000);
    const old = jwt.sign({ tv: 1, orig: now - 5 * 3600, iat: now - 5 * 3600 }, t.ctx.config.jwtSecret, {
      algorithm: 'HS256', subject: String(user.id), issuer: ISSUER, audience: 'kedergi-web', expiresIn: 8 * 3600,
    });
    const renewed = await request(t.app).get('/api/v1/me').set('Cookie', `kedergi_session=${old}`);
    expect(renewed.status).toBe(200);
    expect(String(renewed.headers['set-cookie'])).toContain('kedergi_session=');

    const ancient = jwt.sign({ tv: 1, orig: now - 8 * 24 * 3600, iat: now - 60 }, t.ctx.config.jwtSecret, {
      algorithm: 'HS256', subject: String(user.id), issuer: ISSUER, audience: 'kedergi-web', expiresIn: 8 * 3600,
    });
    expect((await request(t.app).get('/api/v1/me').set('Cookie', `kedergi_session=${ancient}`)).status).toBe(401);
  });
});

describe('login limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { loginLimitPerEmail: 3, loginLimitPerIp: 6, trustProxy: 'loopback' } });
  });
  afterAll(async () => t.close());

  it('slows down failures per e-mail and address instead of locking the owner out (issue 13, finding 5)', async () => {
    const user = await createUser(t.ctx, 'admin');
    const attacker = request.agent(t.app);
    const csrf = await csrfOf(attacker);
    const attempt = async (agent: typeof attacker, from: string, password: string) => {
      const started = Date.now();
      const res = await agent.post('/login').type('form').set('X-Forwarded-For', from).send({ _csrf: csrf, email: user.email, password });
      return { status: res.status, ms: Date.now() - started };
    };
    for (let i = 0; i < 3; i++) expect((await attempt(attacker, '203.0.113.9', 'wrong-wrong')).status).toBe(401);
    // Past the allowance the attacker's own attempts wait, one step longer each time...
    const slowed = await attempt(attacker, '203.0.113.9', 'wrong-wrong');
    expect(slowed.status).toBe(401);
    expect(slowed.ms).toBeGreaterThanOrEqual(LOGIN_SLOWDOWN_STEP_MS * 0.9);
    // ...while the owner, from their own address, signs in at once, and even from the attacker's address is only slowed, never refused.
    const owner = request.agent(t.app);
    const ownerCsrf = await csrfOf(owner);
    const fromHome = await owner.post('/login').type('form').set('X-Forwarded-For', '198.51.100.7').send({ _csrf: ownerCsrf, email: user.email, password: user.password });
    expect(fromHome.status).toBe(303);
    const shared = await attempt(attacker, '203.0.113.9', user.password);
    expect(shared.status).toBe(303);
    expect(shared.ms).toBeGreaterThanOrEqual(LOGIN_SLOWDOWN_STEP_MS * 0.9);
  });

  it('limits failed attempts per IP across e-mails, on the API too', async () => {
    let last = 0;
    for (let i = 0; i < 8; i++) {
      last = (await request(t.app).post('/api/v1/auth/token').send({ email: `nobody${i}@x.kz`, password: 'wrong-wrong' })).status;
    }
    expect(last).toBe(429);
  });
});

describe('API tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('issues a token that works as a Bearer on /api/v1', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const res = await request(t.app).post('/api/v1/auth/token').send({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(typeof res.body.token).toBe('string');
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const me = await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${res.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(user.email);
  });

  it('answers bad credentials and bad bodies with JSON errors', async () => {
    const bad = await request(t.app).post('/api/v1/auth/token').send({ email: 'x@y.kz', password: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('unauthorized');
    const extra = await request(t.app).post('/api/v1/auth/token').send({ email: 'x@y.kz', password: 'nope', role: 'admin' });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('validation_failed');
    const malformed = await request(t.app).post('/api/v1/auth/token').set('Content-Type', 'application/json').send('{"email":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
  });

  it('rejects tampered, none-algorithm, expired, wrong-audience and revoked tokens', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const call = (tok: string) => request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${tok}`);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: '1' })).toString('base64url');
    expect((await call(`${h}.${forged}.${s}`)).status).toBe(401);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await call(`${none}.${p}.`)).status).toBe(401);
    const expired = jwt.sign({ tv: payload.tv, orig: 0 }, t.ctx.config.jwtSecret, {
      algorithm: 'HS256', subject: payload.sub, issuer: ISSUER, audience: 'kedergi-api', expiresIn: -10,
    });
    expect((await call(expired)).status).toBe(401);
    const webToken = jwt.sign({ tv: payload.tv, orig: 0 }, t.ctx.config.jwtSecret, {
      algorithm: 'HS256', subject: payload.sub, issuer: ISSUER, audience: 'kedergi-web', expiresIn: 60,
    });
    expect((await call(webToken)).status).toBe(401);
    const otherSecret = jwt.sign({ tv: payload.tv, orig: 0 }, 'another-secret-another-secret-another', {
      algorithm: 'HS256', subject: payload.sub, issuer: ISSUER, audience: 'kedergi-api', expiresIn: 60,
    });
    expect((await call(otherSecret)).status).toBe(401);
    expect((await call(token)).status).toBe(200);
    await t.ctx.db('users').where({ id: Number(payload.sub) }).increment('token_version', 1);
    expect((await call(token)).status).toBe(401);
  });
});
