import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfOf, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { deliverAll, startSmtpSink, type SmtpSink } from '../../helpers/smtp';

const languageOf = async (t: TestApp, id: number) => (await t.ctx.db('users').where({ id }).first('language')).language as string | null;
const langCookie = (res: request.Response) => ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith('kedergi_lang='))?.split(';')[0];

/**
 * A user's language (issue 12): kk, ru, en or not chosen. Their mail goes in it, and it is their
 * default page language; they set it on their account page, an administrator on the users page.
 */
describe('language preference of user accounts', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ config: { mail: { smtpUrl: sink.url, from: 'Kedergi <noreply@kedergi.test>', ratePerMinute: 1000, batchSize: 10, leaseSeconds: 300 } } });
    admin = await loginAs(t, 'admin');
    admin.agent.set('Accept-Language', 'en');
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });

  it('is set on the account page; a wrong value is refused beside the field and changes nothing', async () => {
    const me = await loginAs(t, 'researcher');
    me.agent.set('Accept-Language', 'en');
    const page = await me.agent.get('/account');
    expect(page.status).toBe(200);
    expect(page.text).toContain('My account');
    expect(page.text).toContain(me.user.email);
    expect(page.text).toMatch(/<option value="" selected>Not chosen<\/option>/);

    const bad = await me.agent.post('/account/language').type('form').send({ _csrf: me.csrf, language: 'de' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/<select id="language" name="language"[\s\S]*?class="field-error"/);
    expect(await languageOf(t, me.user.id)).toBeNull();

    const saved = await me.agent.post('/account/language').type('form').send({ _csrf: me.csrf, language: 'ru' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/account?saved=1');
    expect(langCookie(saved)).toBe('kedergi_lang=ru');
    expect(await languageOf(t, me.user.id)).toBe('ru');
    const after = await me.agent.get('/account?saved=1');
    expect(after.text).toContain('Моя учётная запись');
    expect(after.text).toContain('Язык сохранён.');
    expect(after.text).toMatch(/<option value="ru" selected>/);
    // Back to "not chosen".
    await me.agent.post('/account/language').type('form').send({ _csrf: me.csrf, language: '' }).expect(303);
    expect(await languageOf(t, me.user.id)).toBeNull();
  });

  it('is the page language from sign-in, and without a chosen page language, on every page', async () => {
    const user = await createUser(t.ctx, 'expert');
    await t.services.users.setLanguage(admin.user.id, user.id, 'en');
    const agent = request.agent(t.app);
    agent.set('Accept-Language', 'ru');
    const csrf = await csrfOf(agent);
    const login = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: user.password });
    expect(login.status).toBe(303);
    expect(langCookie(login)).toBe('kedergi_lang=en');
    expect((await agent.get('/account')).text).toContain('My account');

    // Signed in with no page language chosen in the browser: the preference, not Accept-Language.
    const other = await loginAs(t, 'researcher');
    other.agent.set('Accept-Language', 'en');
    expect((await other.agent.get('/account')).text).toContain('My account');
    const users = await admin.agent.post(`/admin/users/${other.user.id}/language`).type('form').send({ _csrf: admin.csrf, language: 'kk' });
    expect(users.status).toBe(303);
    expect((await other.agent.get('/account')).text).toContain('Менің есептік жазбам');
    // A page language chosen with the switcher still wins in that browser.
    other.agent.set('Cookie', 'kedergi_lang=ru');
    expect((await other.agent.get('/account')).text).toContain('Моя учётная запись');
  });

  it('is set by the administrator on the users page, also when creating an account; bad values refused', async () => {
    const target = await createUser(t.ctx, 'researcher');
    const list = await admin.agent.get('/admin/users');
    expect(list.text).toContain(`id="language-${target.id}"`);
    const bad = await admin.agent.post(`/admin/users/${target.id}/language`).type('form').send({ _csrf: admin.csrf, language: 'fr' });
    expect(bad.status).toBe(400);
    expect(await languageOf(t, target.id)).toBeNull();
    await admin.agent.post(`/admin/users/${target.id}/language`).type('form').send({ _csrf: admin.csrf, language: 'ru' }).expect(303);
    expect(await languageOf(t, target.id)).toBe('ru');
    expect((await admin.agent.get('/admin/users')).text).toMatch(new RegExp(`id="language-${target.id}" name="language">[\\s\\S]*?<option value="ru" selected>`));
    // Others cannot set someone else's language.
    const researcher = await loginAs(t, 'researcher');
    expect((await researcher.agent.post(`/admin/users/${target.id}/language`).type('form').send({ _csrf: researcher.csrf, language: 'en' })).status).toBe(403);
    expect(await languageOf(t, target.id)).toBe('ru');

    const created = await admin.agent.post('/admin/users').type('form').send({ _csrf: admin.csrf, email: 'lang-new@example.kz', name: 'New', role: 'expert', language: 'en' });
    expect(created.status).toBe(303);
    expect((await t.ctx.db('users').where({ email: 'lang-new@example.kz' }).first('language')).language).toBe('en');
  });

  it("mails a password reset in the user's language, whatever the page it was asked from", async () => {
    const user = await createUser(t.ctx, 'researcher');
    await t.services.users.setLanguage(admin.user.id, user.id, 'ru');
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    sink.messages.length = 0;
    await agent.post('/password/forgot').set('Accept-Language', 'en').type('form').send({ _csrf: csrf, email: user.email }).expect(200);
    for (const until = Date.now() + 15_000; Date.now() < until; ) {
      const row = await t.ctx.db('mail_outbox').where({ kind: 'password_reset', user_id: user.id }).first();
      if (row) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await deliverAll(t);
    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!.parsed;
    expect(mail.text).toMatch(/[А-Яа-яЁё]{4,}/);
    expect((await t.ctx.db('mail_outbox').where({ user_id: user.id }).first()).language).toBe('ru');
  });
});
