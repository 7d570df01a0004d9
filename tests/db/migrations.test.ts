import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/knex';
import { migrateLatest, migrateRollbackAll, migrationStatus } from '../../src/db/migrate';
import { freshDatabase, testDbEngine } from '../helpers/db';

describe(`migrations on ${testDbEngine}`, () => {
  it('apply, roll back completely and apply again', async () => {
    const fresh = await freshDatabase();
    const db = createDb(fresh.database);
    try {
      const applied = await migrateLatest(db);
      expect(applied.length).toBeGreaterThan(1);
      expect(await migrationStatus(db)).toEqual({ completed: applied.length, pending: 0 });
      expect(await db.schema.hasTable('users')).toBe(true);

      await migrateRollbackAll(db);
      expect(await db.schema.hasTable('users')).toBe(false);
      expect(await db.schema.hasTable('answers')).toBe(false);

      const again = await migrateLatest(db);
      expect(again).toEqual(applied);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });

  it('names every migration by date and gives it up and down', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = path.join(__dirname, '../../migrations');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      expect(file).toMatch(/^\d{8}_\d{4}_[a-z0-9_]+\.ts$/);
      const m = await import(path.join(dir, file));
      expect(typeof m.up, file).toBe('function');
      expect(typeof m.down, file).toBe('function');
    }
  });

  it.skipIf(testDbEngine !== 'postgres')('keeps the rate-limit counters in an unlogged table on PostgreSQL (no log flush per respondent request)', async () => {
    const fresh = await freshDatabase();
    const db = createDb(fresh.database);
    try {
      await migrateLatest(db);
      const persistence = async () => (await db.raw("SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_hits'")).rows[0].relpersistence;
      expect(await persistence()).toBe('u');
      // The other tables stay logged: the submissions themselves must survive a crash.
      expect((await db.raw("SELECT relpersistence FROM pg_class WHERE relname = 'answers'")).rows[0].relpersistence).toBe('p');
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });

  it.skipIf(testDbEngine !== 'sqlite')('sets the SQLite pragmas on the connection', async () => {
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(os.tmpdir(), `kedergi-pragmas-${process.pid}.sqlite`);
    const db = createDb({ client: 'sqlite', filename: file });
    try {
      const pragma = async (name: string) => Object.values((await db.raw(`PRAGMA ${name}`))[0])[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(await pragma('foreign_keys')).toBe(1);
    } finally {
      await db.destroy();
      for (const suffix of ['', '-wal', '-shm']) (await import('node:fs')).rmSync(file + suffix, { force: true });
    }
  });
});
