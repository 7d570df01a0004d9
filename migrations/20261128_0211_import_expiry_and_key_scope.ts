import type { Knex } from 'knex';

/**
 * - indicator_imports.expires_at: a preview waits for its confirmation a limited time, like an
 *   invitation import; expired previews are deleted when the next one is stored.
 * - responses.idempotency_key loses its global UNIQUE: a key means something only within one
 *   respondent's own response, and a unique index across all respondents let one respondent learn
 *   that another had used a key (the 409 it raised).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('indicator_imports', (t) => {
    t.string('expires_at', 30).nullable();
    t.index(['expires_at']);
  });
  // Previews already waiting get the same day as new ones, counted from now.
  await db('indicator_imports').whereNull('expires_at').update({ expires_at: new Date(Date.now() + 24 * 3600 * 1000).toISOString() });
  await db.schema.alterTable('responses', (t) => {
    t.dropUnique(['idempotency_key']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('responses', (t) => {
    t.unique(['idempotency_key']);
  });
  await db.schema.alterTable('indicator_imports', (t) => {
    t.dropIndex(['expires_at']);
    t.dropColumn('expires_at');
  });
}
