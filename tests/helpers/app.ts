import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app';
import { buildServices, type Services } from '../../src/composition';
import type { Config } from '../../src/config';
import type { AppContext } from '../../src/context';
import { createDb } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { Lifecycle } from '../../src/lifecycle';
import type { TRole } from '../../src/modules/auth/auth.schemas';
import { KnexUsersRepository } from '../../src/modules/users/users.repository';
import { UsersService } from '../../src/modules/users/users.service';
import { runSeeds } from '../../seeds';
import { freshDatabase } from './db';

export interface TestApp {
  app: Express;
  ctx: AppContext;
  /** The services the app was built with (the composition root's, built once). */
  services: Services;
  close(): Promise<void>;
}

export function testConfig(database: Config['database'], overrides: Partial<Config> = {}): Config {
  return {
    env: 'test',
    port: 0,
    database,
    jwtSecret: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
    demo: false,
    logLevel: 'silent',
    loginLimitPerIp: 1000,
    loginLimitPerEmail: 1000,
    dataDir: '/tmp/kedergi-test',
    trustProxy: false,
    respondentLimitPerMinute: 100_000,
    sessionTtlSeconds: 8 * 3600,
    sessionMaxAgeSeconds: 7 * 24 * 3600,
    apiTokenTtlSeconds: 3600,
    shutdownSeconds: 10,
    logBufferBytes: 1024 * 1024,
    workers: 1,
    ...overrides,
  };
}

/**
 * createApp() on a fresh, migrated database. `seed: 'base'` loads territories and the default
 * questionnaire; `seed: 'demo'` adds the demo rounds and responses.
 */
export async function createTestApp(options: { config?: Partial<Config>; seed?: 'none' | 'base' | 'demo' } = {}): Promise<TestApp> {
  const fresh = await freshDatabase();
  const config = testConfig(fresh.database, options.config);
  const db = createDb(config.database);
  await migrateLatest(db);
  const ctx: AppContext = { db, config, logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() };
  const services = buildServices(ctx);
  if (options.seed && options.seed !== 'none') await runSeeds(ctx, options.seed === 'demo', services);
  const app = createApp(ctx, services);
  return {
    app,
    ctx,
    services,
    async close() {
      await services.analysisCounter.stop();
      await db.destroy();
      await fresh.drop();
    },
  };
}

let userCounter = 0;

export async function createUser(ctx: AppContext, role: TRole, password = 'correct-horse-battery'): Promise<{ id: number; email: string; password: string }> {
  const users = new UsersService(new KnexUsersRepository(ctx.db), 4);
  const email = `${role}${++userCounter}-${process.pid}@example.kz`;
  const { id } = await users.create(null, { email, name: `${role} ${userCounter}`, role, password });
  return { id, email, password };
}

/** Read the CSRF cookie a GET set on the agent. */
export async function csrfOf(agent: TestAgent): Promise<string> {
  const res = await agent.get('/login');
  const fromSetCookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('kedergi_csrf='));
  if (fromSetCookie) return fromSetCookie.split(';')[0]!.split('=')[1]!;
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!match) throw new Error('no CSRF token found');
  return match[1]!;
}

export interface LoggedIn {
  agent: TestAgent;
  csrf: string;
  user: { id: number; email: string; password: string };
}

/** A supertest agent signed in through the real login form. */
export async function loginAs(t: TestApp, role: TRole): Promise<LoggedIn> {
  const user = await createUser(t.ctx, role);
  const agent = request.agent(t.app);
  const csrf = await csrfOf(agent);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.email, password: user.password });
  if (res.status !== 303) throw new Error(`login failed: ${res.status} ${res.text.slice(0, 200)}`);
  return { agent, csrf, user };
}

/** A bearer token for the JSON API. */
export async function apiTokenFor(t: TestApp, role: TRole): Promise<string> {
  const user = await createUser(t.ctx, role);
  const res = await request(t.app).post('/api/v1/auth/token').send({ email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${res.text}`);
  return res.body.token as string;
}

/** Collects a binary body (CSV, XLSX, PDF, PNG) as a Buffer: `request(...).buffer(true).parse(binaryParser)`. */
export function binaryParser(res: NodeJS.ReadableStream & { setEncoding(e: string): void }, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (e: Error) => callback(e, Buffer.alloc(0)));
}
