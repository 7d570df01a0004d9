/**
 * Where a one-shot submission's CPU goes (issue 18): the compiled server (as `npm start` runs it)
 * and the baseline, each under the bench's submit-all load for a few seconds with V8's CPU
 * profiler on, then each profile summed by package (self time, and inclusive time: a package
 * counted once per sample when any frame of it is on the stack). Not part of `npm run bench`:
 * a profiling aid whose shares hold under load; the deciding figures come from
 * `bench/run.ts --only=throughput`. Run it under the bench lock when the machine matters:
 *
 *   flock /work/wt/bench.lock npx tsx bench/profile-submit.ts [sqlite|pg] [seconds=15] [connections=50]
 *   npx tsx bench/profile-submit.ts --read file.cpuprofile     summarise a saved profile
 *
 * PROF_PG_URL (default: the test cluster's admin URL) is where the PostgreSQL database is
 * created and dropped. PROF_KEEP=1 keeps the temporary directory (profiles, logs). PROF_HEAP=1
 * also samples both servers' allocations during the load (V8's sampling heap profiler, keeping
 * the samples of objects collected since: bench/lib/heap-sampling.cjs) and sums them by package
 * and by function, per request: what the garbage collector has to collect.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import type { Config } from '../src/config';
import { createDb } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { generateLinkToken } from '../src/lib/tokens';
import { createLogger } from '../src/logger';
import { Lifecycle } from '../src/lifecycle';
import { runSeeds } from '../seeds';
import { buildApp } from './lib/build';
import { LoadAccumulator, RequestPool, runSlice } from './lib/load';
import { bareInvitations, createInvitations, createRound, surveyShape } from './lib/loader';
import { cpuSeconds, projectRoot, startChild } from './lib/proc';
import { baselineRequests, exchangeTokens, submissionShape, submitAllRequests } from './lib/submissions';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (or app file, or runtime bucket) a frame belongs to. */
function bucketOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? `app ${url.slice(dist + 6)}` : url;
}

/**
 * `window`: the load's start and end in microseconds of the monotonic clock, which V8's sample
 * times and `process.hrtime` share, so start-up, the link exchange and shutdown are left out.
 */
export function summarise(profile: CpuProfile, top = 25, window?: [number, number]): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  const fnInclusive = new Map<string, number>();
  const fnKey = (frame: ProfileNode['callFrame']) => `${frame.functionName || '(anonymous)'} ${bucketOf(frame)}:${frame.lineNumber + 1}`;
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (window && (at < window[0] || at > window[1])) return;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    const bucket = bucketOf(node.callFrame);
    self.set(bucket, (self.get(bucket) ?? 0) + dt);
    const fn = fnKey(node.callFrame);
    fnSelf.set(fn, (fnSelf.get(fn) ?? 0) + dt);
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const frame = byId.get(up)!.callFrame;
      for (const [key, map] of [
        [bucketOf(frame), inclusive],
        [fnKey(frame), fnInclusive],
      ] as const) {
        if (seen.has(key)) continue;
        seen.add(key);
        map.set(key, (map.get(key) ?? 0) + dt);
      }
    }
  });
  const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  const table = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v)}  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`)
      .join('\n');
  return [
    `busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    'self time by package:',
    table(self, top),
    'inclusive time by package (once per sample):',
    table(inclusive, top),
    'self time by function:',
    table(fnSelf, top),
    'inclusive time by function (once per sample):',
    table(fnInclusive, top * 2),
  ].join('\n');
}

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated (sampled) by package and by function, per request. */
export function summariseHeap(root: HeapNode, requests: number, top = 25): string {
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode) => {
    if (n.selfSize) {
      total += n.selfSize;
      const bucket = bucketOf(n.callFrame);
      byPackage.set(bucket, (byPackage.get(bucket) ?? 0) + n.selfSize);
      const fn = `${n.callFrame.functionName || '(anonymous)'} ${bucket}:${n.callFrame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  const kb = (v: number) => `${(v / 1024 / Math.max(1, requests)).toFixed(1).padStart(7)} kB/request`;
  const table = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${kb(v)}  ${k}`)
      .join('\n');
  return [`allocated (sampled) ${kb(total)} over ${requests} requests`, 'by package:', table(byPackage), 'by function:', table(byFunction)].join('\n');
}

function latestFile(dir: string, ext: string): string {
  const file = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!file) throw new Error(`no ${ext} in ${dir}`);
  return file;
}

function latestProfile(dir: string): CpuProfile {
  return JSON.parse(fs.readFileSync(latestFile(dir, '.cpuprofile'), 'utf8')) as CpuProfile;
}

