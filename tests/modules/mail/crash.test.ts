import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/knex';
import { migrateLatest } from '../../../src/db/migrate';
import { MailRepository } from '../../../src/modules/mail/mail.repository';
import { MailService } from '../../../src/modules/mail/mail.service';
import { freshDatabase, type FreshDatabase } from '../../helpers/db';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp';

const SECRET = 'crash-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const root = path.resolve(__dirname, '../../..');
const TOTAL = 80;

/**
 * The cron command is killed (SIGKILL) in the middle of a batch; the next run must send every
 * message that did not arrive, and re-send only those that were in flight at the kill, each
 * with the Message-ID it was queued with.
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
    const service = new MailService(new MailRepository(db), { getRound: async () => { throw new Error('unused'); }, mailTargets: async () => [] }, { secret: SECRET, from: 'survey@kedergi.test' });
    await service.enqueue(
      Array.from({ length: TOTAL }, (_, i) => ({
        messageId: service.newMessageId(),
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
  });
});
