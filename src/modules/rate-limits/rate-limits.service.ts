import type { RateLimitsRepository } from './rate-limits.repository';
import { DatabaseRateLimitStore } from './rate-limits.store';

/**
 * The stores every rate limit of the app counts in (login, account page, respondent routes, public
 * links): the database, shared by all server processes. Built once in the composition root; each
 * limiter asks for a store of its own name, which keeps its keys apart from the others'.
 */
export class RateLimitStores {
  constructor(private readonly repo: RateLimitsRepository) {}

  store(name: string): DatabaseRateLimitStore {
    return new DatabaseRateLimitStore(this.repo, name);
  }
}
