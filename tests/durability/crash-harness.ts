import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../bench/lib/build';
import { buildQuestionnairesService } from '../../src/composition';
import type { Config } from '../../src/config';
import type { AppContext } from '../../src/context';
import { createDb, type Db } from '../../src/db/knex';
import { batchInsert, dialectOf, insertReturningId, nowIso } from '../../src/db/dialect';
import { migrateLatest } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { Lifecycle } from '../../src/lifecycle';
import { mulberry32, type Random } from '../../src/lib/random';
import { hashToken } from '../../src/lib/tokens';
import { runSeeds } from '../../seeds';
import { freePort, sleep } from '../helpers/server-process';

/**
 * How long the server may take to answer /healthz after it is started (migrations and seed
 * content on the first start, a restart after each kill). Generous, because the machine running
 * the suite may be busy; how fast the server starts is the startup bench's business, not this test's.
 */
const START_DEADLINE_MS = 120_000;
/**
 * A client that can never get through must fail the run rather than hang it: the run fails when
 * no submission at all is acknowledged for this long (longer than a restart may take). A slow
 * machine that keeps acknowledging submissions is not a failure.
 */
const STALL_LIMIT_MS = 180_000;

export interface CrashRunOptions {
  database: Config['database'];
  submissions: number;
  concurrency: number;
  cycles: number;
  seed: number;
  /** Negative control: the server acknowledges before it commits. */
  faultAckBeforeCommit?: boolean;
  /**
   * sigkill (default): `cycles` SIGKILLs and restarts while clients retry. sigterm: one SIGTERM
   * in the middle of the burst; clients stop at their first refused request, and the server must
   * exit by itself within `shutdownSeconds`.
   */
  stop?: 'sigkill' | 'sigterm';
  shutdownSeconds?: number;
  /**
   * KEDERGI_WORKERS (PostgreSQL only). Above 1, each SIGKILL cycle kills one worker process and
   * the cluster primary must replace it while the other worker keeps serving.
   */
  workers?: number;
}

export interface CrashRunReport {
  seed: number;
  sent: number;
  acknowledged: number;
  stored: number;
  crashCycles: number;
  retries: number;
  violations: string[];
  /** sigterm runs: how the server ended after the signal. */
  exit?: ServerExit;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stderr: string;
}


/** An open round of the default questionnaire with one invitation (known token) per submission. */
async function prepare(db: Db, config: Config, count: number) {
  const ctx: AppContext = { db, config, logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() };
  await migrateLatest(db);
  await runSeeds(ctx, false);
  const questionnaire = await db('questionnaires').orderBy('id').first();
  const { questions } = await buildQuestionnairesService(db).versionItems(questionnaire.id);
  const territory = await db('territories').whereNot({ kind: 'region' }).orderBy('id').first();
  const now = nowIso();
  const roundId = await insertReturningId(db, 'rounds', {
    title: 'Crash round', questionnaire_id: questionnaire.id, status: 'open', audience: 'invitation', created_at: now, updated_at: now,
  });
  const tokens = Array.from({ length: count }, () => crypto.randomBytes(16).toString('base64url'));
  await db.transaction((trx) =>
    batchInsert(trx, 'invitations', tokens.map((token, i) => ({
      round_id: roundId, token_hash: hashToken(token), enterprise_name: `Кәсіпорын ${i}`, status: 'pending', created_at: now,
    }))),
  );
  return { roundId, tokens, itemCodes: questions.map((q) => q.code), questionIds: questions.map((q) => q.id), territoryCode: territory.code as string };
}

function body(random: Random, itemCodes: string[], territoryCode: string, key: string) {
  const answers: Record<string, string> = {};
  for (const code of itemCodes) answers[code] = String(1 + Math.floor(random() * 5));
  return { idempotencyKey: key, language: 'kk', profile: { territory: territoryCode, sector: 'C', size: 'small', employees: 12 }, answers };
}

