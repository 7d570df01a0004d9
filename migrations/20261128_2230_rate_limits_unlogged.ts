import type { Knex } from 'knex';

/**
 * PostgreSQL: the rate-limit counters become an UNLOGGED table. Every respondent request counts
 * one hit, in a statement of its own; logged, each hit waited for its own write-ahead-log flush
 * beside the submission's, for a counter that is worth nothing after a database crash. Unlogged,
 * the counters survive restarts of the app and clean restarts of PostgreSQL (so a restart still
 * hands nobody a fresh allowance); only crash recovery empties them, and a standby does not
 * receive them (after a fail-over every window starts again). SQLite has no such tables: nothing
 * changes there.
 */
const isPg = (db: Knex) => ['pg', 'postgres', 'postgresql'].includes(String(db.client.config.client));

export async function up(db: Knex): Promise<void> {
  if (isPg(db)) await db.raw('ALTER TABLE rate_limit_hits SET UNLOGGED');
}

export async function down(db: Knex): Promise<void> {
  if (isPg(db)) await db.raw('ALTER TABLE rate_limit_hits SET LOGGED');
}
