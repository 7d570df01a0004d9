/**
 * Peak server RSS of exports and invitation uploads against a generated round, outside the full bench
 * (to profile memory; tells garbage from data held with PROBE_NODE_ARGS=--max-old-space-size=160).
 *   PROBE_DB=bench/tmp/p.sqlite|postgres://... PROBE_N=200000 PROBE_WHAT=upload,csv,excel,xlsx,workbook [PROBE_ROWS=100000]
 *   PROBE_NODE_ARGS='--require ./bench/lib/memory-log.cjs' PROBE_BUILT=1 npx tsx bench/export-memory.ts
 * The steps of PROBE_WHAT run in order against one server, as the national section runs the upload
 * and then the export. PROBE_BUILT=1 runs the compiled server as the bench does (no TypeScript
 * loader in the process, which alone costs tens of MB). The round is loaded once per database and
 * reused by later runs.
 *   PROBE_SETTLE_S=10: wait that long before the first step, so the server has warmed its libraries
 *   (src/lib/warm.ts) and what the steps add is not mixed with what warming adds.
 *   PROBE_MALLOC_STATS=1: after each step, glibc's malloc_stats() of the server (through gdb, into its
 *   log): per malloc arena, the bytes taken from the system against the bytes in use, which tells
 *   fragmentation from memory still held (the main thread allocates in arena 0; node-sqlite3 runs
 *   statements on libuv's pool threads, which have arenas of their own).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { cookieHeader, cookieJar, drain, http } from './lib/http';
import { createRound, surveyShape } from './lib/loader';
import { probeRound } from './lib/probe-round';
import { buildApp } from './lib/build';
import { measurePeakRss, rssBytes, startChild } from './lib/proc';

function residentMappings(pid: number): string {
  const maps: Array<{ range: string; name: string; size: number; rss: number }> = [];
  let current: (typeof maps)[number] | undefined;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+-[0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) maps.push((current = { range: head[1]!, name: head[2] || '[anon]', size: 0, rss: 0 }));
    else if (current && line.startsWith('Size:')) current.size = Number(/\d+/.exec(line)![0]);
    else if (current && line.startsWith('Rss:')) current.rss = Number(/\d+/.exec(line)![0]);
  }
  const anon = maps.filter((m) => m.name === '[anon]' || m.name === '[heap]');
  const bySize = new Map<string, { n: number; rss: number }>();
  for (const m of anon) {
    const bucket = m.name === '[heap]' ? 'brk heap' : m.size >= 60 * 1024 && m.size <= 66 * 1024 ? '64 MB arena-sized' : m.size <= 1024 ? '<= 1 MB' : m.size <= 16 * 1024 ? '1-16 MB' : '> 16 MB';
    const b = bySize.get(bucket) ?? { n: 0, rss: 0 };
    b.n++;
    b.rss += m.rss;
    bySize.set(bucket, b);
  }
  return [...bySize].map(([k, v]) => `  anon ${k}: ${v.n} mappings, ${(v.rss / 1024).toFixed(0)} MB resident`).join('\n');
}

/** glibc's malloc_stats() of `pid`, which it prints to its own stderr (the server log), summed per arena. */
function mallocStats(pid: number, log: string): string {
  const before = fs.statSync(log).size;
  const gdb = spawnSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (void)malloc_stats()'], { encoding: 'utf8' });
  if (gdb.status !== 0) return `  malloc_stats: gdb failed (${gdb.stderr.trim().split('\n').pop()})`;
  const text = fs.readFileSync(log, 'utf8').slice(before);
  const arenas = [...text.matchAll(/Arena (\d+):\s+system bytes\s+=\s+(\d+)\s+in use bytes\s+=\s+(\d+)/g)];
  const total = /Total \(incl\. mmap\):\s+system bytes\s+=\s+(\d+)\s+in use bytes\s+=\s+(\d+)/.exec(text);
  const mmapped = /max mmap bytes\s+=\s+(\d+)/.exec(text);
  const m = (b: string) => (Number(b) / 2 ** 20).toFixed(1);
  return [
    ...arenas.map(([, n, sys, used]) => `  malloc arena ${n}: system ${m(sys!)} MB, in use ${m(used!)} MB`),
    total ? `  malloc total (incl. mmap): system ${m(total[1]!)} MB, in use ${m(total[2]!)} MB; max mmap ${m(mmapped?.[1] ?? '0')} MB` : '  malloc_stats: no total',
  ].join('\n');
}

