import type { Knex } from 'knex';

/**
 * Counters of the rate limits (login, account page, respondent routes, public links), in the
 * database rather than in one process's memory, so that several server processes share them and a
 * restart does not hand an attacker a fresh allowance. One row per key and window.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('rate_limit_hits', (t) => {
    t.string('key', 300).primary(); // limiter name + ':' + the limited identity (address, e-mail+address, respondent)
    t.integer('hits').notNullable();
    t.bigInteger('reset_at').notNullable(); // epoch milliseconds when the window ends
    t.index(['reset_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('rate_limit_hits');
}
