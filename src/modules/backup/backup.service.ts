import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import type { Config } from '../../config';

/**
 * Online backups that stay consistent while the server keeps writing:
 * SQLite through its backup API (page-by-page copy of one snapshot), PostgreSQL through
 * pg_dump (one repeatable-read transaction). Restore writes the copy back the same way.
 */
function openSqlite(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function closeSqlite(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}

/** node-sqlite3 ships the backup API without type declarations. */
interface SqliteBackup {
  step(pages: number, callback: (err: Error | null) => void): void;
  finish(callback: () => void): void;
  readonly completed: boolean;
  readonly failed: boolean;
}
type BackupCapable = sqlite3.Database & {
  backup(file: string, destName?: string, sourceName?: string, filenameIsDest?: boolean): SqliteBackup;
};

function runBackup(backup: SqliteBackup): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = () => {
      backup.step(256, (err) => {
        if (err) return reject(err);
        if (backup.completed) return backup.finish(() => resolve());
        if (backup.failed) return reject(new Error('SQLite backup failed'));
        setImmediate(step);
      });
    };
    step();
  });
}

async function integrityCheck(file: string): Promise<void> {
  const db = await openSqlite(file, sqlite3.OPEN_READONLY);
  try {
    const row = await new Promise<{ integrity_check: string }>((resolve, reject) =>
      db.get('PRAGMA integrity_check', (err, r) => (err ? reject(err) : resolve(r as { integrity_check: string }))),
    );
    if (row.integrity_check !== 'ok') throw new Error(`integrity check of ${file}: ${row.integrity_check}`);
  } finally {
    await closeSqlite(db);
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => reject(new Error(`${command}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`))));
  });
}

export async function backupDatabase(database: Config['database'], target: string): Promise<void> {
  const file = path.resolve(target);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (database.client === 'postgres') {
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', file, database.url]);
    return;
  }
  const partial = file + '.partial';
  fs.rmSync(partial, { force: true });
  const source = await openSqlite(database.filename, sqlite3.OPEN_READONLY);
  try {
    source.configure('busyTimeout', 5000);
    await runBackup((source as BackupCapable).backup(partial));
  } finally {
    await closeSqlite(source);
  }
  await integrityCheck(partial);
  // The finished copy replaces the target in one step: a crash never leaves half a backup.
  fs.renameSync(partial, file);
}

export async function restoreDatabase(database: Config['database'], source: string): Promise<void> {
  const file = path.resolve(source);
  if (!fs.existsSync(file)) throw new Error(`no backup at ${file}`);
  if (database.client === 'postgres') {
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--dbname', database.url, file]);
    return;
  }
  await integrityCheck(file);
  const live = await openSqlite(database.filename, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
  try {
    live.configure('busyTimeout', 5000);
    // filenameIsDest = false: pages flow from the file into the live database, under its lock.
    await runBackup((live as BackupCapable).backup(file, 'main', 'main', false));
  } finally {
    await closeSqlite(live);
  }
}
