import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Options } from 'express-rate-limit';
import { createDb, type Db } from '../../../src/db/knex';
import { migrateLatest } from '../../../src/db/migrate';
import { KnexRateLimitsRepository, type RateLimitsRepository } from '../../../src/modules/rate-limits/rate-limits.repository';
import { BufferedRateLimitStore } from '../../../src/modules/rate-limits/rate-limits.store';
import { freshDatabase, testDbEngine, type FreshDatabase } from '../../helpers/db';

/**
 * The respondent limiter's store (issue 18): hits are counted at once in the process and written
 * to the shared table in one statement per flush; each process then decides on the shared count
 * plus its own hits since. Two stores on one table stand for two server processes.
 */
describe(`buffered rate-limit store on ${testDbEngine}`, () => {
  let fresh: FreshDatabase;
  let db: Db;
  let repo: KnexRateLimitsRepository;
  let now = 1_000_000;
  const clock = () => now;
  const windowMs = 60_000;
  const errors: unknown[] = [];
  const store = (r: RateLimitsRepository = repo, prefix = 'respondent') => {
    const s = new BufferedRateLimitStore(r, prefix, 3_600_000, (e) => errors.push(e), clock);
    s.init({ windowMs } as Options);
    return s;
  };
  const stored = async (key: string) => (await db('rate_limit_hits').where({ key }).first())?.hits;

  beforeAll(async () => {
    fresh = await freshDatabase();
    db = createDb(fresh.database);
    await migrateLatest(db);
    repo = new KnexRateLimitsRepository(db);
  });
  afterAll(async () => {
    await db.destroy();
    await fresh.drop();
  });

  it('counts a hit at once, writes the hits of every key in one statement per flush', async () => {
    const s = store();
    const totals = [];
    for (let i = 0; i < 3; i++) totals.push((await s.increment('respondent:1')).totalHits);
    await s.increment('respondent:2');
    expect(totals).toEqual([1, 2, 3]);
    expect(await stored('respondent:respondent:1')).toBeUndefined();
    const statements: string[] = [];
    const listener = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', listener);
    await s.flush();
    db.off('query', listener);
    expect(statements.filter((sql) => /insert into rate_limit_hits/i.test(sql))).toHaveLength(1);
    expect(Number(await stored('respondent:respondent:1'))).toBe(3);
    expect(Number(await stored('respondent:respondent:2'))).toBe(1);
    expect((await s.increment('respondent:1')).totalHits).toBe(4);
    await s.close();
    expect(errors).toEqual([]);
  });

  it('two processes add up in the shared table, and each decides on the shared count after its flush', async () => {
    const a = store(repo, 'two');
    const b = store(repo, 'two');
    for (let i = 0; i < 3; i++) await a.increment('k');
    for (let i = 0; i < 2; i++) await b.increment('k');
    await a.flush();
    await b.flush();
    expect(Number(await stored('two:k'))).toBe(5);
    // b learnt the shared 5 from its flush; a learns it with its next write of this key, until
    // then deciding on what it knew (3) and its own hits since.
    expect((await b.increment('k')).totalHits).toBe(6);
    expect((await a.increment('k')).totalHits).toBe(4);
    await a.flush();
    expect((await a.increment('k')).totalHits).toBe(7);
    await a.close();
    await b.close();
    expect(Number(await stored('two:k'))).toBe(8);
  });

  it('keeps the hits of a failed write for the next one, and starts counting again when the window ends', async () => {
    let fail = true;
    const flaky: RateLimitsRepository = Object.assign(Object.create(repo), {
      hitMany: (...args: Parameters<RateLimitsRepository['hitMany']>) => {
        if (fail) return Promise.reject(new Error('database away'));
        return repo.hitMany(...args);
      },
    });
    const s = store(flaky, 'flaky');
    await s.increment('k');
    await s.increment('k');
    await expect(s.flush()).rejects.toThrow('database away');
    fail = false;
    await s.flush();
    expect(Number(await stored('flaky:k'))).toBe(2);
    now += windowMs + 1;
    expect((await s.increment('k')).totalHits).toBe(1);
    await s.close();
    expect(Number(await stored('flaky:k'))).toBe(1);
  });
});
