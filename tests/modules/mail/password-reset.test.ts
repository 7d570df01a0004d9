import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfOf, type TestApp } from '../../helpers/app';
import { deliverAll, startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { dumpAllText } from '../invitations/fixtures';

describe('forgotten password by e-mail (real SMTP on loopback)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ config: { mail: { smtpUrl: sink.url, from: 'Kedergi <noreply@kedergi.test>', ratePerMinute: 1000, batchSize: 10, leaseSeconds: 300 } } });
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });

  /** The request answers before looking the address up: wait until the expected mails are queued. */
  async function deliver(expected = 1) {
    const queued = async () => Number((await t.ctx.db('mail_outbox').where({ kind: 'password_reset', status: 'queued' }).count({ n: '*' }).first())!.n);
    for (const until = Date.now() + 15_000; (await queued()) < expected && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    // ... and a moment more, in which a mail for the unknown address would have been queued too.
    await new Promise((r) => setTimeout(r, 200));
    await deliverAll(t);
  }

  const ask = async (email: string) => {
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    return agent.post('/password/forgot').set('Accept-Language', 'en').type('form').send({ _csrf: csrf, email });
  };
  const statusText = (html: string) => /<p role="status">([^<]*)<\/p>/.exec(html)?.[1];

  it('answers the same for a known and an unknown address, and mails only the known one', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const known = await ask(user.email);
    const unknown = await ask('nobody-here@example.kz');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(statusText(known.text)).toBeTruthy();
    expect(statusText(known.text)).toBe(statusText(unknown.text));
    await deliver();
    expect(sink.messages.map((m) => m.to[0])).toEqual([user.email.toLowerCase()]);
  });

  it('sets a new password through a single-use link stored only as its hash', async () => {
    sink.messages.length = 0;
    const user = await createUser(t.ctx, 'expert');
    await ask(user.email);
    await deliver();
    const text = String(sink.messages[0]!.parsed.text);
    const token = /\/password\/reset\?token=([\w-]+)/.exec(text)![1]!;
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(await dumpAllText(t.ctx)).not.toContain(token);

    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const form = await agent.get(`/password/reset?token=${token}`);
    expect(form.text).toContain('name="token"');
    const mismatch = await agent.post('/password/reset').type('form').send({ _csrf: csrf, token, password: 'a-new-long-password', confirm: 'different' });
    expect(mismatch.status).toBe(400);
    const done = await agent.post('/password/reset').type('form').send({ _csrf: csrf, token, password: 'a-new-long-password', confirm: 'a-new-long-password' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login?reset=1');

    const login = async (password: string) => (await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password })).status;
    expect(await login(user.password)).toBe(401);
    expect(await login('a-new-long-password')).toBe(303);
    // Single use.
    const again = await request.agent(t.app).get(`/password/reset?token=${token}`);
    expect(again.text).not.toContain('name="token"');
    const replay = await agent.post('/password/reset').type('form').send({ _csrf: csrf, token, password: 'yet-another-password', confirm: 'yet-another-password' });
    expect(replay.status).toBe(400);
  });

  it('refuses an expired link', async () => {
    sink.messages.length = 0;
    const user = await createUser(t.ctx, 'admin');
    await ask(user.email);
    await deliver();
    const token = /\/password\/reset\?token=([\w-]+)/.exec(String(sink.messages[0]!.parsed.text))![1]!;
    await t.ctx.db('password_resets').update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    const res = await agent.post('/password/reset').type('form').send({ _csrf: csrf, token, password: 'a-new-long-password', confirm: 'a-new-long-password' });
    expect(res.status).toBe(400);
  });
});