async function main() {
  const n = Number(process.env.PROBE_N ?? 50000);
  const url = process.env.PROBE_DB!;
  const database = url.startsWith('postgres') ? { client: 'postgres' as const, url } : { client: 'sqlite' as const, filename: url };
  const dir = path.resolve('bench/tmp/probe');
  fs.mkdirSync(dir, { recursive: true });
  const db = createDb(database as never);
  await migrateLatest(db);
  const roundId = await probeRound(db, database, dir, n);
  await db.destroy();
  const pw = 'probe-' + crypto.randomBytes(6).toString('hex');
  const env = { NODE_ENV: 'production', PORT: '0', JWT_SECRET: crypto.randomBytes(48).toString('base64url'), KEDERGI_ADMIN_EMAIL: 'probe@example.kz', KEDERGI_ADMIN_PASSWORD: pw, KEDERGI_DATA_DIR: dir, KEDERGI_LOG_LEVEL: 'warn', DATABASE_URL: url, KEDERGI_DEMO: '0' };
  const nodeArgs = (process.env.PROBE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const entry = process.env.PROBE_BUILT === '1' ? (await buildApp(path.join(dir, 'app'))).server : 'src/server.ts';
  const server = await startChild(entry, env, path.join(dir, 'server.log'), nodeArgs);
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(`server ${path.relative(process.cwd(), entry)} at rest: RSS ${mb(rssBytes(server.pid))} MB`);
  try {
    const tok = await http(`${server.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'probe@example.kz', password: pw }) });
    const token = (JSON.parse(tok.text) as { token: string }).token;
    const page = await http(`${server.url}/login`);
    const jar = cookieJar(page.headers.getSetCookie());
    const res = await http(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) }, body: new URLSearchParams({ _csrf: jar.get('kedergi_csrf')!, email: 'probe@example.kz', password: pw, next: '/' }).toString() });
    cookieJar(res.headers.getSetCookie(), jar);
    const urls: Record<string, [string, RequestInit]> = {
      csv: [`/api/v1/rounds/${roundId}/responses.csv`, { headers: { authorization: `Bearer ${token}` } }],
      xlsx: [`/api/v1/rounds/${roundId}/responses.xlsx`, { headers: { authorization: `Bearer ${token}` } }],
      workbook: [`/analysis/rounds/${roundId}/workbook.xlsx`, { headers: { cookie: cookieHeader(jar) } }],
      excel: [`/api/v1/rounds/${roundId}/responses.csv?variant=excel`, { headers: { authorization: `Bearer ${token}` } }],
    };
    // With PROBE_NODE_ARGS='--require ./bench/lib/promoted-profile.cjs': what each step promoted to the old generation.
    const profileStep = async () => {
      if (!nodeArgs.some((a) => a.includes('promoted-profile'))) return;
      process.kill(server.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 3000));
    };
    if (process.env.PROBE_SETTLE_S) await new Promise((r) => setTimeout(r, Number(process.env.PROBE_SETTLE_S) * 1000));
    console.log(`server before the first step: RSS ${mb(rssBytes(server.pid))} MB`);
    let inviteRound: number | undefined;
    let uploads = 0;
    let lastBatch: string | undefined;
    for (const what of (process.env.PROBE_WHAT ?? 'csv').split(',')) {
      await profileStep();
      let peakLine = '';
      let peakRss = 0;
      const timer = setInterval(() => {
        try {
          const st = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
          const rss = Number(/VmRSS:\s+(\d+)/.exec(st)![1]);
          if (rss > peakRss) {
            peakRss = rss;
            peakLine = ['RssAnon', 'RssFile', 'RssShmem'].map((k) => k + ' ' + Math.round(Number(new RegExp(k + ':\\s+(\\d+)').exec(st)![1]) / 1024)).join(' ');
          }
        } catch {
          /* process gone */
        }
      }, 20);
      let line: string;
      if (what === 'upload') {
        const csrf = jar.get('kedergi_csrf')!;
        // Every upload of one run goes to the same round, other enterprises each time (a national
        // register comes in files of the form's 100,000-row maximum).
        if (!inviteRound) {
          const dbu = createDb(database as never);
          inviteRound = await createRound(dbu, await surveyShape(dbu), 'probe invitations ' + Date.now());
          await dbu.destroy();
        }
        const fileNo = uploads++;
        const territories = ['Abai district', 'Ridder city', 'Семей қаласы', 'Уланский район', 'zaisan-district'];
        const rowsN = Number(process.env.PROBE_ROWS ?? 100000);
        const lines = ['name,contact,territory,sector,size'];
        for (let i = fileNo * rowsN; i < (fileNo + 1) * rowsN; i++) lines.push(`Кәсіпорын ${i},user${i}@example.kz,${territories[i % 5]},${'ACGJM'[i % 5]},${['micro', 'small', 'medium'][i % 3]}`);
        const form = new FormData();
        form.append('file', new Blob([lines.join('\n')], { type: 'text/csv' }), `register.csv`);
        const r = await measurePeakRss(server.pid, () => http(`${server.url}/admin/rounds/${inviteRound}/invitations/upload?_csrf=${csrf}`, { method: 'POST', headers: { cookie: cookieHeader(jar) }, body: form }));
        line = `upload ${rowsN}: ${r.result.status} ${r.result.headers.get('location')} in ${(r.result.ms / 1000).toFixed(1)} s; RSS start ${mb(r.startBytes)} peak ${mb(r.peakBytes)} MB`;
        lastBatch = /\/batches\/([\w-]+)/.exec(r.result.headers.get('location') ?? '')?.[1];
      } else if (what === 'links') {
        if (!lastBatch) throw new Error('links: no upload before it made a batch');
        const body = new URLSearchParams({ _csrf: jar.get('kedergi_csrf')! }).toString();
        const init = { method: 'POST', headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' }, body };
        const r = await measurePeakRss(server.pid, () => drain(`${server.url}/admin/rounds/${inviteRound}/invitations/links/${lastBatch}`, init));
        line = `links of the last upload: status ${r.result.status} ${(r.result.bytes / 1e6).toFixed(1)} MB in ${(r.result.ms / 1000).toFixed(1)} s; RSS start ${mb(r.startBytes)} peak ${mb(r.peakBytes)} MB`;
      } else {
        const [p, init] = urls[what]!;
        // PROBE_MID_SIGNAL_S: a profile in the middle of the export as well (what it holds while it runs).
        const mid = process.env.PROBE_MID_SIGNAL_S ? setTimeout(() => process.kill(server.pid, 'SIGUSR2'), Number(process.env.PROBE_MID_SIGNAL_S) * 1000) : undefined;
        const r = await measurePeakRss(server.pid, () => drain(server.url + p, init));
        clearTimeout(mid);
        line = `${what} n=${n} status ${r.result.status} ${(r.result.bytes / 1e6).toFixed(1)} MB in ${(r.result.ms / 1000).toFixed(1)} s; RSS start ${mb(r.startBytes)} peak ${mb(r.peakBytes)} MB`;
      }
      clearInterval(timer);
      console.log(`${line}; at peak ${peakLine}; after ${mb(rssBytes(server.pid))} MB`);
      // PROBE_SMAPS=1: the server's largest resident anonymous mappings (V8's heap pages, malloc arenas of the threads).
      if (process.env.PROBE_SMAPS === '1') console.log(residentMappings(server.pid));
      if (process.env.PROBE_MALLOC_STATS === '1') console.log(mallocStats(server.pid, path.join(dir, 'server.log')));
      await profileStep();
    }
  } finally {
    await server.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
