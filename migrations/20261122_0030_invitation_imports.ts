import type { Knex } from 'knex';

/**
 * Server-side state between two requests of the invitation workflow, both short-lived:
 *
 * - invitation_imports: an uploaded list with bad rows, validated and parked until the
 *   administrator confirms importing only the good rows (or cancels). Rows are JSON.
 * - invitation_link_batches: the plaintext links of a just-created batch, kept only so the
 *   mail-merge CSV can be downloaded once; encrypted with a key derived from the app secret,
 *   deleted on first download and expiring within the hour. Tokens are never stored otherwise.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('invitation_imports', (t) => {
    t.string('id', 32).primary(); // 128-bit random, base64url
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('created_by').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('filename', 300).nullable();
    t.text('good_rows').notNullable(); // JSON: [[line, name, contact, territory_id, sector, size], ...]
    t.text('bad_rows').notNullable(); // JSON: [{line, column, value, key, params}, ...]
    t.integer('good_count').notNullable();
    t.integer('bad_count').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.index(['expires_at']);
  });

  await db.schema.createTable('invitation_link_batches', (t) => {
    t.string('id', 32).primary(); // 128-bit random, base64url
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('created_by').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('link_count').notNullable();
    t.text('payload').notNullable(); // AES-256-GCM of JSON [[invitation_id, token], ...]
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('invitation_link_batches');
  await db.schema.dropTable('invitation_imports');
}
