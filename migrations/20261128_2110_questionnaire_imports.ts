import type { Knex } from 'knex';

/**
 * An XLSForm uploaded on the admin page waits here, read and checked, until the administrator has
 * seen what it will import (its notes, what changes from the latest version) and confirms. It
 * expires after a day; expired ones are deleted when the next one is stored. The API imports
 * directly and never uses this table.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('questionnaire_imports', (t) => {
    t.increments('id').primary();
    t.string('file_name', 255).notNullable();
    // The definition as read from the file, and the notes (what was completed or left out), as JSON.
    t.text('definition').notNullable();
    t.text('warnings').notNullable();
    t.integer('created_by').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('created_at', 40).notNullable();
    t.string('expires_at', 40).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('questionnaire_imports');
}
