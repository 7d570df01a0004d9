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
