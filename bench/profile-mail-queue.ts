/**
 * Where queueing a round's mail goes (issue 12): times each part of MailService.queueRound on a
 * fresh database with N invitations with addresses. Not part of `npm run bench` (no baseline, no
 * targets): a profiling aid. Run it under the bench lock:
 *
 *   flock /work/wt/bench.lock npx tsx bench/profile-mail-queue.ts pg|sqlite [N=100000]
 *
 * PROF_PG_URL (default: the test cluster's admin URL) is where the database is created and dropped.
 * PROF_VARIANTS=1 then times the same outbox rows inserted in other ways (no payload, no foreign
 * keys, unnest, one JSON parameter) and EXPLAIN ANALYZEs one 2,000-row statement.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import knex from 'knex';
import { buildServices } from '../src/composition';
import type { Config } from '../src/config';
import type { AppContext } from '../src/context';
import { createDb } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { Lifecycle } from '../src/lifecycle';
import { runSeeds } from '../seeds';
import { createRound, surveyShape } from './lib/loader';
import { MailRepository } from '../src/modules/mail/mail.repository';
import { InvitationsService } from '../src/modules/invitations/invitations.service';

const engine = process.argv[2] ?? 'pg';
const count = Number(process.argv[3] ?? 100_000);
const timings = new Map<string, { n: number; ms: number }>();
function wrap(proto: object, name: string, label = name) {
  const target = proto as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const orig = target[name]!;
  target[name] = async function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try { return await orig.apply(this, args); } finally {
      const e = timings.get(label) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t0; timings.set(label, e);
    }
  };
}
wrap(MailRepository.prototype, 'enqueue');
wrap(MailRepository.prototype, 'roundMailSummary');
wrap(MailRepository.prototype, 'suppressed');
wrap(MailRepository.prototype, 'createSnapshot');
wrap(InvitationsService.prototype, 'mailTargets');

async function main() {
  const dir = fs.mkdtempSync('/tmp/prof-queue-');
  let database: Config['database'];
  let admin: ReturnType<typeof knex> | undefined;
  let dbName = '';
  if (engine === 'pg') {
    const url = process.env.PROF_PG_URL ?? 'postgres://kedergi:kedergi@127.0.0.1:5432/postgres';
    admin = knex({ client: 'pg', connection: url });
    dbName = `prof_mail_${process.pid}`;
    await admin.raw(`create database ${dbName}`);
    database = { client: 'postgres', url: url.replace(/\/postgres$/, `/${dbName}`) } as Config['database'];
  } else {
    database = { client: 'sqlite', filename: path.join(dir, 'db.sqlite') } as Config['database'];
  }
  const db = createDb(database);
  try {
    await migrateLatest(db);
    const config = {
      env: 'production', port: 0, database, jwtSecret: 'prof-' + crypto.randomBytes(24).toString('hex'), demo: false, logLevel: 'silent',
      loginLimitPerIp: 1000, loginLimitPerEmail: 1000, dataDir: dir, trustProxy: false, respondentLimitPerMinute: 1e6, sessionTtlSeconds: 3600,
      sessionMaxAgeSeconds: 3600, apiTokenTtlSeconds: 3600, shutdownSeconds: 10, logBufferBytes: 1 << 20, workers: 1,
      mail: { smtpUrl: 'smtp://127.0.0.1:9', from: 'Bench <bench@kedergi.test>', ratePerMinute: 1e8, batchSize: 500, leaseSeconds: 300 },
      publicUrl: 'https://kedergi.example.kz',
    } as unknown as Config;
    const ctx: AppContext = { db, config, logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() };
    await runSeeds(ctx, false);
    const services = buildServices(ctx);
    const shape = await surveyShape(db);
    const roundId = await createRound(db, shape, 'prof mail');
    const round = await services.invitations.getRound(roundId);
    const user = await services.users.create(null, { email: `p${Date.now()}@example.kz`, name: 'P', role: 'admin', password: 'prof-password-123' });
    const langs = ['kk', 'ru', 'en'] as const;
    for (let i = 0; i < count; i += 20_000) {
      await services.invitations.createInvitations(round, user.id, Array.from({ length: Math.min(20_000, count - i) }, (_, j) => ({
        name: `Bench enterprise ${i + j + 1}`, contact: null, email: `enterprise${i + j + 1}@bench.example.kz`, language: langs[(i + j) % 3]!,
        territoryId: shape.territoryIds[0]!, sector: 'C', size: 'small',
      })), config.publicUrl!);
    }
    if (engine === 'pg') await db.raw('analyze');
    timings.clear();
    const t0 = performance.now();
    const queued = await services.mail.queueRound(roundId, 'invitation', config.publicUrl!);
    const total = performance.now() - t0;
    console.log(`${engine}: queued ${queued} in ${(total / 1000).toFixed(2)} s`);
    for (const [k, v] of timings) console.log(`  ${k}: ${v.n} calls, ${(v.ms / 1000).toFixed(2)} s`);
    const rest = total - [...timings.values()].reduce((a, b) => a + b.ms, 0);
    console.log(`  rest (Node work between calls): ${(rest / 1000).toFixed(2)} s`);
    if (process.env.PROF_VARIANTS) {
      const { insertIgnoringConflicts } = await import('../src/db/dialect');
      const real = (await db('mail_outbox').orderBy('id').select('*')) as Array<Record<string, unknown>>;
      await db('mail_outbox').delete();
      const base = real.map(({ id, ...r }) => r);
      const variants: Record<string, (r: Record<string, unknown>, i: number) => Record<string, unknown>> = {
        same: (r) => r,
        noPayload: (r) => ({ ...r, payload: null }),
        noFks: (r) => ({ ...r, round_id: null, invitation_id: null, snapshot_id: null }),
        noFksNoPayload: (r) => ({ ...r, round_id: null, invitation_id: null, snapshot_id: null, payload: null }),
      };
      if (engine === 'pg') {
        const rows = base.slice(0, 2000).map((r, i) => ({ ...r, dedupe_key: `ex:${i}`, message_id: `<ex-${i}@x>` }));
        let c0 = process.cpuUsage(); let t1 = performance.now();
        const q = db('mail_outbox').insert(rows).onConflict('dedupe_key').ignore().returning('dedupe_key').toSQL().toNative();
        console.log(`  knex compile 2000 rows: ${(performance.now() - t1).toFixed(0)} ms wall, ${((process.cpuUsage(c0).user) / 1000).toFixed(0)} ms cpu; ${q.bindings.length} bindings`);
        await db.transaction(async (trx) => {
          const plan = await trx.raw(`explain (analyze, buffers, timing) ${q.sql.replace(/\$(\d+)/g, '?')}`, q.bindings as never);
          console.log(plan.rows.map((r: Record<string, string>) => '    ' + r['QUERY PLAN']).join('\n'));
          await trx.rollback();
        }).catch(() => undefined);
        c0 = process.cpuUsage(); t1 = performance.now();
        await db.transaction((trx) => trx.raw(q.sql.replace(/\$(\d+)/g, '?'), q.bindings as never));
        console.log(`  one 2000-row insert: ${(performance.now() - t1).toFixed(0)} ms wall, ${((process.cpuUsage(c0).user) / 1000).toFixed(0)} ms node cpu`);
        await db('mail_outbox').delete();
      }
      for (const rep of [1, 2]) for (const [name, f] of Object.entries(variants)) {
        const rows = base.map((r, i) => ({ ...f(r, i), dedupe_key: `${name}:${rep}:${i}`, message_id: `<${name}-${rep}-${i}@x>` }));
        const t1 = performance.now();
        for (let i = 0; i < rows.length; i += 2000) await db.transaction((trx) => insertIgnoringConflicts(trx, 'mail_outbox', rows.slice(i, i + 2000), 'dedupe_key'));
        console.log(`  variant ${name} (rep ${rep}): ${((performance.now() - t1) / 1000).toFixed(2)} s`);
        await db('mail_outbox').delete();
      }
      if (engine === 'pg') {
        // unnest: one array parameter per column instead of one parameter per value.
        for (const rep of [1, 2]) {
          const rows: Array<Record<string, unknown>> = base.map((r, i) => ({ ...r, dedupe_key: `un:${rep}:${i}`, message_id: `<un-${rep}-${i}@x>` }));
          const cols = Object.keys(rows[0]!);
          const types: Record<string, string> = {};
          const info = await db.raw(`select column_name, data_type from information_schema.columns where table_name = 'mail_outbox'`);
          for (const c of info.rows) types[c.column_name] = c.data_type === 'integer' ? 'int[]' : c.data_type === 'text' || c.data_type.startsWith('character') ? 'text[]' : `${c.data_type}[]`;
          const t1 = performance.now();
          for (let i = 0; i < rows.length; i += 2000) {
            const part = rows.slice(i, i + 2000);
            await db.transaction((trx) => trx.raw(`insert into mail_outbox (${cols.map((c) => `"${c}"`).join(',')}) select * from unnest(${cols.map((c) => `?::${types[c]}`).join(',')}) on conflict (dedupe_key) do nothing returning dedupe_key`, cols.map((c) => part.map((r) => r[c])) as never));
          }
          console.log(`  variant unnest (rep ${rep}): ${((performance.now() - t1) / 1000).toFixed(2)} s`);
          await db('mail_outbox').delete();
          const rows2 = base.map((r, i) => ({ ...r, dedupe_key: `js:${rep}:${i}`, message_id: `<js-${rep}-${i}@x>` }));
          const t2 = performance.now();
          for (let i = 0; i < rows2.length; i += 2000) {
            const part = rows2.slice(i, i + 2000);
            await db.transaction((trx) => trx.raw(`insert into mail_outbox (${cols.map((c) => `"${c}"`).join(',')}) select ${cols.map((c) => `"${c}"`).join(',')} from json_populate_recordset(null::mail_outbox, ?) on conflict (dedupe_key) do nothing returning dedupe_key`, [JSON.stringify(part)]));
          }
          console.log(`  variant json (rep ${rep}): ${((performance.now() - t2) / 1000).toFixed(2)} s`);
          await db('mail_outbox').delete();
        }
      }
    }
  } finally {
    await db.destroy();
    if (admin) { await admin.raw(`drop database if exists ${dbName}`); await admin.destroy(); }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
