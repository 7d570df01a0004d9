import type { RateLimitsRepository } from './rate-limits.repository';
import { BufferedRateLimitStore, DatabaseRateLimitStore } from './rate-limits.store';

/**
 * The stores every rate limit of the app counts in (login, account page, respondent routes, public
 * links): the database, shared by all server processes. Built once in the composition root; each
 * limiter asks for a store of its own name, which keeps its keys apart from the others'.
 */
export class RateLimitStores {
  private readonly buffers = new Set<BufferedRateLimitStore>();

  constructor(
    private readonly repo: RateLimitsRepository,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  store(name: string): DatabaseRateLimitStore {
    return new DatabaseRateLimitStore(this.repo, name);
  }

  /** A store that writes its counts every `flushMs` rather than on each request (see BufferedRateLimitStore). */
  buffered(name: string, flushMs = 250): BufferedRateLimitStore {
    const store = new BufferedRateLimitStore(this.repo, name, flushMs, this.onError);
    this.buffers.add(store);
    return store;
  }

  /** Writes every buffered count now (tests; and shutdown, through close). */
  async flush(): Promise<void> {
    await Promise.all([...this.buffers].map((s) => s.flush()));
  }

  /** Stops the buffered stores' timers after writing what they hold (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.buffers].map((s) => s.close()));
  }
}