class Server {
  child?: ChildProcess;
  stderr = '';
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly port: number,
    /** The compiled server (dist/src/server.js) and the directory it runs in. */
    private readonly app: { dir: string; server: string },
  ) {}

  async start(): Promise<void> {
    // Plain `node` on the compiled server, as `npm start` runs it: the server is this one
    // process, so SIGKILL hits the server itself, and no process (no cluster worker either)
    // compiles TypeScript while it starts.
    this.child = spawn(process.execPath, [this.app.server], { cwd: this.app.dir, env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (d) => {
      stderr += d;
      this.stderr = stderr;
    });
    const deadline = Date.now() + START_DEADLINE_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) return;
      } catch {
        /* not up yet */
      }
      await sleep(100);
    }
    throw new Error(`server did not answer /healthz within ${START_DEADLINE_MS / 1000} s: ${stderr}`);
  }

  /**
   * The cluster's worker processes that hold the listening socket (Linux /proc): children of the
   * primary with a descriptor on the socket listening on our port. Only those serve requests.
   */
  listeningWorkerPids(): number[] {
    const pid = this.child?.pid;
    if (!pid) return [];
    const portHex = this.port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set(
      ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((f) => f.length > 9 && f[1]!.endsWith(`:${portHex}`) && f[3] === '0A')
          .map((f) => `socket:[${f[9]}]`),
      ),
    );
    const children = fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return children.filter((child) => {
      try {
        return fs.readdirSync(`/proc/${child}/fd`).some((fd) => {
          try {
            return inodes.has(fs.readlinkSync(`/proc/${child}/fd/${fd}`));
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    });
  }

  async kill(signal: NodeJS.Signals): Promise<ServerExit | undefined> {
    const child = this.child;
    if (!child || child.exitCode !== null) return undefined;
    const t0 = performance.now();
    return new Promise<ServerExit>((resolve) => {
      child.once('exit', (code, sig) => resolve({ code, signal: sig, ms: performance.now() - t0, stderr: this.stderr }));
      child.kill(signal);
    });
  }
}

/**
 * Many clients submit whole questionnaires with their own idempotency keys while the
 * server is killed with SIGKILL at seeded random moments and restarted; clients retry
 * whatever was not acknowledged. Afterwards the database must hold every acknowledged
 * submission exactly once, nothing partial, and nothing nobody sent.
 */
export async function crashRun(options: CrashRunOptions): Promise<CrashRunReport> {
  const random = mulberry32(options.seed);
  const setupDb = createDb(options.database);
  const jwtSecret = crypto.randomBytes(32).toString('hex');
  const config = { database: options.database } as Config;
  let prepared;
  try {
    prepared = await prepare(setupDb, config, options.submissions);
  } finally {
    await setupDb.destroy();
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PORT: String(port),
    DATABASE_URL: options.database.client === 'postgres' ? options.database.url : options.database.filename,
    JWT_SECRET: jwtSecret,
    KEDERGI_DEMO: 'false',
    KEDERGI_LOG_LEVEL: 'silent',
    KEDERGI_ADMIN_EMAIL: 'crash@example.kz',
    KEDERGI_ADMIN_PASSWORD: 'crash-test-password',
    KEDERGI_SHUTDOWN_SECONDS: String(options.shutdownSeconds ?? 10),
    KEDERGI_WORKERS: String(options.workers ?? 1),
    // All simulated respondents share one address.
    KEDERGI_RESPONDENT_LIMIT_PER_MINUTE: '1000000',
    NODE_ENV: 'test',
    ...(options.faultAckBeforeCommit ? { KEDERGI_FAULT_INJECTION: 'ack-before-commit' } : {}),
  };
  const appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-crash-app-'));
  try {
    const app = await buildApp(appDir);
    // Outside the repository, the compiled files find the packages through a link.
    fs.symlinkSync(path.join(__dirname, '../../node_modules'), path.join(appDir, 'node_modules'));
    return await burst(options, prepared, env, new Server(env, port, { dir: app.dir, server: app.server }), random);
  } finally {
    fs.rmSync(appDir, { recursive: true, force: true });
  }
}

async function burst(options: CrashRunOptions, prepared: Awaited<ReturnType<typeof prepare>>, env: NodeJS.ProcessEnv, server: Server, random: Random): Promise<CrashRunReport> {
  const port = Number(env.PORT);
  await server.start();

  const base = `http://127.0.0.1:${port}`;
  const keys = prepared.tokens.map((_, i) => `crash-${options.seed}-${i}`);
  const sentKeys = new Set<string>();
  const acknowledged = new Set<string>();
  let retries = 0;
  let next = 0;
  let serverUp = true;
  // sigterm runs: once the signal is sent, a client whose request fails gives up instead of retrying.
  let stopping = false;
  let lastAcknowledged = Date.now();
  const stalled = () => Date.now() - lastAcknowledged > STALL_LIMIT_MS;

  async function submitOne(i: number): Promise<void> {
    const token = prepared.tokens[i]!;
    const key = keys[i]!;
    const payload = JSON.stringify(body(random, prepared.itemCodes, prepared.territoryCode, key));
    let session: { cookies: string[]; csrf: string } | undefined;
    for (;;) {
      if (stalled()) throw Object.assign(new Error(`submission ${i}: no submission acknowledged for ${STALL_LIMIT_MS / 1000} s`), { fatal: true });
      if (!serverUp) {
        await sleep(50);
        continue;
      }
      try {
        // Like a browser, a client keeps its cookies: once a submission may have been stored the
        // link itself is spent (a used link answers like an unknown one), and only the respondent
        // cookie can ask again with the same idempotency key.
        if (!session) {
          const open = await fetch(`${base}/r/${token}`, { redirect: 'manual' });
          const got = open.headers.getSetCookie().map((c) => c.split(';')[0]!);
          const csrf = got.find((c) => c.startsWith('kedergi_csrf='))?.split('=')[1];
          if (open.status !== 303 || !csrf) throw new Error(`open ${open.status}`);
          session = { cookies: got, csrf };
        }
        const { cookies, csrf } = session;
        sentKeys.add(key);
        const res = await fetch(`${base}/respond/submit-all`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', cookie: cookies.join('; '), 'x-csrf-token': csrf },
          body: payload,
        });
        if (res.status === 200 || res.status === 201) {
          await res.arrayBuffer();
          acknowledged.add(key);
          lastAcknowledged = Date.now();
          return;
        }
        const text = await res.text();
        if (res.status < 500) throw Object.assign(new Error(`submit ${res.status}: ${text.slice(0, 200)}`), { fatal: true });
      } catch (error) {
        if ((error as { fatal?: boolean }).fatal) throw error;
        if (stopping) return;
      }
      retries++;
      await sleep(20 + Math.floor(random() * 30));
    }
  }

  const workers = Array.from({ length: options.concurrency }, async () => {
    while (next < prepared.tokens.length && !stopping) await submitOne(next++);
  });

  let exit: ServerExit | undefined;
  const killer = (async () => {
    if (options.stop === 'sigterm') {
      // In the middle of the burst: some acknowledged, many in flight.
      while (acknowledged.size < Math.min(prepared.tokens.length / 4, options.concurrency * 2) && !stalled()) await sleep(10);
      stopping = true;
      exit = await server.kill('SIGTERM');
      return;
    }
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      await sleep(300 + Math.floor(random() * 1200));
      if ((options.workers ?? 1) > 1) {
        // One worker dies while the others serve; the primary starts a replacement, and the
        // next kill waits until every worker (the replacement too) is listening again.
        let pids = server.listeningWorkerPids();
        while (pids.length < options.workers! && !stalled()) {
          await sleep(100);
          pids = server.listeningWorkerPids();
        }
        if (pids.length === 0) throw new Error(`no worker process listening on port ${port}: ${server.stderr}`);
        process.kill(pids[Math.floor(random() * pids.length)]!, 'SIGKILL');
        continue;
      }
      serverUp = false;
      await server.kill('SIGKILL');
      await server.start();
      serverUp = true;
    }
  })();

  const failures: unknown[] = [];
  await Promise.all([killer, ...workers.map((w) => w.catch((e) => failures.push(e)))]);
  await server.kill('SIGTERM');

  const violations: string[] = failures.map((f) => `client failure: ${String(f)}`);
  const check = createDb(options.database);
  let stored = 0;
  try {
    if (dialectOf(check) === 'sqlite') {
      const [row] = await check.raw('PRAGMA integrity_check');
      const verdict = Object.values(row as Record<string, unknown>)[0];
      if (verdict !== 'ok') violations.push(`integrity_check: ${String(verdict)}`);
    }
    const rows: { id: number; idempotency_key: string | null; status: string; answers: number | string }[] = await check('responses as r')
      // The questions' answers; the profile's are stored beside them.
      .leftJoin('answers as a', (on) => on.on('a.response_id', 'r.id').onIn('a.item_id', prepared.questionIds))
      .where('r.round_id', prepared.roundId)
      .groupBy('r.id', 'r.idempotency_key', 'r.status')
      .select('r.id', 'r.idempotency_key', 'r.status', check.raw('count(a.item_id) as answers'));
    stored = rows.length;
    const byKey = new Map<string, number>();
    for (const r of rows) {
      if (r.status !== 'submitted' || Number(r.answers) !== prepared.questionIds.length) {
        violations.push(`partial response ${r.id}: status ${r.status}, ${r.answers} answers`);
      }
      if (!r.idempotency_key || !sentKeys.has(r.idempotency_key)) violations.push(`response ${r.id} with key ${r.idempotency_key} that no client sent`);
      else byKey.set(r.idempotency_key, (byKey.get(r.idempotency_key) ?? 0) + 1);
    }
    for (const key of acknowledged) {
      const n = byKey.get(key) ?? 0;
      if (n !== 1) violations.push(`acknowledged ${key} stored ${n} times`);
    }
  } finally {
    await check.destroy();
  }
  return { seed: options.seed, sent: sentKeys.size, acknowledged: acknowledged.size, stored, crashCycles: options.cycles, retries, violations, exit };
}
