/// <reference path="../src/types/express.d.ts" />
/**
 * Where the first ranking page after counting spends its time (issue 18, "no slow first read").
 *
 *   npx tsx bench/profile-ranking-page.ts [--size=100000] [--db=bench/tmp/profile-ranking.sqlite] [--out=bench/tmp/ranking-page.cpuprofile]
 *
 * On a SQLite file (made and loaded once, then reused; delete it to start again): a round of
 * `size` bulk-loaded responses, left uncounted as after a burst. The app runs in this process
 * (as the bench's server does, minus the HTTP client in another process); the script asks the
 * ranking page once uncounted, counts the round as the background counter would, then takes a
 * CPU profile (node:inspector) of the first page once counted (its charts drawn anew) and times
 * the same page again. It prints the page's time and bytes, the profile's self time by source
 * file and its heaviest functions. Relative shares hold under load; absolute times do not. The
 * page is asked uncompressed (the client is in this process); compression runs on libuv's threads.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from '../src/config';
import type { AppContext } from '../src/context';
import { createApp } from '../src/app';
import { buildServices } from '../src/composition';
import { createDb } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { loadChartLibraries } from '../src/lib/charts';
import { Lifecycle } from '../src/lifecycle';
import { createLogger } from '../src/logger';
import { syncRoundCells } from '../src/modules/analysis/analysis.service';
import { KnexUsersRepository } from '../src/modules/users/users.repository';
import { UsersService } from '../src/modules/users/users.service';
import { runSeeds } from '../seeds';
import { cookieHeader, cookieJar, http as get } from './lib/http';
import { createRound, loadRound, surveyShape } from './lib/loader';
import { projectRoot } from './lib/proc';
import { benchConfig } from './run';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const size = Number(arg('size', '100000'));
const file = path.resolve(arg('db', path.join(projectRoot, 'bench', 'tmp', 'profile-ranking.sqlite')));
const out = path.resolve(arg('out', path.join(projectRoot, 'bench', 'tmp', 'ranking-page.cpuprofile')));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

/** Self time per source file and per function, in ms, heaviest first. */
function summarise(profile: Profile): { files: Array<[string, number]>; functions: Array<[string, number]> } {
  const self = new Map<number, number>();
  // The first delta is the wait from Profiler.start to the first sample, not work: left out.
  profile.samples.forEach((id, k) => k > 0 && self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0) / 1000));
  const files = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (!ms) continue;
    const url = node.callFrame.url.replace(/^file:\/\//, '');
    const where = url.includes('/node_modules/') ? 'node_modules/' + url.split('/node_modules/').pop()!.split('/').slice(0, url.includes('/node_modules/@') ? 2 : 1).join('/') : url ? path.relative(projectRoot, url) : `(${node.callFrame.functionName || 'native'})`;
    files.set(where, (files.get(where) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { files: sorted(files), functions: sorted(functions) };
}

async function main(): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fresh = !fs.existsSync(file);
  const database: Config['database'] = { client: 'sqlite', filename: file } as Config['database'];
  const db = createDb(database);
  await migrateLatest(db);
  const config = benchConfig(database, path.dirname(file));
  const ctx: AppContext = { db, config, logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() };
  if (fresh) await runSeeds(ctx, false);
  const shape = await surveyShape(db);
  // A new round each run, so that its cells start uncounted; the file keeps the earlier ones.
  const roundId = await createRound(db, shape, `profile ${size} ${new Date().toISOString()}`, 'closed');
  const loaded = await loadRound(db, shape, roundId, size);
  console.log(`loaded ${size} responses in ${loaded.seconds.toFixed(1)} s (round ${roundId})`);
  const email = `profile-${process.pid}-${Date.now()}@example.kz`;
  const password = crypto.randomBytes(12).toString('base64url');
  await new UsersService(new KnexUsersRepository(db), 4).create(null, { email, name: 'Profile', role: 'researcher', password });

  loadChartLibraries();
  const app = createApp(ctx, buildServices(ctx));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const loginPage = await get(`${base}/login`);
  const jar = cookieJar(loginPage.headers.getSetCookie());
  const signedIn = await get(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ _csrf: jar.get('kedergi_csrf') ?? '', email, password, next: '/' }).toString(),
  });
  if (signedIn.status !== 303) throw new Error(`login answered ${signedIn.status}`);
  cookieJar(signedIn.headers.getSetCookie(), jar);
  const page = async () => {
    // Uncompressed: the client runs in this process too, and its decompressing would count in the profile.
    const res = await get(`${base}/analysis/rounds/${roundId}`, { headers: { cookie: cookieHeader(jar), 'accept-encoding': 'identity' } });
    if (res.status !== 200) throw new Error(`ranking page answered ${res.status}`);
    return res;
  };

  const burst = await page();
  console.log(`page with ${size} uncounted: ${burst.ms.toFixed(0)} ms`);
  const c0 = performance.now();
  await syncRoundCells(db, roundId);
  console.log(`counted in ${((performance.now() - c0) / 1000).toFixed(1)} s`);

  // Statements of the profiled page with their time (knex events: sent to answered, so queueing for the connection counts too).
  const started = new Map<string, { sql: string; at: number }>();
  const statements: Array<{ sql: string; ms: number }> = [];
  db.on('query', (q: { __knexQueryUid: string; sql: string }) => started.set(q.__knexQueryUid, { sql: q.sql, at: performance.now() }));
  db.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
    const s = started.get(q.__knexQueryUid);
    if (s) statements.push({ sql: s.sql, ms: performance.now() - s.at });
  });
  const session = new inspector.Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(session, 'Profiler.start');
  const first = await page();
  const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
  session.disconnect();
  db.removeAllListeners('query');
  db.removeAllListeners('query-response');
  const again = await page();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(profile));

  console.log(`first page once counted: ${first.ms.toFixed(0)} ms (profiled), again ${again.ms.toFixed(0)} ms; ${(Buffer.byteLength(first.text) / 1024).toFixed(0)} kB of HTML`);
  const { files, functions } = summarise(profile);
  const total = files.reduce((s, [, ms]) => s + ms, 0);
  console.log(`\nself time by file (${total.toFixed(0)} ms sampled, profile in ${path.relative(process.cwd(), out)}):`);
  for (const [f, ms] of files.slice(0, 25)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${f}`);
  console.log(`\nstatements of that page: ${statements.length}, ${statements.reduce((a, x) => a + x.ms, 0).toFixed(0)} ms summed (they overlap); slowest:`);
  for (const x of [...statements].sort((a, b) => b.ms - a.ms).slice(0, 12)) console.log(`  ${x.ms.toFixed(1).padStart(8)} ms  ${x.sql.replace(/\s+/g, ' ').slice(0, 220)}`);
  console.log('\nheaviest functions (self time):');
  for (const [f, ms] of functions.slice(0, 25)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${f}`);
  server.close();
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
