import bcrypt from 'bcrypt';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnexUsersRepository } from '../../../src/modules/users/users.repository';
import { UsersService, unusablePasswordHash } from '../../../src/modules/users/users.service';
import { prepareData } from '../../../src/runtime';
import { createTestApp, csrfOf, type TestApp } from '../../helpers/app';
import { median } from '../../helpers/security';

async function compareMs(password: string, hash: string): Promise<number> {
  const started = performance.now();
  await bcrypt.compare(password, hash);
  return performance.now() - started;
}

/** The hash that stands for "no password": the unknown e-mail's stand-in and passwordless accounts. */
describe('unusablePasswordHash', () => {
  it('is in bcrypt format at the given cost, differs each time, and matches no password', async () => {
    const a = unusablePasswordHash(6);
    const b = unusablePasswordHash(6);
    expect(a).toMatch(/^\$2b\$06\$[./A-Za-z0-9]{53}$/);
    expect(a).not.toBe(b);
    expect(bcrypt.getRounds(a)).toBe(6);
    for (const attempt of ['', 'password', 'correct-horse-battery', a, a.slice(7)]) expect(await bcrypt.compare(attempt, a)).toBe(false);
  });

  it('costs what comparing against a real hash of that cost costs', async () => {
    // Cost 8: long enough to time (about 15 ms), short enough for the suite. A check that skipped
    // the work (an unparsable string) would take microseconds, a ratio near 0.
    const real = await bcrypt.hash('some password', 8);
    const unusable = unusablePasswordHash(8);
    const realMs: number[] = [];
    const unusableMs: number[] = [];
    for (let i = 0; i < 7; i++) {
      realMs.push(await compareMs('wrong', real));
      unusableMs.push(await compareMs('wrong', unusable));
    }
    const ratio = median(unusableMs) / median(realMs);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

describe('accounts without a password, and the bootstrap administrator', () => {
  let t: TestApp;
  let users: UsersService;
  const tokenVersion = async (id: number) => Number((await t.ctx.db('users').where({ id }).first('token_version')).token_version);
  const hashOf = async (id: number) => String((await t.ctx.db('users').where({ id }).first('password_hash')).password_hash);
  const signIn = async (email: string, password: string) => {
    const agent = request.agent(t.app);
    const csrf = await csrfOf(agent);
    return (await agent.post('/login').type('form').send({ _csrf: csrf, email, password })).status;
  };

  beforeAll(async () => {
    t = await createTestApp();
    users = new UsersService(new KnexUsersRepository(t.ctx.db), 4);
  });
  afterAll(async () => t.close());

  it('an account made without a password cannot sign in until its password is reset', async () => {
    const id = await users.createWithoutPassword(null, { email: 'nopass@example.kz', name: 'No password', role: 'expert' });
    expect(bcrypt.getRounds(await hashOf(id))).toBe(4);
    expect(await signIn('nopass@example.kz', '')).toBe(400);
    expect(await signIn('nopass@example.kz', 'correct-horse-battery')).toBe(401);
    const password = await users.resetPassword(id, id);
    expect(await signIn('nopass@example.kz', password)).toBe(303);
    await expect(users.createWithoutPassword(null, { email: 'nopass@example.kz', name: 'Again', role: 'expert' })).rejects.toMatchObject({ status: 400, fields: [{ path: 'email', key: 'users:emailTaken' }] });
  });

  it('the configured administrator is created, kept as it is while the password matches, and repaired when not', async () => {
    const admin = { email: 'boss@example.kz', password: 'first-password-1' };
    expect(await users.ensureBootstrapAdmin(admin)).toEqual({ email: admin.email });
    const { id } = (await t.ctx.db('users').where({ email: admin.email }).first('id')) as { id: number };
    const hash = await hashOf(id);
    const version = await tokenVersion(id);

    // A restart with the same password: nothing is written, sessions stay.
    await users.ensureBootstrapAdmin(admin);
    expect(await hashOf(id)).toBe(hash);
    expect(await tokenVersion(id)).toBe(version);

    // Disabled and demoted by mistake: the restart restores the role and access, sessions stay.
    await t.ctx.db('users').where({ id }).update({ role: 'researcher', disabled: true });
    await users.ensureBootstrapAdmin(admin);
    expect(await t.ctx.db('users').where({ id }).first('role', 'disabled')).toMatchObject({ role: 'admin' });
    expect(Boolean((await t.ctx.db('users').where({ id }).first('disabled')).disabled)).toBe(false);
    expect(await hashOf(id)).toBe(hash);
    expect(await tokenVersion(id)).toBe(version);

    // A new password in the environment: it replaces the old one and ends the old sessions.
    await users.ensureBootstrapAdmin({ ...admin, password: 'second-password-2' });
    expect(await tokenVersion(id)).toBe(version + 1);
    expect(await signIn(admin.email, 'first-password-1')).toBe(401);
    expect(await signIn(admin.email, 'second-password-2')).toBe(303);
  });
});

/** What prepareData writes to the console (the bootstrap administrator's password). */
async function printedBy(run: () => Promise<void>): Promise<string> {
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return printed.join('');
}

describe('first start on an empty database', () => {
  it('makes admin@localhost while the seeders add the demo experts beside it, and prints its password once', async () => {
    const t = await createTestApp();
    const firstStart = () => prepareData({ ...t.ctx, config: { ...t.ctx.config, demo: true, admin: undefined } }, t.services);
    try {
      const password = /created administrator admin@localhost with password (\S+)/.exec(await printedBy(firstStart))?.[1];
      expect(password).toBeTruthy();
      const users = await t.ctx.db('users').select('email', 'role');
      expect(users.filter((u: { role: string }) => u.role === 'admin').map((u: { email: string }) => u.email)).toEqual(['admin@localhost']);
      expect(users.filter((u: { role: string }) => u.role === 'expert')).toHaveLength(5);
      const agent = request.agent(t.app);
      const csrf = await csrfOf(agent);
      expect((await agent.post('/login').type('form').send({ _csrf: csrf, email: 'admin@localhost', password })).status).toBe(303);

      // A second start finds an administrator: no new one, nothing printed.
      expect(await printedBy(firstStart)).not.toContain('created administrator');
      expect(Number((await t.ctx.db('users').where({ role: 'admin' }).count({ n: '*' }).first())!.n)).toBe(1);
    } finally {
      await t.close();
    }
  }, 120_000);
});
