/**
 * Mail at scale (issue 12): queue N invitation mails for a round of N invitations through the
 * mail service, then send them with the `mail send` command (a child process, as cron runs it)
 * to an SMTP sink on loopback. Baselines in the same run: a bare multi-row INSERT of the same
 * number of pre-rendered outbox rows (no templates, no sealing), and nodemailer alone sending
 * pre-rendered messages over the same pooled connections (no outbox, no database).
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
import { sealBody } from '../../src/modules/mail/mail.sender';
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
  /** Sealing (AES-256-GCM) the same number of message payloads alone, in the same process: part of the queueing time. */
  sealSeconds: number;
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

    // Queueing: templates in three languages, merge fields, sealing, multi-row inserts.
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

    // The encryption share of queueing, measured alone: sealing as many payloads of the same shape.
    const sample = { enterprise: 'Bench enterprise 100000', link: `${config.publicUrl}/r/AbCdEfGhIjKlMnOpQrStUv`, closes: '31.12.2026, 18:00', optout: `${config.publicUrl}/mail/opt-out/i100000.AbCdEfGhIjKlMnOpQrStUvWxYz012345` };
    const e0 = performance.now();
    for (let i = 0; i < count; i++) sealBody(config.jwtSecret, { values: sample, lang: 'ru', headers: { 'List-Unsubscribe': `<${sample.optout}>` } });
    const sealSeconds = (performance.now() - e0) / 1000;
    log(`  sealing ${count} payloads alone: ${sealSeconds.toFixed(1)} s`);

    // Baseline 1: the same number of pre-rendered rows, inserted as queueing inserts them (multi-row
    // statements, a transaction per 2000) with nothing rendered or sealed.
    const now = nowIso();
    const rows = Array.from({ length: count }, (_, i) => ({
      message_id: `<bench-${i}-${Date.now()}@bench>`,
      kind: 'test',
      recipient: `enterprise${i + 1}@bench.example.kz`,
      language: 'ru',
      round_id: null,
      invitation_id: null,
      user_id: null,
      topic: null,
      snapshot_id: null,
      // The same unique index is kept up as for queued mail.
      dedupe_key: `bench:${i}:${Date.now()}`,
      payload: 'x'.repeat(1200),
      status: 'failed',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    }));
    const b0 = performance.now();
    for (let i = 0; i < rows.length; i += 2000) await db.transaction((trx) => insertIgnoringConflicts(trx, 'mail_outbox', rows.slice(i, i + 2000), 'dedupe_key'));
    const baselineQueueSeconds = (performance.now() - b0) / 1000;
    await db('mail_outbox').where({ kind: 'test' }).delete();

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
    log(`  baseline: bare INSERT of ${count} rows ${baselineQueueSeconds.toFixed(1)} s; nodemailer alone ${baselineRate.toFixed(0)} messages/s`);

    return {
      count,
      queueSeconds,
      baselineQueueSeconds,
      sealSeconds,
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
