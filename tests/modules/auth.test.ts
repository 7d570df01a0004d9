import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfOf, loginAs, type TestApp } from '../helpers/app';

describe('auth', () => {
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

  it('refuses a wrong password with the same message as an unknown e-mail', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const wrong = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: 'nope-nope-nope' });
    const unknown = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'ghost@example.kz', password: 'nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const msg = (html: string) => /role="alert"><p>([^<]+)</.exec(html)?.[1];
    expect(msg(wrong.text)).toBeTruthy();
    expect(msg(wrong.text)).toBe(msg(unknown.text));
  });
});
