import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/knex';
import { insertReturningId, nowIso } from '../../../src/db/dialect';
import { migrateLatest } from '../../../src/db/migrate';
import { freshDatabase, testDbEngine, type FreshDatabase } from '../../helpers/db';

const root = path.join(__dirname, '../../..');

function cli(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/cli.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, JWT_SECRET: 'x'.repeat(40) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A small survey written straight into the tables: one round, 30 responses of 5 answers. */
async function fillSurvey(db: Db): Promise<number> {
  const now = nowIso();
  const q = await insertReturningId(db, 'questionnaires', { code: 'BK', version: 1, title_kk: 'Қ', title_ru: 'Р', title_en: 'E', definition: '{}', created_at: now });
  const cat = await insertReturningId(db, 'questionnaire_categories', { questionnaire_id: q, code: 'C', position: 1, title_kk: 'к', title_ru: 'к', title_en: 'c' });
  const items: number[] = [];
  for (let i = 1; i <= 5; i++) {
    items.push(await insertReturningId(db, 'questionnaire_items', { questionnaire_id: q, category_id: cat, code: `B0${i}`, position: i, text_kk: 'Кедергі ә', text_ru: 'Барьер', text_en: 'Barrier' }));
  }
  const round = await insertReturningId(db, 'rounds', { title: 'Backup round', questionnaire_id: q, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
  for (let r = 0; r < 30; r++) {
    const inv = await insertReturningId(db, 'invitations', { round_id: round, token_hash: String(r).padStart(64, "0"), enterprise_name: `ЖШС «Кәсіп ${r}»`, status: 'submitted', created_at: now });
    const resp = await insertReturningId(db, 'responses', { round_id: round, invitation_id: inv, status: 'submitted', language: 'kk', started_at: now, updated_at: now, submitted_at: now });
    await db('answers').insert(items.map((item, k) => ({ response_id: resp, item_id: item, round_id: round, value: k === 4 && r % 7 === 0 ? null : ((r + k) % 5) + 1, cannot_judge: k === 4 && r % 7 === 0, comment: k === 0 ? `пікір ${r}` : null })));
  }
  return round;
}

async function snapshot(db: Db) {
  return {
    responses: await db('responses').select('id', 'invitation_id', 'status').orderBy('id'),
    answers: await db('answers').select('response_id', 'item_id', 'value', 'cannot_judge', 'comment').orderBy(['response_id', 'item_id']),
    invitations: await db('invitations').select('id', 'enterprise_name').orderBy('id'),
  };
}

describe(`backup and restore on ${testDbEngine}`, () => {
  let fresh: FreshDatabase;
  let db: Db;
  let url: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-backup-'));
  const backupFile = path.join(dir, testDbEngine === 'sqlite' ? 'backup.sqlite' : 'backup.dump');

  beforeAll(async () => {
    const file = path.join(dir, 'live.sqlite');
    fresh = await freshDatabase('file', file);
    url = fresh.database.client === 'postgres' ? fresh.database.url : file;
    db = createDb(fresh.database);
    await migrateLatest(db);
    await fillSurvey(db);
  });
  afterAll(async () => {
    await db.destroy();
    await fresh.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a consistent backup while writes go on, and restore puts it back', async () => {
    const before = await snapshot(db);
    // Keep writing while the backup runs, as a live server would.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await db('audit_log').insert({ action: 'test.write', created_at: nowIso() });
        written++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const backup = await cli(['backup', backupFile], url);
    writing = false;
    await writer;
    expect(backup.stderr.replace(/npm warn.*\n?/g, '')).toBe('');
    expect(backup.code).toBe(0);
    expect(fs.statSync(backupFile).size).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(0);

    // Damage the live data: delete answers and responses, rename an enterprise.
    await db('answers').where('response_id', '<=', before.responses[9].id).del();
    await db('responses').where('id', '<=', before.responses[9].id).del();
    await db('invitations').where({ id: before.invitations[0].id }).update({ enterprise_name: 'changed' });
    expect((await snapshot(db)).answers.length).toBeLessThan(before.answers.length);

    const restore = await cli(['restore', backupFile], url);
    expect(restore.code, restore.stderr).toBe(0);
    // PostgreSQL: pg_restore replaced tables under the pool's feet; a new connection sees them.
    const check = createDb(fresh.database);
    try {
      expect(await snapshot(check)).toEqual(before);
      if (testDbEngine === 'sqlite') {
        const [row] = await check.raw('PRAGMA integrity_check');
        expect(Object.values(row)[0]).toBe('ok');
      }
    } finally {
      await check.destroy();
    }
  });

  it('refuses to run without a file and names the problem', async () => {
    const res = await cli(['backup'], url);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Usage: backup FILE');
    const missing = await cli(['restore', path.join(dir, 'nope.sqlite')], url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no backup at');
  });
});
