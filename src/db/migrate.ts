import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { projectRoot } from '../paths';

export interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/**
 * Migrations are read from the migrations folder beside package.json in source form
 * (tests, tsx) or from dist/migrations once compiled, so one list serves both.
 */
function migrationsDir(): string {
  const compiled = path.join(projectRoot, 'dist', 'migrations');
  return __filename.endsWith('.js') && fs.existsSync(compiled) ? compiled : path.join(projectRoot, 'migrations');
}

class FolderMigrationSource implements Knex.MigrationSource<string> {
  private readonly dir = migrationsDir();

  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js)$/, '');
  }

  async getMigration(file: string): Promise<Migration> {
    return (await import(path.join(this.dir, file))) as Migration;
  }
}

const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new FolderMigrationSource(),
  tableName: 'knex_migrations',
});

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest(migrationConfig());
  return applied as string[];
}

export async function migrateRollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback(migrationConfig(), true);
}

export async function migrationStatus(db: Knex): Promise<{ completed: number; pending: number }> {
  const [done, pending] = await db.migrate.list(migrationConfig());
  return { completed: done.length, pending: pending.length };
}

/** Apply or undo one named migration (tests of a migration with data in place). */
export async function migrateOne(db: Knex, direction: 'up' | 'down', name: string): Promise<void> {
  if (direction === 'up') await db.migrate.up({ ...migrationConfig(), name });
  else await db.migrate.down({ ...migrationConfig(), name });
}
