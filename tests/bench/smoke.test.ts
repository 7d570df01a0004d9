import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pgAdminUrl, testDbEngine } from '../helpers/db';

/**
 * The benchmark harness in smoke mode (tiny rounds, 2 s of load): every row of the table must
 * be there with a figure, no request may fail, and the run must clean up after itself. One
 * engine per pass: SQLite by default, PostgreSQL (the test server, a database of its own that
 * the harness drops) when TEST_DB=pg.
 */
const root = path.resolve(__dirname, '..', '..');
const engine = testDbEngine === 'postgres' ? 'pg' : 'sqlite';

interface Row {
  engine: string;
  key: string;
  kedergi: number | null;
  baseline: number | null;
}

describe(`bench smoke run (${engine})`, () => {
  it('prints a table with every row, no errors, and leaves nothing behind', async () => {
    const out = path.join(root, 'bench', 'tmp', `smoke-${process.pid}-${engine}.json`);
    const before = fs.existsSync(path.join(root, 'bench', 'tmp')) ? fs.readdirSync(path.join(root, 'bench', 'tmp')) : [];
    const env = { ...process.env, BENCH_PG_URL: pgAdminUrl, BENCH_SCALE: 'smoke' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', `--engines=${engine}`, `--out=${out}`], {
      cwd: root,
      env,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`bench failed: ${e.message}\n${e.stdout ?? ''}\n${(e.stderr ?? '').slice(-3000)}`);
    });
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as { pid: number; rows: Row[]; problems: string[]; options: { sizes: number[] } };
    fs.rmSync(out, { force: true });
    expect(results.problems).toEqual([]);

    const sizes = results.options.sizes;
    const expected = [
      'submit.rps',
      'submit.p50',
      'submit.p99',
      'submit.errors',
      ...sizes.flatMap((n) => [`ranking.service.${n}`, `ranking.page.${n}`, `ranking.api.${n}`]),
      'ranking.exponent.service',
      'ranking.exponent.page',
      'memory.idle',
      'memory.rankingPage',
      'memory.rankingApi',
      'memory.csv',
      'memory.xlsx',
      'memory.workbook',
      'export.csv.time',
      'export.xlsx.time',
      'export.workbook.time',
    ];
    const rows = new Map(results.rows.filter((r) => r.engine === engine).map((r) => [r.key, r]));
    for (const key of expected) {
      const row = rows.get(key);
      expect(row, key).toBeDefined();
      expect(Number.isFinite(row!.kedergi), `${key}: Kedergi figure`).toBe(true);
      expect(Number.isFinite(row!.baseline), `${key}: baseline figure`).toBe(true);
    }
    expect(rows.get('submit.errors')!.kedergi).toBe(0);
    expect(rows.get('submit.errors')!.baseline).toBe(0);
    expect(rows.get('submit.rps')!.kedergi).toBeGreaterThan(0);
    // Light pages: every respondent page measured as sent (compressed), with its plain size beside it.
    for (const key of ['pages.bytes.profile', 'pages.bytes.review']) {
      expect(rows.get(key)?.kedergi, key).toBeGreaterThan(0);
      expect(rows.get(key)!.kedergi!).toBeLessThan(rows.get(key)!.baseline!);
    }
    expect([...rows.keys()].filter((k) => k.startsWith('pages.bytes.page/')).length).toBeGreaterThan(0);
    for (const key of ['pages.static', 'pages.ttfb.idle', 'pages.ttfb.load.p50', 'pages.ttfb.load.p99']) expect(Number.isFinite(rows.get(key)?.kedergi), key).toBe(true);
    // National scale (at smoke size): import through the upload form, ranking and streamed export.
    for (const key of ['national.import.time', 'national.import.rss', 'national.load', 'national.rank.api', 'national.rank.page', 'national.export.time', 'national.export.rss']) {
      expect(Number.isFinite(rows.get(key)?.kedergi), key).toBe(true);
    }
    // Several processes: PostgreSQL only.
    if (engine === 'pg') {
      expect(rows.get('submit.workers2.rps')!.kedergi).toBeGreaterThan(0);
      expect(rows.get('submit.workers2.errors')!.kedergi).toBe(0);
    } else {
      expect(rows.has('submit.workers2.rps')).toBe(false);
    }
    // The markdown table on stdout: a header, a rule, one line per row.
    const label = engine === 'pg' ? 'PostgreSQL' : 'SQLite';
    expect(stdout.split('\n').filter((l) => l.startsWith(`| ${label} |`)).length).toBe(results.rows.length);

    // Cleaned up: no run directory left, and on PostgreSQL no database of the run.
    const after = fs.readdirSync(path.join(root, 'bench', 'tmp'));
    expect(after.filter((f) => f.startsWith('run-') && !before.includes(f))).toEqual([]);
    if (engine === 'pg') {
      const knex = (await import('knex')).default;
      const admin = knex({ client: 'pg', connection: pgAdminUrl, pool: { min: 0, max: 1 } });
      const left = await admin('pg_database').where('datname', 'like', `kedergi_bench_%_${results.pid}_%`).pluck('datname');
      await admin.destroy();
      expect(left).toEqual([]);
    }
  }, 180_000);
});