async function main(): Promise<void> {
  const readAt = process.argv.indexOf('--read');
  if (readAt >= 0) {
    process.stdout.write(summarise(JSON.parse(fs.readFileSync(process.argv[readAt + 1]!, 'utf8')) as CpuProfile, 40) + '\n');
    return;
  }
  const engine = process.argv[2] === 'pg' ? 'pg' : 'sqlite';
  const seconds = Number(process.argv[3] ?? 15);
  const connections = Number(process.argv[4] ?? 50);
  // Under the project: the compiled app finds node_modules by walking up from its directory.
  fs.mkdirSync(path.join(projectRoot, 'bench', 'tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(projectRoot, 'bench', 'tmp', 'prof-submit-'));
  const built = await buildApp(path.join(dir, 'app'));
  let admin: ReturnType<typeof knex> | undefined;
  const databases: string[] = [];
  const newDatabase = async (label: string): Promise<{ database: Config['database']; url: string }> => {
    if (engine === 'sqlite') {
      const filename = path.join(dir, `${label}.sqlite`);
      return { database: { client: 'sqlite', filename } as Config['database'], url: filename };
    }
    const adminUrl = process.env.PROF_PG_URL ?? 'postgres://kedergi:kedergi@127.0.0.1:5432/postgres';
    admin ??= knex({ client: 'pg', connection: adminUrl });
    const name = `prof_submit_${label}_${process.pid}`;
    await admin.raw(`create database ${name}`);
    databases.push(name);
    const url = adminUrl.replace(/\/postgres$/, `/${name}`);
    return { database: { client: 'postgres', url } as Config['database'], url };
  };
  const openDb = async (database: Config['database'], seed: boolean) => {
    const db = createDb(database);
    await migrateLatest(db);
    if (seed) {
      const config = { env: 'production', database, dataDir: dir, demo: false } as unknown as Config;
      await runSeeds({ db, config, logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() }, false);
    }
    return db;
  };
  const profDir = (kind: string) => {
    const d = path.join(dir, `prof-${kind}`);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const count = Math.ceil(seconds * 400) + 4 * connections;
  const heap = process.env.PROF_HEAP === '1';
  const profArgs = (kind: string) => ['--cpu-prof', `--cpu-prof-dir=${profDir(kind)}`, ...(heap ? ['--require', path.join(projectRoot, 'bench', 'lib', 'heap-sampling.cjs')] : [])];
  const heapEnv = (kind: string): Record<string, string> => (heap ? { HEAP_SAMPLING_FILE: path.join(profDir(kind), 'load.heapprofile') } : {});
  const served = new Map<string, number>();
  try {
    // Baseline: its own database, the invitation id in the path.
    const base = await newDatabase('baseline');
    const bdb = await openDb(base.database, true);
    const bRound = await createRound(bdb, await surveyShape(bdb), 'profile baseline');
    const bIds = await bareInvitations(bdb, bRound, count);
    const bPool = new RequestPool(baselineRequests(await submissionShape(bdb, bRound), bIds));
    const baseline = await startChild(built.baseline, { DATABASE_URL: base.url, PORT: '0', BASELINE_ROUND_ID: String(bRound), ...heapEnv('baseline') }, path.join(dir, 'baseline.log'), profArgs('baseline'));

    const real = await newDatabase('submit');
    const serverEnv = {
      NODE_ENV: 'production',
      PORT: '0',
      DATABASE_URL: real.url,
      KEDERGI_DEMO: '1',
      JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
      KEDERGI_ADMIN_EMAIL: 'bench-admin@example.kz',
      KEDERGI_ADMIN_PASSWORD: crypto.randomBytes(12).toString('base64url'),
      KEDERGI_DATA_DIR: path.join(dir, 'data'),
      KEDERGI_LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'info',
      KEDERGI_RESPONDENT_LIMIT_PER_MINUTE: '1000000',
    };
    const server = await startChild(built.server, { ...serverEnv, ...heapEnv('kedergi') }, path.join(dir, 'kedergi.log'), profArgs('kedergi'));
    const db = await openDb(real.database, false);
    const shape = await surveyShape(db);
    const round = await createRound(db, shape, 'profile submit');
    const tokens = Array.from({ length: count }, () => generateLinkToken());
    await createInvitations(db, round, tokens, shape.territoryIds);
    const credentials = await exchangeTokens(server.url, tokens);
    const kPool = new RequestPool(submitAllRequests(await submissionShape(db, round), credentials));

    const results: string[] = [];
    const windows = new Map<string, [number, number]>();
    const nowUs = () => Number(process.hrtime.bigint() / 1000n);
    for (const [label, target, pool] of [
      ['baseline', baseline, bPool],
      ['kedergi', server, kPool],
    ] as const) {
      const acc = new LoadAccumulator();
      const cpu0 = cpuSeconds(target.pid);
      const t0 = nowUs();
      if (heap) process.kill(target.pid, 'SIGUSR2');
      await runSlice(acc, { url: target.url, connections, seconds, pool });
      if (heap) process.kill(target.pid, 'SIGUSR2');
      windows.set(label, [t0, nowUs()]);
      await new Promise((r) => setTimeout(r, 1000));
      const s = acc.summary();
      served.set(label, s.ok);
      const cpuMs = ((cpuSeconds(target.pid) - cpu0) * 1000) / Math.max(1, s.ok);
      results.push(`${label}: ${s.requestsPerSecond.toFixed(0)} req/s, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, errors ${s.errors}, CPU ${cpuMs.toFixed(2)} ms per request (${JSON.stringify(s.statusCounts)})`);
    }
    await server.stop();
    await baseline.stop();
    await bdb.destroy();
    await db.destroy();
    process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${engine}, ${connections} connections, ${seconds} s each\n${results.join('\n')}\n`);
    for (const label of ['baseline', 'kedergi']) {
      process.stdout.write(`\n== ${label} ==\n${summarise(latestProfile(path.join(dir, `prof-${label}`)), 30, windows.get(label))}\n`);
      if (heap) {
        const profile = JSON.parse(fs.readFileSync(path.join(dir, `prof-${label}`, 'load.heapprofile'), 'utf8')) as { head: HeapNode };
        process.stdout.write(`\n== ${label}: allocations ==\n${summariseHeap(profile.head, served.get(label) ?? 0)}\n`);
      }
    }
    process.stdout.write(`\nprofiles in ${dir}\n`);
  } finally {
    if (admin) {
      for (const name of databases) await admin.raw(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.destroy();
    }
    if (!process.env.PROF_KEEP) {
      // Keep the profiles (small) but not the databases.
      for (const f of fs.readdirSync(dir)) if (f.endsWith('.sqlite') || f.endsWith('-wal') || f.endsWith('-shm') || f === 'app') fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
