import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcrypt';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { writeCsv } from '../../src/lib/spreadsheet';
import { AuthService } from '../../src/modules/auth/auth.service';
import { KnexUsersRepository } from '../../src/modules/users/users.repository';
import { UsersService } from '../../src/modules/users/users.service';
import { createTestApp, createUser, csrfOf, type TestApp } from '../helpers/app';
import { shown } from '../helpers/bad-input';
import { testDbEngine } from '../helpers/db';
import { median, sessionActor, sessionActorFor, type Actor } from '../helpers/security';
import { insertRound } from '../modules/invitations/fixtures';
import { insertInvitation } from '../modules/monitoring/fixtures';
import { createInvitation, ensureBaseContent } from '../modules/responses/fixtures';
import { Writable } from 'node:stream';

/** Issue 13, findings 4, 6 and 7: one regression test per reproduction. */

describe('finding 4: login does not tell known e-mails by time', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('the stand-in hash of an unknown e-mail has the cost of real hashes, and costs as long', async () => {
    // Cost 8 here (production uses 12): the old stand-in had cost 10 whatever the setting, 4 times as slow.
    const rounds = 8;
    const users = new UsersService(new KnexUsersRepository(t.ctx.db), rounds);
    const email = `timing-${Date.now()}@example.kz`;
    await users.create(null, { email, name: 'Timing', role: 'researcher', password: 'correct-horse-battery' });
    const auth = new AuthService(new KnexUsersRepository(t.ctx.db), { secret: t.ctx.config.jwtSecret, sessionTtlSeconds: 60, sessionMaxAgeSeconds: 60, apiTokenTtlSeconds: 60, bcryptRounds: rounds });
    expect(bcrypt.getRounds(await auth.stubHash())).toBe(rounds);
    const time = async (address: string) => {
      const started = performance.now();
      await auth.verifyCredentials(address, 'wrong-password-x').catch(() => undefined);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time(email));
      unknown.push(await time(`nobody-${i}@example.kz`));
    }
    const ratio = median(unknown) / median(known);
    console.log(`[${testDbEngine}] finding 4, bcrypt cost ${rounds}: known e-mail median ${median(known).toFixed(0)} ms, unknown ${median(unknown).toFixed(0)} ms, ratio ${ratio.toFixed(2)}`);
    // Cost 10 against cost 8 would be a ratio of 4; the same cost, about 1 (wide bounds for a loaded machine).
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

describe('finding 6: CSV formula injection through a separator', () => {
  const csvOf = async (header: string[], rows: unknown[][]) => {
    const chunks: Buffer[] = [];
    await writeCsv(new Writable({ write: (c, _e, done) => (chunks.push(Buffer.from(c)), done()) }), header, rows as never);
    return Buffer.concat(chunks).toString('utf8').replace(/^\ufeff/, '');
  };

  it('quotes every text field and neutralises each separator-delimited segment that starts a formula', async () => {
    const text = await csvOf(['comment'], [['x;=2*3'], ['a,+1'], ['t\t@SUM(A1)'], ['5-3'], [-4], ['plain']]);
    const lines = text.split('\r\n');
    expect(lines[1]).toBe(`"x;'=2*3"`);
    expect(lines[2]).toBe(`"a,'+1"`);
    expect(lines[3]).toBe(`"t\t'@SUM(A1)"`);
    expect(lines[4]).toBe(`"5-3"`);
    expect(lines[5]).toBe('-4');
    expect(lines[6]).toBe('"plain"');
    // Split on semicolons, commas or tabs, as a spreadsheet in another locale would: no cell starts a formula.
    for (const line of lines.slice(1)) for (const cell of line.replace(/^"|"$/g, '').split(/[;,\t]/)) expect(cell).not.toMatch(/^[=+@]/);
  });

  it('the non-responder export of a round quotes and neutralises an enterprise named x;=2*3', async () => {
    const t = await createTestApp({ seed: 'base' });
    try {
      const admin = await sessionActor(t, 'admin');
      const roundId = await insertRound(t.ctx);
      await insertInvitation(t.ctx, roundId, { name: 'x;=2*3', contact: 'a;-1+1', state: 'pending' } as never);
      const res = await request(t.app).get(`/admin/rounds/${roundId}/monitoring/non-responders.csv`).set('Cookie', admin.cookie).buffer(true);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`"x;'=2*3"`);
      expect(res.text).toContain(`"a;'-1+1"`);
      expect(res.text).not.toMatch(/(^|[;,])=2\*3/m);
    } finally {
      await t.close();
    }
  });
});

describe('finding 7: caches, proxies, links, files, owners, long passwords, masking', () => {
  let t: TestApp;
  let admin: Actor;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base', config: { trustProxy: 'loopback' } });
    admin = await sessionActor(t, 'admin');
  });
  afterAll(async () => t.close());

  it('pages with a new password, a public link or personal data are sent with Cache-Control: no-store', async () => {
    const target = await createUser(t.ctx, 'researcher');
    const reset = await request(t.app).post(`/admin/users/${target.id}/reset-password`).set('Cookie', admin.cookie).type('form').send({ _csrf: admin.csrf });
    expect(reset.status).toBe(200);
    expect(reset.headers['cache-control']).toBe('no-store');
    const roundId = await insertRound(t.ctx);
    for (const url of ['/admin/users', `/admin/rounds/${roundId}`, `/admin/rounds/${roundId}/invitations`, '/account/password']) {
      const res = await request(t.app).get(url).set('Cookie', admin.cookie);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    // Static files may be cached; they hold nothing personal.
    const css = await request(t.app).get('/static/app.css');
    expect(css.headers['cache-control']).not.toBe('no-store');
  });

  it('behind a trusted proxy, HTTPS is taken from X-Forwarded-Proto: Secure cookies and HSTS; over plain HTTP neither', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const login = async (proto?: string) => {
      const agent = request.agent(t.app);
      const csrf = await csrfOf(agent);
      const req = agent.post('/login').type('form');
      if (proto) req.set('X-Forwarded-Proto', proto);
      return req.send({ _csrf: csrf, email: user.email, password: user.password });
    };
    const secure = await login('https');
    expect(secure.status).toBe(303);
    expect(String(secure.headers['set-cookie'])).toMatch(/kedergi_session=[^;]+;.*Secure/i);
    expect(secure.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const plain = await login();
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/i);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('without a trusted proxy, forwarded headers are ignored: no HTTPS claimed, and per-address limits cannot be dodged by a made-up X-Forwarded-For', async () => {
    const untrusting = await createTestApp({ config: { loginLimitPerIp: 3 } });
    try {
      const agent = request.agent(untrusting.app);
      const csrf = await csrfOf(agent);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await agent.post('/login').type('form').set('X-Forwarded-For', `198.51.100.${i}`).set('X-Forwarded-Proto', 'https').send({ _csrf: csrf, email: `nobody${i}@example.kz`, password: 'wrong-wrong' });
        statuses.push(res.status);
        expect(res.headers['strict-transport-security']).toBeUndefined();
      }
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.at(-1)).toBe(429);
    } finally {
      await untrusting.close();
    }
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(40) }).trustProxy).toBe(false);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(40), KEDERGI_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(40), KEDERGI_TRUST_PROXY: '10.0.0.5, 10.0.1.0/24' }).trustProxy).toBe('10.0.0.5, 10.0.1.0/24');
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(40), KEDERGI_TRUST_PROXY: 'everyone' })).toThrow('KEDERGI_TRUST_PROXY');
  });

  it('HEAD and GET of an invitation link, and cookieless GETs of a public link, change nothing stored', async () => {
    const { questionnaireId } = await ensureBaseContent(t.ctx);
    const roundId = await insertRound(t.ctx);
    const invitation = await createInvitation(t.ctx, roundId);
    expect((await request(t.app).head(`/r/${invitation.token}`)).status).toBe(303);
    expect((await request(t.app).get(`/r/${invitation.token}`)).status).toBe(303);
    const row = await t.ctx.db('invitations').where({ id: invitation.id }).first();
    expect(row.status).toBe('pending');
    expect(row.opened_at).toBeNull();
    const publicToken = `scanner-${Date.now()}`;
    const { createRound } = await import('../modules/responses/fixtures');
    const publicRound = await createRound(t.ctx, questionnaireId, { audience: 'public', publicToken });
    for (let i = 0; i < 5; i++) {
      expect((await request(t.app).get(`/p/${publicToken}`)).status).toBe(200);
      expect((await request(t.app).head(`/p/${publicToken}`)).status).toBe(200);
    }
    expect(await t.ctx.db('invitations').where({ round_id: publicRound })).toHaveLength(0);
  });

  it('KEDERGI_DATA_DIR holds the database unless DATABASE_URL says otherwise; the database and secret files are private (0600)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-data-'));
    try {
      const config = loadConfig({ KEDERGI_DATA_DIR: dir });
      expect(config.database).toEqual({ client: 'sqlite', filename: path.join(dir, 'kedergi.sqlite') });
      expect(loadConfig({ KEDERGI_DATA_DIR: dir, DATABASE_URL: path.join(dir, 'other.sqlite') }).database).toEqual({ client: 'sqlite', filename: path.join(dir, 'other.sqlite') });
      expect(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      const db = createDb(config.database);
      await migrateLatest(db);
      await db.destroy();
      for (const file of fs.readdirSync(dir).filter((f) => f.startsWith('kedergi.sqlite'))) expect(fs.statSync(path.join(dir, file)).mode & 0o777, file).toBe(0o600);
      // A file left world-readable by an older version is tightened on the next start.
      fs.chmodSync(path.join(dir, 'kedergi.sqlite'), 0o644);
      const again = createDb(config.database);
      await again.raw('select 1');
      await again.destroy();
      expect(fs.statSync(path.join(dir, 'kedergi.sqlite')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a password longer than 72 bytes is refused with a clear message when set; one set before the limit still signs in', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const actor = await sessionActorFor(t.app, user, 'owner');
    const long = 'қ'.repeat(37); // 74 bytes: bcrypt would silently ignore the last letter
    const res = await request(t.app)
      .post('/account/password')
      .set('Cookie', `${actor.cookie}; kedergi_lang=en`)
      .type('form')
      .send({ _csrf: actor.csrf, current: user.password, password: long, confirm: long });
    expect(res.status).toBe(400);
    expect(res.text).toContain(shown('en', 'auth:passwordTooLong'));
    const created = await request(t.app)
      .post('/admin/users')
      .set('Cookie', `${admin.cookie}; kedergi_lang=ru`)
      .type('form')
      .send({ _csrf: admin.csrf, email: `long-${Date.now()}@example.kz`, name: 'Long', role: 'researcher', password: long });
    expect(created.status).toBe(400);
    expect(created.text).toContain(shown('ru', 'auth:passwordTooLong'));
    // A hash made before the limit (bcrypt used the first 72 bytes) keeps working with the same password.
    const legacy = await createUser(t.ctx, 'researcher');
    await t.ctx.db('users').where({ id: legacy.id }).update({ password_hash: await bcrypt.hash('ә'.repeat(40), 4) });
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    expect((await agent.post('/login').type('form').send({ _csrf: csrf, email: legacy.email, password: 'ә'.repeat(40) })).status).toBe(303);
  });

  it('the current-password check of the account page stops guessing after the allowance', async () => {
    const limited = await createTestApp({ config: { loginLimitPerEmail: 3 } });
    try {
      const user = await createUser(limited.ctx, 'researcher');
      const actor = await sessionActorFor(limited.app, user, 'owner');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await request(limited.app)
          .post('/account/password')
          .set('Cookie', actor.cookie)
          .type('form')
          .send({ _csrf: actor.csrf, current: `guess-${i}-xxxx`, password: 'new-password-123', confirm: 'new-password-123' });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      // Even the right password is refused until the window ends: the check is the oracle being limited.
      const right = await request(limited.app).post('/account/password').set('Cookie', actor.cookie).type('form').send({ _csrf: actor.csrf, current: user.password, password: 'new-password-123', confirm: 'new-password-123' });
      expect(right.status).toBe(429);
      expect(await limited.ctx.db('rate_limit_hits').where('key', 'like', 'password-check:%')).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });
});
