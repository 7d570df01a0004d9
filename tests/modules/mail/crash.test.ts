import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices } from '../../../src/composition';
import { createDb, type Db } from '../../../src/db/knex';
import { migrateLatest } from '../../../src/db/migrate';
import { createLogger } from '../../../src/logger';
import { Lifecycle } from '../../../src/lifecycle';
import { runSeeds } from '../../../seeds';
import { createUser, testConfig } from '../../helpers/app';
import { freshDatabase, type FreshDatabase } from '../../helpers/db';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { insertRound, territoryId } from '../invitations/fixtures';

const SECRET = 'crash-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const root = path.resolve(__dirname, '../../..');
const TOTAL = 80;
const BASE = 'http://kedergi.test';

/**
 * The cron command is killed (SIGKILL) in the middle of a batch; the next run must send every
 * message that did not arrive, and re-send only those that were in flight at the kill, each
 * with the Message-ID it was queued with. Half the messages are whole messages sealed in their
 * row (one-off mail), half are round invitations whose values the sender makes when it sends.
 */
describe('mail sender killed mid-batch', () => {
  let fresh: FreshDatabase;
  let db: Db;
  let dir: string;
  let sink: SmtpSink;
  let databaseUrl: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-mail-crash-'));
    fresh = await freshDatabase('file', path.join(dir, 'db.sqlite'));
    databaseUrl = fresh.database.client === 'postgres' ? fresh.database.url : fresh.database.filename;
    db = createDb(fresh.database);
    await migrateLatest(db);
    // Each message takes the sink a while, so the kill lands with messages in flight.
    sink = await startSmtpSink(undefined, { delayMs: 25 });
  });
  afterAll(async () => {
    await sink?.close();
    await db?.destroy();
    await fresh?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = () =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'mail', 'send', '--wait'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        JWT_SECRET: SECRET,
        SMTP_URL: sink.url,
        MAIL_FROM: 'Kedergi <survey@kedergi.test>',
        MAIL_BATCH_SIZE: '20',
        MAIL_RATE_PER_MINUTE: '100000',
        MAIL_LEASE_SECONDS: '2',
        KEDERGI_LOG_LEVEL: 'silent',
        KEDERGI_DATA_DIR: dir,
      },
    });

  it('loses no message and re-sends at most the in-flight ones, with the same Message-ID', async () => {
    const ctx = { db, config: testConfig(fresh.database, { jwtSecret: SECRET, publicUrl: BASE, mail: { smtpUrl: sink.url, from: 'survey@kedergi.test', ratePerMinute: 100_000, batchSize: 20, leaseSeconds: 2 } }), logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() };
    const services = buildServices(ctx);
    await runSeeds(ctx, false, services);
    // Round mail first: the kill lands while its values are being made and sent.
    const round = await services.invitations.getRound(await insertRound(ctx, { closes_at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString() }));
    const admin = await createUser(ctx, 'admin');
    const territory = await territoryId(ctx, 'semey-city');
    const { invitations } = await services.invitations.createInvitations(
      round,
      admin.id,
      Array.from({ length: TOTAL / 2 }, (_, i) => ({ name: `Enterprise ${i}`, contact: null, email: `enterprise${i}@example.kz`, language: 'en' as const, territoryId: territory, sector: 'A', size: 'small' })),
      BASE,
    );
    expect(await services.mail.queueRound(round.id, 'invitation', BASE)).toBe(TOTAL / 2);
    await services.mail.enqueue(
      Array.from({ length: TOTAL / 2 }, (_, i) => ({
        messageId: services.mail.newMessageId(),
        kind: 'test' as const,
        recipient: `person${i}@example.kz`,
        language: 'en',
        subject: `Message ${i}`,
        text: `Body ${i}`,
      })),
    );
    const queued = (await db('mail_outbox').select('message_id')).map((r) => String(r.message_id));

    const first = run();
    let stderr = '';
    first.stderr!.on('data', (c) => (stderr += c));
    const firstExit = new Promise<NodeJS.Signals | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
    await sink.waitFor(25, 60_000).catch((e) => {
      throw new Error(`${e.message}; sender stderr: ${stderr}`);
    });
    first.kill('SIGKILL');
    expect(await firstExit).toBe('SIGKILL');
    const arrivedBeforeKill = sink.messages.length;
    expect(arrivedBeforeKill).toBeLessThan(TOTAL);
    const inFlight = new Set((await db('mail_outbox').where({ status: 'sending' }).select('message_id')).map((r) => String(r.message_id)));
    expect(inFlight.size).toBeGreaterThan(0);

    // The next run waits out the lease of the dead process and takes its messages over.
    await new Promise((r) => setTimeout(r, 2100));
    const second = run();
    second.stderr!.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => second.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);

    const received = sink.messages.map((m) => String(m.parsed.messageId));
    expect(new Set(received)).toEqual(new Set(queued));
    const copies = received.length - new Set(received).size;
    // Only messages the relay had accepted but the dead process had not yet recorded come twice:
    // at most one per pooled connection (5), and only ones that were in flight.
    expect(copies).toBeLessThanOrEqual(5);
    const seen = new Set<string>();
    for (const id of received) {
      if (seen.has(id)) expect(inFlight.has(id)).toBe(true);
      seen.add(id);
    }
    const statuses = await db('mail_outbox').select('status');
    expect(statuses.every((r) => r.status === 'sent')).toBe(true);
    // Each round invitation went out with its own link, made by whichever run sent it.
    const linkOf = new Map(invitations.map((inv) => [`enterprise${inv.name.slice('Enterprise '.length)}@example.kz`, inv.link]));
    const roundMail = sink.messages.filter((m) => m.to[0]!.startsWith('enterprise'));
    expect(new Set(roundMail.map((m) => m.to[0])).size).toBe(TOTAL / 2);
    for (const m of roundMail) expect(m.parsed.text).toContain(linkOf.get(m.to[0]!));
  });
});
