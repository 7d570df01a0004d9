import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { RateLimitsRepository } from './rate-limits.repository';

/** Ended windows are swept about once per this many hits, so the table stays small without a timer. */
const SWEEP_EVERY = 500;

/**
 * An express-rate-limit Store on the database (a table behind a repository), so every server
 * process counts against the same numbers. Written here because the maintained stores cover one
 * engine each (@acpr/rate-limit-postgresql: PostgreSQL only; the memory store: one process), and
 * Kedergi runs on SQLite and PostgreSQL alike.
 */
export class DatabaseRateLimitStore implements Store {
  private windowMs = 60_000;
  private hitsSinceSweep = 0;
  readonly localKeys = false;

  constructor(
    private readonly repo: RateLimitsRepository,
    /** Distinct per limiter: two limiters must not count into one key. */
    readonly prefix: string,
    private readonly clock: () => number = Date.now,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`.slice(0, 300);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const found = await this.repo.get(this.key(key), this.clock());
    return found ? { totalHits: found.hits, resetTime: new Date(found.resetAt) } : undefined;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const now = this.clock();
    if (++this.hitsSinceSweep >= SWEEP_EVERY) {
      this.hitsSinceSweep = 0;
      await this.repo.sweep(now);
    }
    const { hits, resetAt } = await this.repo.hit(this.key(key), this.windowMs, now);
    return { totalHits: hits, resetTime: new Date(resetAt) };
  }

  async decrement(key: string): Promise<void> {
    await this.repo.unhit(this.key(key), this.clock());
  }

  async resetKey(key: string): Promise<void> {
    await this.repo.reset(this.key(key));
  }
}

/**
 * A Store on the same table that does not wait for the database on each request: a hit is
 * counted at once in this process, and every `flushMs` the hits of all keys since the last
 * flush go to the table in one statement, which gives back each key's shared count. A process
 * decides on the shared count as of its last write of that key plus its own hits since, and
 * learns the others' hits with its next write: with several processes one key can pass its limit
 * by what each process lets through for it within one flush interval (a fraction of a second),
 * and a process that dies loses at most that interval's hits. Meant for limits where that slack is harmless and which are hit on every
 * request (the respondent routes); login limits count each attempt in the table before answering.
 */
export class BufferedRateLimitStore implements Store {
  private windowMs = 60_000;
  private readonly counts = new Map<string, { shared: number; pending: number; resetAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private flushesSinceSweep = 0;
  readonly localKeys = false;

  constructor(
    private readonly repo: RateLimitsRepository,
    readonly prefix: string,
    private readonly flushMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush().catch(this.onError), this.flushMs);
      this.timer.unref();
    }
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`.slice(0, 300);
  }

  /** This process's view of a key in the current window (a new window once the last one ended). */
  private entry(key: string, now: number) {
    let entry = this.counts.get(key);
    if (!entry || entry.resetAt <= now) {
      // Hits of an ended window that were not written yet no longer count against anything.
      entry = { shared: 0, pending: 0, resetAt: now + this.windowMs };
      this.counts.set(key, entry);
    }
    return entry;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const now = this.clock();
    const entry = this.counts.get(this.key(key));
    if (entry && entry.resetAt > now) return { totalHits: entry.shared + entry.pending, resetTime: new Date(entry.resetAt) };
    const found = await this.repo.get(this.key(key), now);
    return found ? { totalHits: found.hits, resetTime: new Date(found.resetAt) } : undefined;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const entry = this.entry(this.key(key), this.clock());
    entry.pending++;
    return { totalHits: entry.shared + entry.pending, resetTime: new Date(entry.resetAt) };
  }

  async decrement(key: string): Promise<void> {
    const entry = this.counts.get(this.key(key));
    if (entry && entry.pending > 0) entry.pending--;
    else await this.repo.unhit(this.key(key), this.clock());
  }

  async resetKey(key: string): Promise<void> {
    this.counts.delete(this.key(key));
    await this.repo.reset(this.key(key));
  }

  /** Writes the hits counted since the last flush (one write at a time) and learns the shared counts. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    this.writing = this.write().finally(() => (this.writing = undefined));
    await this.writing;
  }

  /** Stops the timer and writes what is left (shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    const now = this.clock();
    const batch: Array<{ key: string; hits: number }> = [];
    for (const [key, entry] of this.counts) {
      if (entry.pending > 0) batch.push({ key, hits: entry.pending });
      else if (entry.resetAt <= now) this.counts.delete(key);
    }
    if (++this.flushesSinceSweep >= 200) {
      this.flushesSinceSweep = 0;
      await this.repo.sweep(now);
    }
    if (batch.length === 0) return;
    // Taken out of the pending counts now (hits keep arriving meanwhile); put back if the write fails.
    for (const { key, hits } of batch) this.counts.get(key)!.pending -= hits;
    let shared: Map<string, { hits: number; resetAt: number }>;
    try {
      shared = await this.repo.hitMany(batch, this.windowMs, now);
    } catch (error) {
      for (const { key, hits } of batch) {
        const entry = this.counts.get(key);
        if (entry) entry.pending += hits;
      }
      throw error;
    }
    for (const [key, count] of shared) {
      const entry = this.counts.get(key);
      if (entry) Object.assign(entry, { shared: count.hits, resetAt: count.resetAt });
    }
  }
}
