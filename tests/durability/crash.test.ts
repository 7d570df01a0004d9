import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, testDbEngine, type FreshDatabase } from '../helpers/db';
import { crashRun } from './crash-harness';

/**
 * The real server as a child process on a file database (or PostgreSQL), 2000 concurrent
 * submissions with client idempotency keys, SIGKILL at seeded random moments, restarts and
 * client retries. The seed is logged so a failure can be replayed with CRASH_SEED.
 */
const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`crash durability on ${testDbEngine}`, () => {
  const dirs: string[] = [];
  const databases: FreshDatabase[] = [];
  afterEach(async () => {
    for (const d of databases.splice(0)) await d.drop();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function database() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-crash-'));
    dirs.push(dir);
    const fresh = await freshDatabase('file', path.join(dir, 'crash.sqlite'));
    databases.push(fresh);
    return fresh.database;
  }

  it('keeps every acknowledged submission exactly once through SIGKILLs', async () => {
    const report = await crashRun({ database: await database(), submissions: 2000, concurrency: 50, cycles: 3, seed });
    console.log(`crash durability (${testDbEngine}): seed=${report.seed} sent=${report.sent} acknowledged=${report.acknowledged} stored=${report.stored} cycles=${report.crashCycles} retries=${report.retries}`);
    expect(report.violations).toEqual([]);
    expect(report.acknowledged).toBe(2000);
    expect(report.stored).toBe(2000);
    expect(report.retries).toBeGreaterThan(0); // the kills did interrupt clients
  }, 600_000);

  // Several processes share one database only on PostgreSQL (KEDERGI_WORKERS refuses SQLite).
  it.runIf(testDbEngine === 'postgres')('with 2 worker processes, one SIGKILLed at a time: every acknowledged submission exactly once', async () => {
    const report = await crashRun({ database: await database(), submissions: 2000, concurrency: 50, cycles: 3, seed: seed + 2, workers: 2 });
    console.log(`crash durability, 2 workers (${testDbEngine}): seed=${report.seed} sent=${report.sent} acknowledged=${report.acknowledged} stored=${report.stored} worker kills=${report.crashCycles} retries=${report.retries}`);
    expect(report.violations).toEqual([]);
    expect(report.acknowledged).toBe(2000);
    expect(report.stored).toBe(2000);
    expect(report.retries).toBeGreaterThan(0); // the kills did interrupt clients
  }, 600_000);

  it('negative control: acknowledging before the commit is caught', async () => {
    const report = await crashRun({ database: await database(), submissions: 600, concurrency: 50, cycles: 2, seed: seed + 1, faultAckBeforeCommit: true });
    console.log(`crash negative control (${testDbEngine}): seed=${report.seed} acknowledged=${report.acknowledged} stored=${report.stored} violations=${report.violations.length}`);
    expect(report.violations.length).toBeGreaterThan(0);
    expect(report.violations.some((v) => v.startsWith('acknowledged'))).toBe(true);
  }, 600_000);
});
