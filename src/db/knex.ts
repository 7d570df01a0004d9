import fs from 'node:fs';
import path from 'node:path';
import knex, { Knex } from 'knex';
import type { Config } from '../config';

export type Db = Knex;

/**
 * SQLite gets one connection: knex then queues every query and transaction through it,
 * so concurrent requests never meet SQLITE_BUSY, and each connection is set up the same way.
 */
export function createDb(database: Config['database']): Db {
  if (database.client === 'postgres') {
    return knex({
      client: 'pg',
      connection: database.url,
      pool: { min: 0, max: 10 },
    });
  }
  if (database.filename !== ':memory:') privateDatabaseFiles(database.filename);
  return knex({
    client: 'sqlite3',
    connection: { filename: database.filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // An in-memory database lives only as long as its one connection.
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate(conn: any, done: (err: Error | null, conn: any) => void) {
        conn.serialize(() => {
          conn.run('PRAGMA journal_mode = WAL');
          conn.run('PRAGMA synchronous = FULL');
          conn.run('PRAGMA busy_timeout = 5000');
          conn.run('PRAGMA foreign_keys = ON', (err: Error | null) => done(err, conn));
        });
      },
    },
  });
}

/**
 * Asks SQLite to abandon the statements running now (they fail with SQLITE_INTERRUPT). Used when
 * the shutdown deadline has passed: node-sqlite3 runs statements on libuv's thread pool, and
 * `process.exit` waits for the pool's threads, so one long statement would keep the process alive
 * past its deadline. PostgreSQL statements run in the server, and exiting drops their connections.
 */
export function interruptRunningStatements(db: Db): void {
  if (db.client.config.client !== 'sqlite3') return;
  const used = (db.client as { pool?: { used?: Array<{ resource?: { interrupt?: () => void } }> } }).pool?.used ?? [];
  for (const u of used) u.resource?.interrupt?.();
}

/**
 * The database holds answers, e-mail addresses and password hashes: only the server's user may
 * read it. SQLite creates its -wal and -shm files with the mode of the database file, so creating
 * that one 0600 before SQLite opens it covers all three; files of an older install are tightened.
 */
function privateDatabaseFiles(filename: string): void {
  fs.mkdirSync(path.dirname(filename), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(filename, 'a', 0o600));
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
    try {
      fs.chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
