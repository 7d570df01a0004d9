import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('name', 200).notNullable().defaultTo('');
    t.string('password_hash', 100).notNullable();
    t.string('role', 20).notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    // Bumped to revoke every session and API token of the user at once.
    t.integer('token_version').notNullable().defaultTo(1);
    t.string('locale', 5).nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await db.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.integer('actor_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('action', 60).notNullable();
    t.string('subject', 120).nullable();
    t.text('detail').nullable();
    t.string('created_at', 30).notNullable();
    t.index(['created_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('audit_log');
  await db.schema.dropTable('users');
}
