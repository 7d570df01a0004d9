import crypto from 'node:crypto';
import knex from 'knex';
import type { Config } from '../../src/config';

/** The test database engine: SQLite by default, PostgreSQL when TEST_DB=pg. */
export const testDbEngine: 'sqlite' | 'postgres' = process.env.TEST_DB === 'pg' ? 'postgres' : 'sqlite';

/** Admin connection used to create and drop one database per test file. */
export const pgAdminUrl = process.env.TEST_PG_URL ?? 'postgres://kedergi:kedergi@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  database: Config['database'];
  drop(): Promise<void>;
}

/**
 * A database that exists only for one test file: an in-memory SQLite database, or a newly
 * created PostgreSQL database that is dropped afterwards.
 */
export async function freshDatabase(kind: 'memory' | 'file' = 'memory', file?: string): Promise<FreshDatabase> {
  if (testDbEngine === 'sqlite') {
    return { database: { client: 'sqlite', filename: kind === 'file' && file ? file : ':memory:' }, drop: async () => {} };
  }
  const name = `kedergi_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: pgAdminUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(pgAdminUrl);
  url.pathname = '/' + name;
  return {
    database: { client: 'postgres', url: url.toString() },
    async drop() {
      const a = knex({ client: 'pg', connection: pgAdminUrl, pool: { min: 0, max: 1 } });
      await a.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.destroy();
    },
  };
}
