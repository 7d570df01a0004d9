import type { Knex } from 'knex';
import { KnexRateLimitsRepository } from './rate-limits.repository';
import { DatabaseRateLimitStore } from './rate-limits.store';

/**
 * The store every rate limit of the app counts in (login, account page, respondent routes, public
 * links): the database, shared by all server processes. `name` keeps each limiter's keys apart.
 */
export function databaseRateLimitStore(db: Knex, name: string): DatabaseRateLimitStore {
  return new DatabaseRateLimitStore(new KnexRateLimitsRepository(db), name);
}
