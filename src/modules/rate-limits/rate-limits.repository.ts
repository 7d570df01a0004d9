import type { Knex } from 'knex';
import { num } from '../../db/dialect';

export interface HitCount {
  hits: number;
  resetAt: number;
}

export interface RateLimitsRepository {
  /** Counts one hit against `key`, starting a new window of `windowMs` when the last one ended. */
  hit(key: string, windowMs: number, now: number): Promise<HitCount>;
  /**
   * Counts several hits per key at once (keys distinct), in one statement per few hundred keys,
   * and gives back each key's count and window after it.
   */
  hitMany(hits: Array<{ key: string; hits: number }>, windowMs: number, now: number): Promise<Map<string, HitCount>>;
  get(key: string, now: number): Promise<HitCount | undefined>;
  /** Takes one hit back (a successful login, when only failures count). */
  unhit(key: string, now: number): Promise<void>;
  reset(key: string): Promise<void>;
  /** Removes rows whose window has ended. */
  sweep(now: number): Promise<number>;
}

/** The only place knex is used for rate-limit counters. */
export class KnexRateLimitsRepository implements RateLimitsRepository {
  constructor(private readonly db: Knex) {}

  async hit(key: string, windowMs: number, now: number): Promise<HitCount> {
    // One statement on both engines (SQLite >= 3.35 and PostgreSQL have INSERT ... ON CONFLICT ...
    // RETURNING): two processes counting the same key at once cannot lose a hit.
    const result = await this.db.raw(
      `INSERT INTO rate_limit_hits (key, hits, reset_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_hits.reset_at <= ? THEN 1 ELSE rate_limit_hits.hits + 1 END,
         reset_at = CASE WHEN rate_limit_hits.reset_at <= ? THEN excluded.reset_at ELSE rate_limit_hits.reset_at END
       RETURNING hits, reset_at`,
      [key, now + windowMs, now, now],
    );
    const row = (Array.isArray(result) ? result[0] : result.rows[0]) as { hits: unknown; reset_at: unknown };
    return { hits: num(row.hits), resetAt: num(row.reset_at) };
  }

  async hitMany(hits: Array<{ key: string; hits: number }>, windowMs: number, now: number): Promise<Map<string, HitCount>> {
    const counts = new Map<string, HitCount>();
    // In key order: two processes writing overlapping keys lock their rows in the same order.
    const sorted = [...hits].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let i = 0; i < sorted.length; i += 300) {
      const chunk = sorted.slice(i, i + 300);
      const result = await this.db.raw(
        `INSERT INTO rate_limit_hits (key, hits, reset_at) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN rate_limit_hits.reset_at <= ? THEN excluded.hits ELSE rate_limit_hits.hits + excluded.hits END,
           reset_at = CASE WHEN rate_limit_hits.reset_at <= ? THEN excluded.reset_at ELSE rate_limit_hits.reset_at END
         RETURNING key, hits, reset_at`,
        [...chunk.flatMap((h) => [h.key, h.hits, now + windowMs]), now, now],
      );
      const rows = (Array.isArray(result) ? result : result.rows) as Array<{ key: string; hits: unknown; reset_at: unknown }>;
      for (const row of rows) counts.set(row.key, { hits: num(row.hits), resetAt: num(row.reset_at) });
    }
    return counts;
  }

  async get(key: string, now: number): Promise<HitCount | undefined> {
    const row = await this.db('rate_limit_hits').where({ key }).where('reset_at', '>', now).first('hits', 'reset_at');
    return row ? { hits: num(row.hits), resetAt: num(row.reset_at) } : undefined;
  }

  async unhit(key: string, now: number): Promise<void> {
    await this.db('rate_limit_hits').where({ key }).where('reset_at', '>', now).where('hits', '>', 0).decrement('hits', 1);
  }

  async reset(key: string): Promise<void> {
    await this.db('rate_limit_hits').where({ key }).delete();
  }

  async sweep(now: number): Promise<number> {
    return this.db('rate_limit_hits').where('reset_at', '<=', now).delete();
  }
}
