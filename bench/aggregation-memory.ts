/**
 * What each step of the aggregation section leaves in the server's memory, outside the full bench:
 *   PROBE_DB=bench/tmp/a.sqlite|postgres://... PROBE_N=100000 PROBE_WHAT=count,pdf,pdf,page,csv,xlsx,workbook npx tsx bench/aggregation-memory.ts
 * The server (compiled, as the bench runs it) has bench/lib/memory-mark.cjs preloaded; after each step the
 * probe prints its peak RSS and what the server then holds: V8's heap, external Buffers, glibc's heap and thread
 * arenas, V8's pages. `count` forgets the round's cells and counts them again in this process (as the bench's
 * syncRoundCells does), printing this process's memory before and after the pass; `count-server` (first step
 * only) forgets them before the server starts and waits for the server's own counter to count them (its first
 * sweep, a minute after the start).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { loadAnalysis } from './lib/adapters';
import { cookieHeader, cookieJar, drain, http } from './lib/http';
import { describeMemoryMark, memoryMark } from './lib/memory-mark';
import { probeRound } from './lib/probe-round';
import { buildApp } from './lib/build';
import { measurePeakRss, startChild, type ChildServer } from './lib/proc';

const mb = (b: number) => (b / 2 ** 20).toFixed(0);

function selfMemory(): string {
  const m = process.memoryUsage();
  const st = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(st)![1]) * 1024;
  const roll = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
  const anon = Number(/^Anonymous:\s+(\d+)/m.exec(roll)![1]) * 1024;
  return `RSS ${mb(m.rss)} (peak ${mb(hwm)}), anon ${mb(anon)}, heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)}, ArrayBuffers ${mb(m.arrayBuffers)}`;
}

async function mark(server: ChildServer): Promise<string> {
  const x = await memoryMark(server);
  if (!x) return 'no mark';
  return describeMemoryMark(x) + (process.env.PROBE_LARGE_MAPS ? ` [${String(x.largeMaps)}]` : '');
}

async function forget(db: Knex, roundId: number): Promise<void> {
  for (const t of ['analysis_item_cells', 'analysis_answer_cells', 'analysis_profile_cells', 'analysis_counted_responses']) await db(t).where({ round_id: roundId }).del();
}

async function main() {
  const n = Number(process.env.PROBE_N ?? 100000);
  // Absolute: the compiled server resolves a relative file against its own build directory.
  const url = process.env.PROBE_DB!.startsWith('postgres') ? process.env.PROBE_DB! : path.resolve(process.env.PROBE_DB!);
  const database = url.startsWith('postgres') ? { client: 'postgres' as const, url } : { client: 'sqlite' as const, filename: url };
  const dir = path.resolve('bench/tmp/aggprobe');
  fs.mkdirSync(dir, { recursive: true });
  const db = createDb(database as never);
  await migrateLatest(db);
  const analysis = await loadAnalysis();
  const roundId = await probeRound(db, database, dir, n);
  const steps = (process.env.PROBE_WHAT ?? 'count,pdf,pdf,page,csv,xlsx,workbook').split(',');
  if (steps.includes('count-server')) await forget(db, roundId);
  const pw = 'probe-' + crypto.randomBytes(6).toString('hex');
  const env = { NODE_ENV: 'production', PORT: '0', JWT_SECRET: crypto.randomBytes(48).toString('base64url'), KEDERGI_ADMIN_EMAIL: 'probe@example.kz', KEDERGI_ADMIN_PASSWORD: pw, KEDERGI_DATA_DIR: dir, KEDERGI_LOG_LEVEL: 'warn', DATABASE_URL: url, KEDERGI_DEMO: '0' };
  const entry = (await buildApp(path.join(dir, 'app'))).server;
  const server = await startChild(entry, env, path.join(dir, 'server.log'), ['--require', './bench/lib/memory-mark.cjs', ...(process.env.PROBE_NODE_ARGS ?? '').split(' ').filter(Boolean)]);
  try {
    const tok = await http(`${server.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'probe@example.kz', password: pw }) });
    if (tok.status !== 200) throw new Error(`API token: ${tok.status} ${tok.text.slice(0, 200)}`);
    const auth = { headers: { authorization: `Bearer ${(JSON.parse(tok.text) as { token: string }).token}` } };
    const page = await http(`${server.url}/login`);
    const jar = cookieJar(page.headers.getSetCookie());
    const res = await http(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) }, body: new URLSearchParams({ _csrf: jar.get('kedergi_csrf')!, email: 'probe@example.kz', password: pw, next: '/' }).toString() });
    cookieJar(res.headers.getSetCookie(), jar);
    const cookie = { headers: { cookie: cookieHeader(jar) } };
    const urls: Record<string, [string, RequestInit]> = {
      page: [`/analysis/rounds/${roundId}`, cookie],
      api: [`/api/v1/rounds/${roundId}/ranking`, auth],
      pdf: [`/api/v1/rounds/${roundId}/report.pdf?lang=ru`, auth],
      csv: [`/api/v1/rounds/${roundId}/responses.csv`, auth],
      xlsx: [`/api/v1/rounds/${roundId}/responses.xlsx`, auth],
      workbook: [`/analysis/rounds/${roundId}/workbook.xlsx`, cookie],
    };
    // Libraries warm in the background once the server listens (lib/warm.ts): wait for them to settle.
    await new Promise((r) => setTimeout(r, Number(process.env.PROBE_SETTLE_MS ?? 5000)));
    console.log(`server at rest: ${await mark(server)}`);
    for (const what of steps) {
      if (what === 'count') {
        await forget(db, roundId);
        console.log(`probe before counting: ${selfMemory()}`);
        const t0 = performance.now();
        await analysis.sync!(db, roundId);
        console.log(`probe after counting ${n} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${selfMemory()}`);
        continue;
      }
      if (what === 'count-server') {
        // The server's sweep runs a minute after it starts; wait for the cells to be complete.
        const r = await measurePeakRss(server.pid, async () => {
          for (;;) {
            const state = await db('analysis_counted_responses').where({ round_id: roundId }).count<{ c: number }[]>('* as c');
            if (Number(state[0]!.c) >= Math.round(n * 0.95) - 1) return;
            await new Promise((r) => setTimeout(r, 500));
          }
        });
        await new Promise((r) => setTimeout(r, 2000));
        console.log(`count-server: RSS start ${mb(r.startBytes)} peak ${mb(r.peakBytes)} MB; after: ${await mark(server)}`);
        continue;
      }
      if (what === 'save-pdf') {
        // The report as a file, to look into its images (pdfimages -list).
        const r = await fetch(server.url + urls.pdf![0], urls.pdf![1]);
        fs.writeFileSync(path.join(dir, 'report.pdf'), Buffer.from(await r.arrayBuffer()));
        fs.writeFileSync(path.join(dir, 'report.html'), (await http(`${server.url}/analysis/rounds/${roundId}/report?lang=ru`, cookie)).text);
        console.log(`saved ${path.join(dir, 'report.pdf')}`);
        continue;
      }
      const [p, init] = urls[what]!;
      const r = await measurePeakRss(server.pid, () => drain(server.url + p, init));
      if (r.result.status !== 200) throw new Error(`${what} (${p}) answered ${r.result.status}`);
      console.log(`${what}: ${r.result.status} ${(r.result.bytes / 1e6).toFixed(1)} MB in ${(r.result.ms / 1000).toFixed(1)} s; RSS start ${mb(r.startBytes)} peak ${mb(r.peakBytes)} MB; after: ${await mark(server)}`);
    }
  } finally {
    await server.stop();
    await db.destroy();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
