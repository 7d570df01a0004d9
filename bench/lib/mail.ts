/**
 * Mail at scale (issue 12): queue N invitation mails for a round of N invitations through the
 * mail service, then send them with the `mail send` command (a child process, as cron runs it)
 * to an SMTP sink on loopback. Baselines in the same run: the same outbox rows inserted alone
 * (nothing planned: the database's own cost of them), and nodemailer alone sending pre-rendered
 * messages over the same pooled connections (no outbox, no database).
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { buildServices } from '../../src/composition';
import type { Config } from '../../src/config';
import type { AppContext } from '../../src/context';
import { insertIgnoringConflicts, nowIso } from '../../src/db/dialect';
import fs from 'node:fs';
import { projectRoot } from './proc';

/**
 * The kernel's high-water mark of a process's resident set (VmHWM), read until it exits: the
 * last reading before exit is the peak of its whole life (the sender starts, sends, exits).
 */
async function peakRssUntilExit(pid: number, exit: Promise<unknown>): Promise<number> {
  let peak = 0;
  const read = () => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kb) peak = Math.max(peak, Number(kb) * 1024);
    } catch {
      /* gone */
    }
  };
  const timer = setInterval(read, 20);
  await exit;
  clearInterval(timer);
  return peak;
}

export interface MailBenchResult {
  count: number;
  queueSeconds: number;
  baselineQueueSeconds: number;
  queuePeakRssMb: number;
  sendSeconds: number;
  sendRate: number;
  senderPeakRssMb: number;
  delivered: number;
  baselineCount: number;
  baselineRate: number;
}

