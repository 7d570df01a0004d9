import type { Knex } from 'knex';

/**
 * A programme actuals file that would overwrite stored values is staged here (its parsed rows)
 * until the person confirms the list of replaced values; unconfirmed uploads expire after a day.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('programme_actual_imports', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.string('file_name', 300).notNullable();
    t.text('payload').notNullable();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('programme_actual_imports');
}