/** An SMTP server that counts what it accepts and throws the bodies away. */
async function startSink(): Promise<{ url: string; received: () => number; firstAt: () => number; lastAt: () => number; close(): Promise<void> }> {
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        received++;
        lastAt = performance.now();
        if (!firstAt) firstAt = lastAt;
        callback();
      });
      stream.resume();
    },
  });
  // A client that drops its connection (a sender killed mid-batch, a pool closed) is not an error of the test.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    firstAt: () => firstAt,
    lastAt: () => lastAt,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function mailBench(input: {
  ctx: AppContext;
  databaseUrl: string;
  count: number;
  roundId: number;
  territoryId: number;
  /** The compiled CLI (dist/src/cli.js) or src/cli.ts under tsx. */
  cliEntry: string;
  dataDir: string;
  log: (s: string) => void;
}): Promise<MailBenchResult> {
  const { ctx, count, log } = input;
  const db: Knex = ctx.db;
  const sink = await startSink();
  const mail: Config['mail'] = { smtpUrl: sink.url, from: 'Kedergi bench <bench@kedergi.test>', ratePerMinute: 100_000_000, batchSize: 500, leaseSeconds: 300 };
  const config: Config = { ...ctx.config, mail, publicUrl: 'https://kedergi.example.kz' };
  const services = buildServices({ ...ctx, config });
  try {
    const admin = await services.users.create(null, { email: `mail-bench-${Date.now()}@example.kz`, name: 'Mail bench', role: 'admin', password: 'mail-bench-password' });
    const round = await services.invitations.getRound(input.roundId);
    const languages = ['kk', 'ru', 'en'] as const;
    const t0 = performance.now();
    for (let i = 0; i < count; i += 20_000) {
      const enterprises = Array.from({ length: Math.min(20_000, count - i) }, (_, j) => ({
        name: `Bench enterprise ${i + j + 1}`,
        contact: null,
        email: `enterprise${i + j + 1}@bench.example.kz`,
        language: languages[(i + j) % 3]!,
        territoryId: input.territoryId,
        sector: 'C',
        size: 'small',
      }));
      await services.invitations.createInvitations(round, admin.id, enterprises, config.publicUrl!);
    }
    log(`  ${count} invitations with addresses created in ${((performance.now() - t0) / 1000).toFixed(1)} s (setup, not measured)`);

    // Queueing: the plan (state, opt-outs, links kept, what each invitation has had), the snapshot
    // of each language's template, a row per message, a transaction per 2,000.
    let peak = process.memoryUsage().rss;
    const startRss = peak;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const q0 = performance.now();
    const queued = await services.mail.queueRound(input.roundId, 'invitation', config.publicUrl!);
    const queueSeconds = (performance.now() - q0) / 1000;
    clearInterval(sampler);
    if (queued !== count) throw new Error(`queued ${queued} of ${count}`);
    log(`  queued ${queued} invitation mails in ${queueSeconds.toFixed(1)} s`);

    // Sending: the cron command in its own process, until the outbox has nothing due.
    const s0 = performance.now();
    const child = spawn(process.execPath, input.cliEntry.endsWith('.ts') ? ['--import', 'tsx', input.cliEntry, 'mail', 'send', '--wait'] : [input.cliEntry, 'mail', 'send', '--wait'], {
      cwd: input.cliEntry.endsWith('.ts') ? projectRoot : undefined,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: input.databaseUrl,
        JWT_SECRET: config.jwtSecret,
        SMTP_URL: mail.smtpUrl,
        MAIL_FROM: mail.from,
        MAIL_RATE_PER_MINUTE: String(mail.ratePerMinute),
        MAIL_BATCH_SIZE: String(mail.batchSize),
        KEDERGI_DATA_DIR: input.dataDir,
        KEDERGI_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // An interrupted bench leaves no sender behind.
    const killChild = () => child.kill('SIGKILL');
    process.once('exit', killChild);
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const peakBytes = await peakRssUntilExit(child.pid!, exit);
    const code = await exit;
    process.removeListener('exit', killChild);
    const sendSeconds = (performance.now() - s0) / 1000;
    if (code !== 0) throw new Error(`mail send exited with ${code}: ${output.slice(-2000)}`);
    const delivered = sink.received();
    const sendRate = delivered / Math.max(0.001, (sink.lastAt() - sink.firstAt()) / 1000);
    log(`  sent ${delivered} in ${sendSeconds.toFixed(1)} s (${sendRate.toFixed(0)} messages/s between the first and the last), sender peak RSS ${(peakBytes / 1048576).toFixed(0)} MB`);

    // Baseline 1: the same rows as queueing inserts (same invitations, snapshots, statements,
    // chunks, indexes and foreign keys), with nothing planned or checked: the database's own cost.
    const queuedRows = (await db('mail_outbox').where({ round_id: input.roundId, kind: 'invitation' }).orderBy('id').select('invitation_id', 'snapshot_id', 'recipient', 'language')) as Array<Record<string, unknown>>;
    const now = nowIso();
    const stamp = Date.now();
    const rows = queuedRows.map((q, i) => ({
      message_id: `<bench-${i}-${stamp}@bench>`,
      kind: 'test',
      recipient: q.recipient,
      language: q.language,
      round_id: input.roundId,
      invitation_id: q.invitation_id,
      user_id: null,
      topic: null,
      snapshot_id: q.snapshot_id,
      dedupe_key: `bench:${i}:${stamp}`,
      payload: null,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    }));
    const b0 = performance.now();
    for (let i = 0; i < rows.length; i += 2000) await db.transaction((trx) => insertIgnoringConflicts(trx, 'mail_outbox', rows.slice(i, i + 2000), 'dedupe_key'));
    const baselineQueueSeconds = (performance.now() - b0) / 1000;
    await db('mail_outbox').where({ kind: 'test' }).delete();
    log(`  baseline: the same ${rows.length} rows inserted alone in ${baselineQueueSeconds.toFixed(1)} s`);

    // Baseline 2: nodemailer alone, same pool size, pre-rendered messages, no database.
    const baselineCount = Math.min(count, 10_000);
    const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: 5, maxMessages: 1000 } as Parameters<typeof nodemailer.createTransport>[0]);
    const before = sink.received();
    const n0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        while (next < baselineCount) {
          const i = next++;
          await transport.sendMail({ from: mail.from, to: `baseline${i}@bench.example.kz`, subject: `Baseline ${i}`, text: 'Body '.repeat(150), html: `<p>${'Body '.repeat(150)}</p>` });
        }
      }),
    );
    const baselineRate = (sink.received() - before) / ((performance.now() - n0) / 1000);
    transport.close();
    log(`  baseline: nodemailer alone ${baselineRate.toFixed(0)} messages/s`);

    return {
      count,
      queueSeconds,
      baselineQueueSeconds,
      queuePeakRssMb: (peak - startRss) / 1048576,
      sendSeconds,
      sendRate,
      senderPeakRssMb: peakBytes / 1048576,
      delivered,
      baselineCount,
      baselineRate,
    };
  } finally {
    await sink.close();
  }
}
